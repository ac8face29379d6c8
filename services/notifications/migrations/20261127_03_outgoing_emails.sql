-- The mail outbox: one row per (triggering event, recipient), rendered when planned, sent by the
-- background sender. The unique key is what makes a second e-mail for one event impossible.
create table outgoing_emails (
    id bigserial primary key,
    kind text not null,
    event_id uuid not null,
    recipient text not null,
    recipient_name text not null,
    subject text not null,
    body text not null,
    message_id text not null unique,
    status text not null default 'pending' check (status in ('pending', 'sent', 'failed')),
    attempts integer not null default 0,
    last_error text,
    next_attempt_at timestamptz not null default now(),
    created_at timestamptz not null default now(),
    sent_at timestamptz,
    unique (event_id, recipient)
);

-- The sender's claim query reads only due pending rows, oldest first.
create index outgoing_emails_due on outgoing_emails (next_attempt_at, id) where status = 'pending';
create index outgoing_emails_by_status on outgoing_emails (status, id);
