-- Issue 11 fix (F2): what goes on a correction statement is decided per ROOT entry, not per item.
--
-- An issued statement may hold an entry together with its negative correction (netted on the draft), or have had
-- the correction credited by an earlier correction statement. A retroactive rate decrease then makes a negative
-- adjustment of the entry and a positive one of the correction. Putting only the negative one on the correction
-- statement (and the positive one on the next draft) credited more than was left of the statement.
--
-- The rule now: the open corrections and adjustments whose root entry is on an ISSUED statement are netted per
-- (root entry, hours or adjustment, rate); a set whose net lowers the statement (øre below 0, or 0 øre with
-- minutes below 0) goes, every item of it, on a correction statement of that statement, which credits exactly the
-- net; a set netting 0 or more goes on the next draft (a positive correction as late hours, a net raise as an
-- adjustment line). Items of a root on a DRAFT net on that draft, as before. A correction statement's line groups
-- only lowering sets, so every line it states is positive, and it never credits more than the rate change or
-- correction takes from what the statement stated for those entries.
create or replace view statement_open_items as
select o.item_id, o.adjustment, o.entry_id, o.municipality_id, o.citizen_id, o.citizen_name, o.work_date, o.minutes,
       o.rate_ore_per_hour, o.amount_ore, o.root_entry_id, o.lowers, o.statement_id,
       case when o.root_entry_id <> o.item_id and (o.set_ore < 0 or (o.set_ore = 0 and o.set_minutes < 0))
            then (select s.statement_id from statement_entries se
                    join statements s on s.statement_id = se.statement_id
                  where se.entry_id = o.root_entry_id and s.status = 'issued'
                    and s.document_type = 'statement') end as corrects_statement_id,
       case when o.root_entry_id <> o.item_id then (select s.statement_id from statement_entries se
                                   join statements s on s.statement_id = se.statement_id
                                 where se.entry_id = o.root_entry_id and s.status = 'draft'
                                   and s.document_type = 'statement') end as draft_statement_id
from (select si.*,
             sum(si.amount_ore) over w as set_ore,
             sum(si.minutes) over w as set_minutes
      from statement_items si
      where si.statement_id is null
      window w as (partition by si.municipality_id, si.root_entry_id, si.root_entry_id = si.item_id, si.adjustment,
                                si.rate_ore_per_hour)) o;
