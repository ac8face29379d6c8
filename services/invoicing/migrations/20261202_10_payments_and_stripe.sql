-- Issue 10: Stripe, payments, reminders. Money integer øre.
-- An issued invoice is a fact (its row never changes), so everything that happens to it afterwards lives
-- in these tables: the payments against it, its carriage to Stripe, the Stripe events about it, its history.

-- Payments against an issued invoice: bank transfers finance records, and payments Stripe reports
-- (invoice.paid). A payment is a fact: never changed or deleted. Partial payments are several rows; an
-- overpayment is payments summing to more than is owed.
create table payments (
    payment_id         uuid primary key,
    invoice_id         uuid not null references invoices (invoice_id),
    method             text not null check (method in ('bank_transfer', 'stripe')),
    amount_ore         bigint not null check (amount_ore > 0),
    paid_on            date not null,
    payer_reference    text,
    -- The Stripe invoice a Stripe payment settles: one Stripe payment per Stripe invoice (however often
    -- and in whatever order Stripe reports it).
    stripe_invoice_id  text,
    stripe_event_id    text,
    recorded_by        text not null,
    recorded_at        timestamptz not null default now(),
    check ((method = 'stripe') = (stripe_invoice_id is not null))
);
create index payments_invoice_idx on payments (invoice_id);
create unique index payments_one_per_stripe_invoice on payments (stripe_invoice_id) where method = 'stripe';

create function refuse_change_of_payment() returns trigger language plpgsql as $$
begin
    raise exception 'payment % is a fact and cannot be changed or deleted', old.payment_id
        using errcode = 'integrity_constraint_violation';
end;
$$;
create trigger payments_are_facts before update or delete on payments
    for each row execute function refuse_change_of_payment();

-- The one invoicing.invoice_paid per invoice: written in the transaction whose payment covered it.
create table invoices_paid (
    invoice_id  uuid primary key references invoices (invoice_id),
    paid_on     date not null,
    paid_at     timestamptz not null default now()
);

-- What happened to an invoice after it was issued, in order (the finance view's history): issued, carried to
-- Stripe, a payment, a Stripe event, a reminder, voided. detail: public facts only (ids, amounts, states),
-- never a credential or personal data beyond what the invoice states.
create table invoice_history (
    history_id  bigint generated always as identity primary key,
    invoice_id  uuid not null references invoices (invoice_id),
    at          timestamptz not null default now(),
    kind        text not null,
    actor       text,
    detail      jsonb not null default '{}'
);
create index invoice_history_invoice_idx on invoice_history (invoice_id, history_id);

create function record_invoice_issued() returns trigger language plpgsql as $$
begin
    insert into invoice_history (invoice_id, at, kind, actor, detail)
    values (new.invoice_id, coalesce(new.issued_at, now()), 'issued', new.issued_by,
            jsonb_build_object('number', new.number, 'total_ore', new.total_ore, 'document_type', new.document_type));
    return null;
end;
$$;
create trigger invoices_issued_history after update of status on invoices
    for each row when (old.status = 'draft' and new.status = 'issued')
    execute function record_invoice_issued();

insert into invoice_history (invoice_id, at, kind, actor, detail)
select invoice_id, coalesce(issued_at, now()), 'issued', issued_by,
       jsonb_build_object('number', number, 'total_ore', total_ore, 'document_type', document_type)
from invoices where status = 'issued';

-- Payment reminders sent (renteloven § 9 b: the first only after the due date, then at least 10 days apart,
-- a fee of at most 100 kr each, at most three). Kept here; notifications sends them and records each.
create table payment_reminders (
    invoice_id       uuid not null references invoices (invoice_id),
    reminder_number  integer not null check (reminder_number between 1 and 3),
    sent_on          date not null,
    fee_ore          bigint not null check (fee_ore between 0 and 10000),
    recorded_by      text not null,
    recorded_at      timestamptz not null default now(),
    primary key (invoice_id, reminder_number)
);
