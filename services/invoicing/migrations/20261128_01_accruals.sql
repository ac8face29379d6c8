-- Read models learned from placement events, the approved hours from timesheet events, and the
-- lines they accrue into. Money is integer øre, durations integer minutes.

create table municipality_terms (
    terms_id                        uuid primary key,
    municipality_id                 uuid not null,
    municipality_name               text not null,
    effective_from                  date not null,
    co_financing_rate_ore_per_hour  bigint not null check (co_financing_rate_ore_per_hour >= 0),
    eligibility_threshold_weeks     integer not null,
    -- Breaks a tie between two versions with the same effective_from: the one recorded last wins.
    recorded_seq                    bigint generated always as identity,
    recorded_at                     timestamptz not null default now()
);
create index municipality_terms_in_force_idx on municipality_terms (municipality_id, effective_from);

create table placements (
    placement_id            uuid primary key,
    company_id              uuid not null,
    citizen_id              uuid not null,
    citizen_name            text not null,
    municipality_id         uuid not null,
    co_financing_eligible   boolean not null,
    bill_rate_ore_per_hour  bigint not null check (bill_rate_ore_per_hour >= 0),
    start_date              date not null,
    end_date                date,
    updated_at              timestamptz not null default now()
);
create index placements_company_idx on placements (company_id);
create index placements_municipality_idx on placements (municipality_id);

create table approved_entries (
    entry_id           uuid primary key,
    placement_id       uuid not null,
    company_id         uuid not null,
    work_date          date not null,
    minutes            integer not null,
    approved_at        timestamptz not null,
    approval_event_id  uuid not null,
    received_at        timestamptz not null default now(),
    -- Null while the placement (or the terms in force on work_date) is not known yet.
    accrued_at         timestamptz
);
-- Pending entries are looked up by placement when it arrives; the partial index only holds those.
create index approved_entries_pending_idx on approved_entries (placement_id) where accrued_at is null;
create index approved_entries_company_month_idx on approved_entries (company_id, work_date);

-- One line per approved entry at most: the unique entry_id makes double billing impossible.
create table billable_lines (
    id                 bigint generated always as identity primary key,
    entry_id           uuid not null unique references approved_entries (entry_id),
    company_id         uuid not null,
    placement_id       uuid not null,
    citizen_id         uuid not null,
    citizen_name       text not null,
    work_date          date not null,
    minutes            integer not null,
    rate_ore_per_hour  bigint not null,
    amount_ore         bigint not null,
    created_at         timestamptz not null default now()
);
create index billable_lines_company_month_idx on billable_lines (company_id, work_date);

create table co_financing_lines (
    id                 bigint generated always as identity primary key,
    entry_id           uuid not null unique references approved_entries (entry_id),
    municipality_id    uuid not null,
    terms_id           uuid not null references municipality_terms (terms_id),
    citizen_id         uuid not null,
    citizen_name       text not null,
    work_date          date not null,
    minutes            integer not null,
    rate_ore_per_hour  bigint not null,
    amount_ore         bigint not null,
    created_at         timestamptz not null default now()
);
create index co_financing_lines_municipality_month_idx on co_financing_lines (municipality_id, work_date);
