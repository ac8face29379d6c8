create table municipalities (
    id          uuid primary key,
    name        text not null unique,
    created_by  text not null,
    created_at  timestamptz not null default now()
);

-- Effective-dated agreement terms: the version in force on a day is the latest effective_from <= that day.
create table municipality_terms (
    id                              uuid primary key,
    municipality_id                 uuid not null references municipalities (id),
    effective_from                  date not null,
    co_financing_rate_ore_per_hour  integer not null check (co_financing_rate_ore_per_hour >= 0),
    eligibility_threshold_weeks     integer not null check (eligibility_threshold_weeks >= 0),
    created_by                      text not null,
    created_at                      timestamptz not null default now(),
    unique (municipality_id, effective_from)
);

create table companies (
    id          uuid primary key,
    name        text not null,
    cvr         char(8) not null unique,
    created_by  text not null,
    created_at  timestamptz not null default now()
);

create table company_approvers (
    company_id  uuid not null references companies (id),
    email       text not null,
    name        text not null,
    primary key (company_id, email)
);

-- The CPR number is kept only encrypted (AES-GCM) and as a keyed hash for look-ups.
create table citizens (
    id             uuid primary key,
    cpr_hash       bytea not null unique,
    cpr_encrypted  bytea not null,
    name           text not null,
    created_at     timestamptz not null default now()
);

create table referrals (
    id                      uuid primary key,
    citizen_id              uuid not null references citizens (id),
    municipality_id         uuid not null references municipalities (id),
    referred_on             date not null,
    weeks_unemployed        integer not null check (weeks_unemployed >= 0),
    eligible                boolean not null,
    threshold_weeks_applied integer not null,
    terms_id                uuid not null references municipality_terms (id),
    created_by              text not null,
    created_at              timestamptz not null default now()
);
create index referrals_citizen_idx on referrals (citizen_id);

create table placements (
    id                      uuid primary key,
    referral_id             uuid not null references referrals (id),
    citizen_id              uuid not null references citizens (id),
    company_id              uuid not null references companies (id),
    start_date              date not null,
    end_date                date,
    bill_rate_ore_per_hour  integer not null check (bill_rate_ore_per_hour > 0),
    created_by              text not null,
    created_at              timestamptz not null default now(),
    check (end_date is null or end_date >= start_date)
);
create index placements_company_idx on placements (company_id);

-- Who changed money or personal data, when. Never holds a clear CPR number.
create table audit_log (
    id       bigserial primary key,
    actor    text not null,
    action   text not null,
    subject  text not null,
    details  jsonb not null default '{}'::jsonb,
    at       timestamptz not null default now()
);
