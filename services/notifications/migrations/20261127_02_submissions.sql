-- Submitted hours as announced by timesheet.hours_submitted; kept until their e-mails are planned
-- (the company may become known only later: topics arrive in any order).
create table submissions (
    event_id uuid primary key,
    submission_id uuid not null unique,
    placement_id uuid not null,
    company_id uuid not null,
    citizen_name text not null,
    total_minutes integer not null,
    received_at timestamptz not null default now(),
    -- Set once the approvers' e-mails exist; null means "waiting for the company's approvers".
    emails_planned_at timestamptz
);

-- Only the waiting ones are ever looked up by company.
create index submissions_waiting_by_company on submissions (company_id) where emails_planned_at is null;

create table submission_entries (
    event_id uuid not null references submissions (event_id) on delete cascade,
    entry_id uuid not null,
    work_date date not null,
    minutes integer not null,
    primary key (event_id, entry_id)
);
