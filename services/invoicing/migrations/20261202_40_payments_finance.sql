-- Issue 10, payments and finance views: each issued invoice's account as one view, so finance's list can filter
-- by payment status and overdue in SQL (before paging). Money integer øre. The rules are those of
-- invoicing.payments.models (Settlement, payment_status): owed = total - the totals of the credit notes issued
-- against it; paid = the sum of its payments; outstanding = owed - paid (negative: overpaid).
-- payment_status: no payment -> 'credited' when nothing is owed, else 'unpaid'; paid < owed 'partially_paid';
-- paid = owed 'paid'; paid > owed 'overpaid'. Only issued invoices (credit notes and drafts have no account).
create view invoice_accounts as
select i.invoice_id,
       i.company_id,
       i.due_date,
       i.total_ore,
       a.credited_ore,
       a.paid_ore,
       i.total_ore - a.credited_ore as owed_ore,
       i.total_ore - a.credited_ore - a.paid_ore as outstanding_ore,
       case
           when a.paid_ore = 0 then case when i.total_ore - a.credited_ore <= 0 then 'credited' else 'unpaid' end
           when a.paid_ore < i.total_ore - a.credited_ore then 'partially_paid'
           when a.paid_ore = i.total_ore - a.credited_ore then 'paid'
           else 'overpaid'
       end as payment_status
from invoices i
cross join lateral (
    select coalesce((select sum(c.total_ore) from invoices c
                     where c.credits_invoice_id = i.invoice_id and c.status = 'issued'), 0)::bigint as credited_ore,
           coalesce((select sum(p.amount_ore) from payments p where p.invoice_id = i.invoice_id), 0)::bigint
               as paid_ore
) a
where i.status = 'issued' and i.document_type = 'invoice';

-- Finance lists issued documents by issue date (the bookkeeping export) and overdue invoices by due date.
create index invoices_issue_date_idx on invoices (issue_date) where status = 'issued';
create index invoices_due_date_idx on invoices (due_date) where status = 'issued' and document_type = 'invoice';
