-- Target groups (målgrupper) change with reforms, so they are a dated list, not an enum: a referral
-- must use a code valid on its referral date. valid_to is the last day a code may be used (inclusive).
-- A reform retires codes by setting valid_to and adds new codes in a new migration; codes are never reused.
create table target_groups (
    code        text primary key check (code ~ '^[a-z][a-z0-9_]{1,49}$'),
    name        text not null,
    valid_from  date not null,
    valid_to    date,
    check (valid_to is null or valid_to >= valid_from)
);

-- The 2014 cash-benefit reform (kontanthjælpsreformen) introduced these categories.
insert into target_groups (code, name, valid_from, valid_to) values
    ('jobparat',          'Jobparat kontanthjælpsmodtager',          '2014-01-01', null),
    ('aktivitetsparat',   'Aktivitetsparat kontanthjælpsmodtager',   '2014-01-01', null),
    ('uddannelseshjaelp', 'Uddannelseshjælpsmodtager',               '2014-01-01', null);

-- Referrals made before target groups and caseworkers were recorded keep nulls.
alter table referrals
    add column target_group_code text references target_groups (code),
    add column caseworker_name   text check (length(caseworker_name) between 1 and 200),
    add column caseworker_email  text,
    add check (caseworker_email is null or caseworker_name is not null);
create index referrals_municipality_idx on referrals (municipality_id);
