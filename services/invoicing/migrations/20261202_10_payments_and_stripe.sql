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

-- Stripe carries our invoices (our PDF is the legal document; Stripe has the same number and sends no mail).
-- One Stripe customer per company.
create table stripe_customers (
    company_id          uuid primary key,
    stripe_customer_id  text not null,
    created_at          timestamptz not null default now()
);

-- Each issued invoice or credit note on its way to Stripe: issued -> stripe_pending -> stripe_synced, or
-- stripe_failed (last_error; tried again at due_at). The row is written in the issuing transaction itself
-- (trigger below), so a document issued is always carried, even when the process dies right after the
-- commit: the row is the outbox of the Stripe worker. stripe_pending means a call may have reached Stripe:
-- the worker looks the object up before it creates anything.
create table stripe_syncs (
    invoice_id             uuid primary key references invoices (invoice_id),
    document_type          text not null check (document_type in ('invoice', 'credit_note')),
    state                  text not null default 'issued'
                           check (state in ('issued', 'stripe_pending', 'stripe_synced', 'stripe_failed')),
    stripe_invoice_id      text,
    stripe_credit_note_id  text,
    attempts               integer not null default 0,
    last_error             text,
    due_at                 timestamptz not null default now(),
    updated_at             timestamptz not null default now(),
    synced_at              timestamptz
);
create index stripe_syncs_due_idx on stripe_syncs (due_at) where state <> 'stripe_synced';
create index stripe_syncs_stripe_invoice_idx on stripe_syncs (stripe_invoice_id) where stripe_invoice_id is not null;

create function queue_stripe_sync() returns trigger language plpgsql as $$
begin
    insert into stripe_syncs (invoice_id, document_type) values (new.invoice_id, new.document_type)
    on conflict (invoice_id) do nothing;
    return null;
end;
$$;
create trigger invoices_issued_queue_stripe after update of status on invoices
    for each row when (old.status = 'draft' and new.status = 'issued')
    execute function queue_stripe_sync();

insert into stripe_syncs (invoice_id, document_type)
select invoice_id, document_type from invoices where status = 'issued'
on conflict (invoice_id) do nothing;
