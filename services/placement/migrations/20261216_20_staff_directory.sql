-- Issue 14 (part A): the agency's staff directory (consultants, finance, admins) and who else to tell per
-- company and agreement: backup approvers with a date range, the approvers' and billing contact's language,
-- and the statement contacts of each agreement version.
create table staff (
    staff_id   uuid primary key,
    subject    text not null unique check (length(subject) between 1 and 200),  -- the bearer token subject
    name       text not null check (length(name) between 1 and 200),
    email      text not null,
    role       text not null check (role in ('consultant', 'finance', 'admin')),
    active     boolean not null default true,
    language   text not null default 'da' check (language in ('da', 'en')),
    created_by text not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

alter table company_approvers add column language text check (language in ('da', 'en'));
alter table companies add column billing_contact_language text check (billing_contact_language in ('da', 'en'));

create table company_backup_approvers (
    company_id uuid not null references companies (id) on delete cascade,
    position   integer not null,
    email      text not null,
    name       text not null check (length(name) between 1 and 200),
    valid_from date,
    valid_to   date,
    language   text check (language in ('da', 'en')),
    primary key (company_id, position),
    check (valid_to is null or valid_from is null or valid_to >= valid_from)
);

create table terms_statement_contacts (
    terms_id uuid not null references municipality_terms (id) on delete cascade,
    position integer not null,
    name     text not null check (length(name) between 1 and 200),
    email    text not null,
    language text check (language in ('da', 'en')),
    primary key (terms_id, position)
);
