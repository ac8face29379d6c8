-- At most one open correction per corrected entry (issue 6): a correction of an approved entry is
-- "open" while it is submitted (not yet approved or rejected). A second correction of the same entry
-- while one is open is refused (409 `correction-open`, naming the open one, which is changed with
-- PUT /entries/{id} while submitted); once it is decided, the next correction may be made. So the
-- same correction sent twice (a double click, a retry without an Idempotency-Key, two tabs) is stored
-- once and cannot be approved and invoiced twice.
--
-- Corrections already stored open side by side (possible before this migration) are settled first, so
-- the index can be built and nothing is lost: per corrected entry the keeper is its earliest submitted
-- correction; every other open one is rejected with a reason naming the keeper, a new version and a
-- history row (actor `migration:20261130_81`). Nothing was invoiced for them (they were not approved),
-- and the consultant sees each as any rejected correction (it can be changed and submitted again once
-- the keeper is decided, or left). No EntryRejected event is written: no service consumes it, and
-- notifications only mail submissions (as 20261130_01).
create temporary table open_correction_duplicates on commit drop as
select id, keeper
from (
    select id,
           first_value(id) over by_original as keeper,
           row_number() over by_original as position
    from entries
    where corrects_entry_id is not null and status = 'submitted'
    window by_original as (partition by corrects_entry_id order by submitted_at, id)
) ranked
where position > 1;

update entries e
set status = 'rejected', version = e.version + 1, decided_by = 'migration:20261130_81', decided_at = now(),
    rejection_reason = 'Duplicate: correction ' || d.keeper || ' of entry ' || e.corrects_entry_id
                       || ' was already open; change that correction instead'
from open_correction_duplicates d
where d.id = e.id;

insert into entry_history (entry_id, action, actor, version, work_date, minutes, reason)
select e.id, 'rejected', e.decided_by, e.version, e.work_date, e.minutes, e.rejection_reason
from entries e join open_correction_duplicates d on d.id = e.id
order by e.id;

create unique index entries_one_open_correction_idx on entries (corrects_entry_id)
where corrects_entry_id is not null and status = 'submitted';
