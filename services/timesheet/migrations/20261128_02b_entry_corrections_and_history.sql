-- Hours as facts: the citizen and the bill rate in force are recorded on each entry, an approved entry is
-- changed only by correction entries (signed minutes referring to the original), and every change of
-- every entry is written to entry_history in the transaction that makes it.
alter table entries add column citizen_id uuid;
update entries e set citizen_id = p.citizen_id from placements p where p.placement_id = e.placement_id;
alter table entries alter column citizen_id set not null;

-- The bill rate in force on the work date when the entry was (re)submitted, for the record.
alter table entries add column bill_rate_ore_per_hour bigint;
update entries e set bill_rate_ore_per_hour = p.bill_rate_ore_per_hour from placements p
where p.placement_id = e.placement_id;
alter table entries alter column bill_rate_ore_per_hour set not null;
alter table entries add constraint entries_bill_rate_check check (bill_rate_ore_per_hour >= 0);

alter table entries add column corrects_entry_id uuid references entries (id);
alter table entries add column correction_reason text;
alter table entries add constraint entries_correction_reason_check
    check ((corrects_entry_id is null) = (correction_reason is null));

-- An original entry is 15..720 minutes; a correction is a non-zero signed delta of at most 720 either way.
alter table entries drop constraint entries_minutes_check;
alter table entries add constraint entries_minutes_check check (
    minutes % 15 = 0
    and case when corrects_entry_id is null then minutes between 15 and 720
             else minutes between -720 and 720 and minutes <> 0 end
);

-- The 12-hour cap sums one citizen's live entries on one day, across placements.
create index entries_citizen_day_idx on entries (citizen_id, work_date) where status in ('submitted', 'approved');
create index entries_corrects_idx on entries (corrects_entry_id) where corrects_entry_id is not null;
-- Reminders look for entries waiting since before a given instant.
create index entries_pending_since_idx on entries (submitted_at) where status = 'submitted';

create table entry_history (
    id                   bigserial primary key,
    entry_id             uuid not null references entries (id),
    action               text not null
                         check (action in ('submitted', 'resubmitted', 'approved', 'rejected', 'corrected')),
    actor                text not null,
    occurred_at          timestamptz not null default now(),
    -- The entry's version after the change (a 'corrected' row leaves the original at its version).
    version              integer not null,
    work_date            date not null,
    -- The entry's minutes after the change; on a 'corrected' row, the correction's signed delta.
    minutes              integer not null,
    -- Rejection reason, or correction reason on 'corrected' rows and on a correction's own 'submitted' row.
    reason               text,
    submission_id        uuid,
    correction_entry_id  uuid references entries (id),
    check ((action = 'corrected') = (correction_entry_id is not null))
);
create index entry_history_entry_idx on entry_history (entry_id, id);

-- Entries that existed before the history did: their submission and decision, as far as they are known.
insert into entry_history (entry_id, action, actor, occurred_at, version, work_date, minutes, submission_id)
select id, 'submitted', submitted_by, submitted_at, 1, work_date, minutes, submission_id
from entries order by submitted_at, id;
insert into entry_history (entry_id, action, actor, occurred_at, version, work_date, minutes, reason)
select id, status, decided_by, decided_at, version, work_date, minutes, rejection_reason
from entries where status <> 'submitted' order by decided_at, id;
