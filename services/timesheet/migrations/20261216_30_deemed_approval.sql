-- Issue 14 (part C): deemed approval. An entry the company left pending past its deemed-approval deadline
-- (notifications' DeemedApprovalDue) is approved with its own status reason, on the entry and in its history.
alter table entries add column status_reason text check (status_reason in ('deemed_approved'));
alter table entries add constraint entries_status_reason_approved check (status_reason is null or status = 'approved');
alter table entry_history add column status_reason text check (status_reason in ('deemed_approved'));
