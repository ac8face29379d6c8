-- Issue 13, part C: pay periods. A pay close is agency-wide, final and atomic: the wage basis of every employee for
-- the period's work dates (gross per approved entry at the wage rate in force on its work date, holiday allowance,
-- ATP band). Everything written by a close is a fact: never updated or deleted (triggers below). Money in øre,
-- time in minutes, percentages in basis points.

-- ATP contribution bands (bekendtgørelse om indbetaling af ATP-bidrag; A-sats for private employers; hour bands per
-- pay-period length on virk.dk "Beregning af ATP-bidrag"): from effective_from, a period of period_kind with at least
-- min_minutes worked ("mindst N timer") pays employee_ore + employer_ore. Data, not code: a change of the rates is a
-- new row set (a later migration) with a later effective_from; a close uses the set in force on the period's end.
-- NOTE: the amounts below are the A-sats known from 1 April 2016 (full month 94,65 kr. + 189,35 kr. = 284 kr.).
-- They MUST be checked against virk.dk ("ATP-satser", private employers) before production; if they changed, add a
-- row set with the date they changed from.
create table atp_bands (
    effective_from  date not null,
    period_kind     text not null check (period_kind in ('monthly', 'fortnightly', 'weekly')),
    min_minutes     integer not null check (min_minutes >= 0),
    band            text not null check (band in ('0', '1/3', '2/3', '1')),
    employee_ore    bigint not null check (employee_ore >= 0),
    employer_ore    bigint not null check (employer_ore >= 0),
    primary key (effective_from, period_kind, min_minutes)
);
insert into atp_bands (effective_from, period_kind, min_minutes, band, employee_ore, employer_ore) values
    ('2016-04-01', 'monthly', 0, '0', 0, 0),
    ('2016-04-01', 'monthly', 2340, '1/3', 3155, 6310),       -- 39 hours
    ('2016-04-01', 'monthly', 4680, '2/3', 6310, 12625),      -- 78 hours
    ('2016-04-01', 'monthly', 7020, '1', 9465, 18935),        -- 117 hours
    ('2016-04-01', 'fortnightly', 0, '0', 0, 0),
    ('2016-04-01', 'fortnightly', 1080, '1/3', 1660, 3320),   -- 18 hours
    ('2016-04-01', 'fortnightly', 2160, '2/3', 3320, 6640),   -- 36 hours
    ('2016-04-01', 'fortnightly', 3240, '1', 4980, 9960),     -- 54 hours
    ('2016-04-01', 'weekly', 0, '0', 0, 0),
    ('2016-04-01', 'weekly', 540, '1/3', 830, 1660),          -- 9 hours
    ('2016-04-01', 'weekly', 1080, '2/3', 1660, 3320),        -- 18 hours
    ('2016-04-01', 'weekly', 1620, '1', 2490, 4980);          -- 27 hours

-- One row per closed pay period; its totals are plain sums of its employees and lines. The max(period_end) is the
-- pay side's closed-through date. unnumbered: approved hours of citizens without an employee number
-- ([{reason, placement_ids, work_dates}], not paid); waiting_entries: approved entries whose placement is not
-- known yet ([{entry_id, placement_id, work_date}], not paid).
create table pay_periods (
    pay_period_id                   uuid primary key,
    period_kind                     text not null check (period_kind in ('monthly', 'fortnightly', 'weekly')),
    period_start                    date not null unique,
    period_end                      date not null check (period_end >= period_start),
    period_label                    text not null,
    closed_at                       timestamptz not null,
    closed_by                       text not null,
    holiday_allowance_basis_points  integer not null check (holiday_allowance_basis_points between 0 and 10000),
    employees                       integer not null,
    blocked_employees               integer not null,
    total_minutes                   bigint not null,
    gross_ore                       bigint not null,
    adjustment_gross_ore            bigint not null,
    holiday_allowance_basis_ore     bigint not null,
    holiday_allowance_ore           bigint not null,
    atp_employee_ore                bigint not null,
    atp_employer_ore                bigint not null,
    atp_band_changes                integer not null,
    submitted_minutes               bigint not null,
    rejected_minutes                bigint not null,
    unnumbered                      jsonb not null default '[]',
    waiting_entries                 jsonb not null default '[]',
    -- placements.wage_rates_changed_seq seen by this close: the next close re-prices the paid entries of
    -- placements changed after it (retroactive wage rate changes).
    wage_rates_seen_seq             bigint not null default 0
);

