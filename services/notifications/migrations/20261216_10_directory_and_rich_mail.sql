-- Issue 14 groundwork: who to tell (read models of placement's staff directory, companies' billing contacts
-- and backup approvers, municipality agreements' statement contacts, placements with their consultant), and
-- richer mails (HTML part, language, attachments fetched at send time, never stored).

create table staff (
    staff_id   uuid primary key,
    subject    text not null unique,  -- the bearer token subject; placements' consultant_id is one
    name       text not null,
    email      text not null,         -- normalised (notifications.emails.models.normalise_address)
    role       text not null check (role in ('consultant', 'finance', 'admin')),
    active     boolean not null,
    language   text not null default 'da' check (language in ('da', 'en')),
    updated_at timestamptz not null default now()
);
create index staff_active_role on staff (role) where active;

alter table company_approvers add column language text check (language in ('da', 'en'));

alter table companies
    add column billing_contact_name     text,
    add column billing_contact_email    text,
    add column billing_contact_language text check (billing_contact_language in ('da', 'en'));

-- Replaced whole by every company event (like company_approvers); a range null end is open.
create table company_backup_approvers (
    company_id uuid not null references companies (company_id) on delete cascade,
    position   integer not null,
    email      text not null,
    name       text not null,
    valid_from date,
    valid_to   date,
    language   text check (language in ('da', 'en')),
    primary key (company_id, position)
);

-- The statement contacts of each municipality's latest agreement version (greatest effective_from).
create table municipalities (
    municipality_id uuid primary key,
    name            text not null,
    terms_id        uuid not null,
    effective_from  date not null,
    updated_at      timestamptz not null default now()
);
create table municipality_contacts (
    municipality_id uuid not null references municipalities (municipality_id) on delete cascade,
    position        integer not null,
    email           text not null,
    name            text not null,
    language        text check (language in ('da', 'en')),
    primary key (municipality_id, position)
);

create table placements (
    placement_id    uuid primary key,
    company_id      uuid not null,
    citizen_id      uuid not null,
    citizen_name    text not null,
    municipality_id uuid not null,
    consultant_id   text,
    status          text,
    start_date      date not null,
    end_date        date,
    updated_at      timestamptz not null default now()
);
create index placements_by_company on placements (company_id);
create index placements_by_consultant on placements (consultant_id);

alter table outgoing_emails
    add column html_body   text,
    add column language    text not null default 'da' check (language in ('da', 'en')),
    -- [{"filename": "...", "media_type": "application/pdf", "service": "invoicing", "path": "/invoices/<id>/document.pdf"}]
    -- fetched with a service token when the mail is sent (a document never sits in this table or on Kafka).
    add column attachments jsonb not null default '[]'::jsonb;
