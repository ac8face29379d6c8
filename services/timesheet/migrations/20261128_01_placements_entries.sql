-- Read model of placement.events: only what timesheet needs to accept and route hours.
create table placements (
    placement_id             uuid primary key,
    company_id               uuid not null,
    citizen_id               uuid not null,
    citizen_name             text not null,
    start_date               date not null,
    end_date                 date,
    bill_rate_ore_per_hour   bigint not null,
    updated_at               timestamptz not null default now()
);

create table entries (
    id                 uuid primary key,
    submission_id      uuid not null,
    placement_id       uuid not null references placements (placement_id),
    -- Copied from the placement at submission: every access check on an entry reads it.
    company_id         uuid not null,
    work_date          date not null,
    minutes            integer not null check (minutes between 15 and 720 and minutes % 15 = 0),
    status             text not null check (status in ('submitted', 'approved', 'rejected')),
    version            integer not null default 1 check (version >= 1),
    submitted_by       text not null,
    submitted_at       timestamptz not null default now(),
    decided_by         text,
    decided_at         timestamptz,
    rejection_reason   text,
    check ((status = 'submitted') = (decided_at is null)),
    check ((decided_by is null) = (decided_at is null)),
    check ((status = 'rejected') = (rejection_reason is not null))
);
-- The approval portal lists one company's entries by status and date.
create index entries_company_status_idx on entries (company_id, status, work_date);
create index entries_placement_idx on entries (placement_id, work_date);
create index entries_submission_idx on entries (submission_id);
