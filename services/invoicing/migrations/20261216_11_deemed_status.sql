-- Issue 14 (part E): why an entry was approved, when timesheet says more than "approved by an approver":
-- EntryApproved.status_reason ('deemed_approved': approved by the deadline running out, approved_by
-- 'deemed-approval'). Kept beside approved_entries (one row per entry with a reason; none for an ordinary
-- approval), written by the approvals consumer in the event's inbox transaction, read for the invoice's detail
-- (API line field deemed_approved_entry_ids, the portal's invoice page) so a company sees which hours were
-- deemed approved.
create table approved_entry_status_reasons (
    entry_id           uuid primary key,
    status_reason      text not null check (status_reason <> ''),
    approval_event_id  uuid not null,
    received_at        timestamptz not null default now()
);
