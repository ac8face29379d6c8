-- Issue 14, part B: the parties' mails (invoices, credit notes, failed payments, payment reminders, statements),
-- a mail that is no longer wanted (a payment reminder when the payment arrived first), and address health.

-- A mail withdrawn before it was sent (e.g. a payment reminder once the invoice is paid); the sender skips it.
alter table outgoing_emails drop constraint outgoing_emails_status_check;
alter table outgoing_emails
    add constraint outgoing_emails_status_check check (status in ('pending', 'sent', 'failed', 'cancelled'));
create index outgoing_emails_by_recipient on outgoing_emails (recipient, id);
create index outgoing_emails_by_event on outgoing_emails (event_id);

-- An invoicing event whose party's recipients are not known yet (the company's billing contact, the municipality's
-- statement contacts: their placement event has not arrived). Mailed, and deleted, when they arrive. ``data`` is
-- the event's data as published on Kafka (no document, no credential, no CPR).
create table party_mails_waiting (
    event_id    uuid primary key,
    event_type  text not null,
    party       text not null check (party in ('company', 'municipality')),
    party_id    uuid not null,
    invoice_id  uuid,  -- a payment reminder's invoice: dropped when the invoice is paid
    data        jsonb not null,
    received_at timestamptz not null default now()
);
create index party_mails_waiting_by_party on party_mails_waiting (party, party_id);

-- Payment reminders planned per invoice, so the invoice's payment cancels those not sent yet.
create table payment_reminder_mails (
    event_id   uuid primary key,
    invoice_id uuid not null
);
create index payment_reminder_mails_by_invoice on payment_reminder_mails (invoice_id);

-- Invoices paid or voided: a reminder that still arrives for one is not mailed.
create table settled_invoices (
    invoice_id uuid primary key,
    how        text not null check (how in ('paid', 'voided'))
);

-- Addresses whose mail failed for good (SMTP 5xx, an unusable address); shown to consultants. A later success
-- deletes the row.
create table email_address_failures (
    address       text primary key,
    last_error    text not null,
    failed_at     timestamptz not null default now(),
    failures      integer not null default 1,
    last_email_id bigint
);
