-- One live entry per placement and work date (issue 6): a day's hours are one original entry, submitted
-- or approved; it is changed while submitted by rejecting and resubmitting it, and once approved by
-- correction entries. Corrections and rejected entries are left out of the rule.
--
-- Entries already stored twice for one placement and day (possible before this migration) are settled
-- first, so the index can be built and nothing is lost:
--   * the day's keeper is its approved original if one is approved (the earliest approved), otherwise
--     its earliest submitted original;
--   * every other *submitted* original of that day is rejected, with a reason naming the keeper, a new
--     version and a history row (actor `migration:20261130_01`). Nothing was invoiced for it, and the
--     consultant sees it as any rejected entry (it can be moved to another day and resubmitted, or left).
--     No EntryRejected event is written: no service consumes it, and notifications only mail submissions;
--   * every other *approved* original is kept as it is (it may already be invoiced, and facts are never
--     rewritten) but marked `duplicate_of` the keeper, which leaves it out of the index; finance settles it
--     with a correction entry. Marked rows are listed by `select * from entries where duplicate_of is not null`.
alter table entries add column duplicate_of uuid references entries (id);

create temporary table day_duplicates on commit drop as
select id, status, keeper
from (
    select id, status,
           first_value(id) over day_order as keeper,
           row_number() over day_order as position
    from entries
    where corrects_entry_id is null and status in ('submitted', 'approved')
    window day_order as (
        partition by placement_id, work_date
        order by (status = 'approved') desc, coalesce(decided_at, submitted_at), submitted_at, id
    )
) ranked
where position > 1;

update entries e
set status = 'rejected', version = e.version + 1, decided_by = 'migration:20261130_01', decided_at = now(),
    rejection_reason = 'Duplicate: entry ' || d.keeper || ' already holds this placement''s hours for '
                       || e.work_date || '; change that entry instead'
from day_duplicates d
where d.id = e.id and d.status = 'submitted';

insert into entry_history (entry_id, action, actor, version, work_date, minutes, reason)
select e.id, 'rejected', e.decided_by, e.version, e.work_date, e.minutes, e.rejection_reason
from entries e join day_duplicates d on d.id = e.id and d.status = 'submitted'
order by e.id;

update entries e set duplicate_of = d.keeper
from day_duplicates d
where d.id = e.id and d.status = 'approved';

create unique index entries_one_live_per_day_idx on entries (placement_id, work_date)
where corrects_entry_id is null and status in ('submitted', 'approved') and duplicate_of is null;
