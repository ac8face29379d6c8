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
    changed_at        timestamptz not null,  -- submitted or last changed
    version           integer not null       -- timesheet's entries.version: SubmittedEntry.version (1 when
                                             -- absent), then EntryChanged.version; deemed approval names it
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

-- A company's reminder ladder where consultants changed it (absent: the service's defaults). Working days
-- after submission; deemed approval is opt-in (false and null days by default).
create table company_reminder_settings (
    company_id                   uuid primary key,
    reminder_working_days        integer not null,
    follow_up_working_days       integer not null,
    escalation_working_days      integer not null,
    deemed_approval              boolean not null default false,
    deemed_approval_working_days integer,
    updated_by                   text not null,
    updated_at                   timestamptz not null default now(),
    check (0 < reminder_working_days and reminder_working_days < follow_up_working_days
           and follow_up_working_days < escalation_working_days),
    check (not deemed_approval or deemed_approval_working_days > escalation_working_days)
);
