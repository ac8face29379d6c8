-- Issue 11 (statements core): what a statement run reads, as the ledger reads ledger_items / ledger_open_items.
-- Money integer øre, time integer minutes.

-- Everything a municipality co-finances, item by item: the co-financing lines (one per approved entry) and the
-- adjustments of their rate (retroactive terms changes). root_entry_id: the entry a correction corrects (else the
-- entry itself); lowers: a correction taking hours away, or an adjustment taking money away; statement_id: the
-- statement or correction statement it is on (null: in the pool).
create view statement_items as
select c.entry_id as item_id, false as adjustment, c.entry_id, c.municipality_id, c.citizen_id, c.citizen_name,
       c.work_date, c.minutes, c.rate_ore_per_hour, c.amount_ore,
       coalesce(c.corrects_entry_id, c.entry_id) as root_entry_id,
       (c.corrects_entry_id is not null and c.minutes < 0) as lowers, se.statement_id
from co_financing_lines c left join statement_entries se on se.entry_id = c.entry_id
union all
select a.adjustment_id, true, a.entry_id, a.municipality_id, a.citizen_id, a.citizen_name,
       a.work_date, 0, a.new_rate_ore_per_hour, a.amount_ore,
       coalesce(c.corrects_entry_id, c.entry_id), a.amount_ore < 0, sa.statement_id
from co_financing_adjustments a join co_financing_lines c on c.entry_id = a.entry_id
     left join statement_adjustments sa on sa.adjustment_id = a.adjustment_id;

-- The items on no statement yet, each with where it goes: corrects_statement_id, the ISSUED statement a lowering
-- item's root entry is on (it goes on a correction statement of it); draft_statement_id, the DRAFT statement the
-- root entry of a correction or adjustment is on (it nets on that draft); neither: on the next draft statement.
create view statement_open_items as
select si.*,
       case when si.lowers then (select s.statement_id from statement_entries se
                                   join statements s on s.statement_id = se.statement_id
                                 where se.entry_id = si.root_entry_id and s.status = 'issued'
                                   and s.document_type = 'statement') end as corrects_statement_id,
       case when si.root_entry_id <> si.item_id then (select s.statement_id from statement_entries se
                                   join statements s on s.statement_id = se.statement_id
                                 where se.entry_id = si.root_entry_id and s.status = 'draft'
                                   and s.document_type = 'statement') end as draft_statement_id
from statement_items si where si.statement_id is null;

-- An issued statement's net_ore is the sum of its lines (the rate's amounts: what reconciliation and the
-- documents compare). Where the agreement's rate includes VAT (category S, rate_excludes_vat false), the total is
-- the net split out of that sum plus VAT (invoicing.statements.models.statement_totals), which may be 1 øre off the
-- sum: the check of 20261203_10 (total_ore = net_ore + vat_ore for every issued statement) is kept for every other
-- statement and bounded to that øre for a VAT-inclusive rate.
do $$
declare
    found text;
begin
    select conname into strict found from pg_constraint
    where conrelid = 'statements'::regclass and contype = 'c'
      and pg_get_constraintdef(oid) like '%total_ore = (net_ore + vat_ore)%';
    execute format('alter table statements drop constraint %I', found);
end;
$$;
alter table statements add constraint statements_issued_facts_complete check (
    status = 'draft' or (issue_date is not null and due_date is not null and issued_at is not null
                         and vat_category is not null and vat_rate_percent is not null
                         and rate_excludes_vat is not null and vat_ore is not null and total_ore is not null
                         and seller is not null and buyer is not null and payment_means is not null
                         and (total_ore = net_ore + vat_ore
                              or (vat_category = 'S' and not rate_excludes_vat
                                  and total_ore between net_ore - 1 and net_ore + 1))));
