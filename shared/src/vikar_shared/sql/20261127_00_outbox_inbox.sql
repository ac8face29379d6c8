-- Shared by every service: the transactional outbox, the consumer inbox and skip counters.
create table outbox (
    id          bigserial primary key,
    event_id    uuid not null unique,
    topic       text not null,
    key         text not null,
    envelope    jsonb not null,
    created_at  timestamptz not null default now(),
    sent_at     timestamptz
);
-- The relay only ever scans unsent rows; a partial index keeps that cheap as the table grows.
create index outbox_unsent_idx on outbox (id) where sent_at is null;

create table inbox (
    consumer     text not null,
    event_id     uuid not null,
    event_type   text not null,
    handled_at   timestamptz not null default now(),
    primary key (consumer, event_id)
);

-- Events a consumer received but has no handler for (unknown type or version): counted, not crashed on.
create table consumer_skips (
    consumer    text not null,
    event_type  text not null,
    skipped     bigint not null default 0,
    primary key (consumer, event_type)
);
