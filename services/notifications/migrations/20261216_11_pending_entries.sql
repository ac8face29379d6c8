-- Issue 14 groundwork: hours awaiting approval (the reminder ladder's and the digest's input), from timesheet's
-- events (keyed by placement, so one placement's events arrive in order). A decided entry leaves the table.
create table pending_entries (
    entry_id          uuid primary key,
    submission_id     uuid not null,
    company_id        uuid not null,
    placement_id      uuid not null,
    citizen_name      text not null,
    work_date         date not null,
    minutes           integer not null,
    corrects_entry_id uuid,
    submitted_at      timestamptz not null,  -- the submission's occurred_at; a change keeps it
    changed_at        timestamptz not null   -- submitted or last changed
);
create index pending_entries_by_company on pending_entries (company_id, submitted_at);
create index pending_entries_by_placement on pending_entries (placement_id);

-- The latest hours submitted per placement ("placements without hours for 14 days" in the digest).
create table placement_hours (
    placement_id      uuid primary key,
    company_id        uuid not null,
    last_work_date    date not null,
    last_submitted_at timestamptz not null
);
