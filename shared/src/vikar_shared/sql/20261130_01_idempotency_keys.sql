-- Shared by every service: Idempotency-Key (IETF httpapi idempotency-key draft). A key is scoped to its
-- caller; the first completed response is stored in the transaction of the request's effects, so a
-- crash can never leave an effect without its record (or a record without its effect).
create table idempotency_keys (
    scope          text not null,
    key            text not null,
    -- sha256 of method, path and the request body (canonical JSON when the body is JSON).
    fingerprint    text not null,
    status         integer not null check (status between 200 and 599),
    body           bytea not null,
    -- The few response headers worth replaying (content type, location).
    headers        jsonb not null default '{}'::jsonb,
    created_at     timestamptz not null default now(),
    primary key (scope, key)
);
-- The purge deletes keys older than the retention (at least 24 hours).
create index idempotency_keys_created_idx on idempotency_keys (created_at);