-- One row per employee with anything in the period (hours, adjustments, blocked items or unapproved hours).
-- blocked: null, or {"reason": "wage-rate-missing", "placement_ids": [...], "work_dates": [...]};
-- unapproved: [{entry_id, placement_id, work_date, minutes, status}]; atp_changes: earlier periods whose band the
-- adjustments changed ([{period_start, period_label, minutes_before, minutes_after, band_before, band_after,
-- employee_diff_ore, employer_diff_ore}]), reported, not paid.
create table pay_employees (
    pay_period_id                uuid not null references pay_periods (pay_period_id),
    employee_number              integer not null,
    citizen_id                   uuid not null,
    minutes                      integer not null,
    gross_ore                    bigint not null,
    holiday_allowance_basis_ore  bigint not null,
    holiday_allowance_ore        bigint not null,
    atp_minutes                  integer not null,
    atp_band                     text not null check (atp_band in ('0', '1/3', '2/3', '1')),
    atp_employee_ore             bigint not null,
    atp_employer_ore             bigint not null,
    blocked                      jsonb,
    unapproved                   jsonb not null default '[]',
    atp_changes                  jsonb not null default '[]',
    primary key (pay_period_id, employee_number)
);

-- One row per employee × wage rate (adjustments also per adjusted period): plain sums of its entries.
create table pay_lines (
    pay_period_id         uuid not null references pay_periods (pay_period_id),
    position              integer not null,
    employee_number       integer not null,
    kind                  text not null check (kind in ('hours', 'adjustment')),
    adjusts_period_start  date,
    rate_ore_per_hour     bigint not null check (rate_ore_per_hour >= 0),
    minutes               integer not null,
    gross_ore             bigint not null,
    first_work_date       date not null,
    last_work_date        date not null,
    primary key (pay_period_id, position),
    check ((kind = 'adjustment') = (adjusts_period_start is not null))
);

-- An approved entry is paid at most once (primary key), on one line, at the rate in force on its work date.
create table pay_entries (
    entry_id           uuid primary key references approved_entries (entry_id),
    pay_period_id      uuid not null,
    position           integer not null,
    employee_number    integer not null,
    placement_id       uuid not null,
    work_date          date not null,
    minutes            integer not null,
    rate_ore_per_hour  bigint not null,
    gross_ore          bigint not null,
    corrects_entry_id  uuid,
    foreign key (pay_period_id, position) references pay_lines (pay_period_id, position)
);
create index pay_entries_employee_date_idx on pay_entries (employee_number, work_date) include (minutes);
create index pay_entries_period_idx on pay_entries (pay_period_id, position);

-- A paid entry re-priced after a retroactive wage rate change: gross_ore = its gross at the rate now in force minus
-- what was paid for it so far (its own gross and earlier re-pricings), on a minutes-0 adjustment line.
create table pay_repricings (
    pay_period_id      uuid not null,
    position           integer not null,
    entry_id           uuid not null references pay_entries (entry_id),
    rate_ore_per_hour  bigint not null check (rate_ore_per_hour >= 0),
    gross_ore          bigint not null check (gross_ore <> 0),
    primary key (pay_period_id, entry_id),
    foreign key (pay_period_id, position) references pay_lines (pay_period_id, position)
);
create index pay_repricings_entry_idx on pay_repricings (entry_id);

create function refuse_change_of_pay_fact() returns trigger language plpgsql as $$
begin
    raise exception 'a closed pay period''s rows (%) are facts and cannot be changed or deleted', tg_table_name
        using errcode = 'integrity_constraint_violation';
end;
$$;
create trigger pay_periods_are_facts before update or delete on pay_periods
    for each row execute function refuse_change_of_pay_fact();
create trigger pay_employees_are_facts before update or delete on pay_employees
    for each row execute function refuse_change_of_pay_fact();
create trigger pay_lines_are_facts before update or delete on pay_lines
    for each row execute function refuse_change_of_pay_fact();
create trigger pay_entries_are_facts before update or delete on pay_entries
    for each row execute function refuse_change_of_pay_fact();
create trigger pay_repricings_are_facts before update or delete on pay_repricings
    for each row execute function refuse_change_of_pay_fact();
