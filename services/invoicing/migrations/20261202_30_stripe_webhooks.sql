-- Issue 10: the Stripe webhook inbox. Each event Stripe sends (POST /stripe/webhook, signature verified on
-- the raw body) is stored once, keyed by Stripe's event id, and answered at once; the worker's webhook job
-- (invoicing.stripe_webhooks.jobs) processes the rows later, one per transaction with its effects.
-- payload: the event as Stripe sent it, except the bearer URLs in it (hosted_invoice_url, invoice_pdf, pdf),
-- which are removed before it is stored (anyone holding such a link sees the document).
create table stripe_webhook_events (
    event_id           text primary key check (event_id <> ''),
    event_type         text not null,
    -- The id of the Stripe object the event is about (in_..., cn_...), when it has one.
    stripe_object_id   text,
    stripe_created_at  timestamptz not null,
    livemode           boolean not null default false,
    payload            jsonb not null,
    received_at        timestamptz not null default now(),
    -- received: waiting for the job (again at due_at after a transient failure); processed: its effects are
    -- booked; ignored: a type we do not act on; flagged: finance must look at it (outcome says why).
    state              text not null default 'received'
                       check (state in ('received', 'processed', 'ignored', 'flagged')),
    -- What processing found: payment-recorded, already-recorded, credit-note-issued, already-voided,
    -- unknown-invoice, foreign-credit-note, error, ...
    outcome            text,
    invoice_id         uuid references invoices (invoice_id),
    attempts           integer not null default 0,
    -- The error's class only (never the payload, never a message that could quote it).
    last_error         text,
    due_at             timestamptz not null default now(),
    processed_at       timestamptz,
    check ((state = 'received') = (processed_at is null))
);
create index stripe_webhook_events_due_idx on stripe_webhook_events (due_at) where state = 'received';
create index stripe_webhook_events_flagged_idx on stripe_webhook_events (received_at) where state = 'flagged';

-- An invoice voided (or marked uncollectible) in Stripe: booked once, as a credit note of what was still owed
-- (credit_note_id null when nothing was). A second void event of the same invoice books nothing.
create table stripe_voided_invoices (
    invoice_id      uuid primary key references invoices (invoice_id),
    reason          text not null check (reason in ('voided', 'uncollectible')),
    credit_note_id  uuid references invoices (invoice_id),
    credited_ore    bigint not null check (credited_ore >= 0),
    event_id        text not null references stripe_webhook_events (event_id),
    booked_at       timestamptz not null default now()
);
