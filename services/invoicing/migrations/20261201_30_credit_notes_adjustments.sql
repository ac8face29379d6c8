-- Issue 9 part 2: credit notes, adjustments of retroactive rate changes, reconciliation.
-- Money integer øre, time integer minutes.

-- A credit note is a document of the ledger like an invoice: the same table, the same gap-free number
-- sequence, the same immutability once issued. It credits one issued invoice (credits_invoice_id) and states
-- positive amounts; document_type tells them apart. Only invoices are one per company and period.
alter table invoices add column document_type text not null default 'invoice'
    check (document_type in ('invoice', 'credit_note'));
alter table invoices add column credits_invoice_id uuid references invoices (invoice_id);
alter table invoices add constraint invoices_credit_note_credits_an_invoice
    check ((document_type = 'credit_note') = (credits_invoice_id is not null));
alter table invoices drop constraint invoices_company_id_period_start_key;
create unique index invoices_one_invoice_per_company_period on invoices (company_id, period_start)
    where document_type = 'invoice';
create index invoices_credits_idx on invoices (credits_invoice_id) where credits_invoice_id is not null;

-- An adjustment line refers to the entry whose price it settles (null on ordinary lines).
alter table invoice_lines add column adjusts_entry_id uuid;

-- A bill rate version registered after hours on its dates were accrued: per affected entry, the new amount
-- minus the amount already charged (line + earlier adjustments). A new fact; the line stays as accrued.
create table bill_adjustments (
    adjustment_id          uuid primary key,
    entry_id               uuid not null references billable_lines (entry_id),
    company_id             uuid not null,
    placement_id           uuid not null,
    citizen_id             uuid not null,
    citizen_name           text not null,
    work_date              date not null,
    minutes                integer not null,
    old_rate_ore_per_hour  bigint not null,
    new_rate_ore_per_hour  bigint not null,
    amount_ore             bigint not null check (amount_ore <> 0),
    cause_event_id         uuid not null,
    recorded_seq           bigint generated always as identity,
    created_at             timestamptz not null default now()
);
create index bill_adjustments_entry_idx on bill_adjustments (entry_id);
create index bill_adjustments_company_idx on bill_adjustments (company_id, work_date);

-- The same for co-financing rates (municipality terms): recorded here, turned into documents by statements.
create table co_financing_adjustments (
    adjustment_id          uuid primary key,
    entry_id               uuid not null references co_financing_lines (entry_id),
    municipality_id        uuid not null,
    terms_id               uuid not null references municipality_terms (terms_id),
    citizen_id             uuid not null,
    citizen_name           text not null,
    work_date              date not null,
    minutes                integer not null,
    old_rate_ore_per_hour  bigint not null,
    new_rate_ore_per_hour  bigint not null,
    amount_ore             bigint not null check (amount_ore <> 0),
    cause_event_id         uuid not null,
    recorded_seq           bigint generated always as identity,
    created_at             timestamptz not null default now()
);
create index co_financing_adjustments_entry_idx on co_financing_adjustments (entry_id);
create index co_financing_adjustments_municipality_idx on co_financing_adjustments (municipality_id, work_date);

-- Adjustments are facts: never updated or deleted, except that a merge of two citizen ids (issue 6) moves them
-- to the kept id like the lines they adjust (the alias trigger below, invoicing.citizens.handlers).
create function refuse_change_of_adjustment() returns trigger language plpgsql as $$
begin
    if tg_op = 'UPDATE' and (to_jsonb(new) - 'citizen_id') = (to_jsonb(old) - 'citizen_id') then
        return new;
    end if;
    raise exception 'adjustment % is a fact and cannot be changed or deleted', old.adjustment_id
        using errcode = 'integrity_constraint_violation';
end;
$$;
create trigger bill_adjustments_are_facts before update or delete on bill_adjustments
    for each row execute function refuse_change_of_adjustment();
create trigger co_financing_adjustments_are_facts before update or delete on co_financing_adjustments
    for each row execute function refuse_change_of_adjustment();
create trigger bill_adjustments_citizen_alias before insert or update of citizen_id on bill_adjustments
    for each row execute function citizen_id_of_kept();
create trigger co_financing_adjustments_citizen_alias before insert or update of citizen_id on co_financing_adjustments
    for each row execute function citizen_id_of_kept();

-- The adjustments behind each adjustment line: one document at most per adjustment (primary key).
create table invoice_adjustments (
    adjustment_id  uuid primary key references bill_adjustments (adjustment_id),
    invoice_id     uuid not null references invoices (invoice_id) on delete cascade,
    position       integer not null,
    foreign key (invoice_id, position) references invoice_lines (invoice_id, position) on delete cascade
);
create index invoice_adjustments_invoice_idx on invoice_adjustments (invoice_id);
create trigger invoice_adjustments_issued_are_facts before update or delete on invoice_adjustments
    for each row execute function refuse_change_of_issued_invoice();

-- Everything the company is charged for, entry by entry: the accrued lines and the adjustments of their price.
-- root_entry_id: the entry a correction corrects (else the entry itself); lowers: a correction taking hours
-- away, or an adjustment taking money away; document_id: the invoice or credit note it is on (null: in the pool).
create view ledger_items as
select b.entry_id as item_id, 'entry'::text as kind, b.entry_id, b.company_id, b.citizen_id, b.citizen_name,
       b.work_date, b.minutes, b.rate_ore_per_hour, b.amount_ore, null::uuid as adjusts_entry_id,
       coalesce(b.corrects_entry_id, b.entry_id) as root_entry_id,
       (b.corrects_entry_id is not null and b.minutes < 0) as lowers, ie.invoice_id as document_id
from billable_lines b left join invoice_entries ie on ie.entry_id = b.entry_id
union all
select a.adjustment_id, 'adjustment', a.entry_id, a.company_id, a.citizen_id, a.citizen_name,
       a.work_date, 0, a.new_rate_ore_per_hour, a.amount_ore, a.entry_id,
       coalesce(b.corrects_entry_id, b.entry_id), a.amount_ore < 0, ia.invoice_id
from bill_adjustments a join billable_lines b on b.entry_id = a.entry_id
     left join invoice_adjustments ia on ia.adjustment_id = a.adjustment_id;

-- The items on no document yet, each with the issued invoice it must be credited against: a lowering item
-- whose root entry is on an issued invoice goes on a credit note of that invoice; everything else on a draft.
create view ledger_open_items as
select li.*,
       case when li.lowers then (select ie.invoice_id from invoice_entries ie join invoices i on i.invoice_id = ie.invoice_id
                                 where ie.entry_id = li.root_entry_id and i.status = 'issued'
                                   and i.document_type = 'invoice') end as credits_invoice_id
from ledger_items li where li.document_id is null;
