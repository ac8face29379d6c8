-- Issue 14, part D: signed webhooks for finance systems (Standard Webhooks).
-- webhook_endpoints: what finance registered. The signing secret is stored sealed (AES-256-GCM,
-- vikar_shared.sealing, NOTIFICATIONS_WEBHOOK_SECRET_SEALING_KEYS), never in clear.
create table webhook_endpoints (
    id uuid primary key,
    url text not null,
    description text,
    event_types text[] not null check (cardinality(event_types) >= 1),
    enabled boolean not null default true,
    -- why it is off: 'finance' (switched off through the API) or 'failing' (no success for the window)
    disabled_reason text check (disabled_reason in ('finance', 'failing')),
    disabled_at timestamptz,
    secret_sealed jsonb not null,
    created_by text not null,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    last_success_at timestamptz,
    -- the first failed attempt since the last success (null: not failing)
    failing_since timestamptz
);

-- One delivery per (endpoint, event): the consumer inserts it, the sender posts it until delivered or given up.
create table webhook_deliveries (
    id bigint generated always as identity primary key,
    endpoint_id uuid not null references webhook_endpoints (id) on delete cascade,
    event_id uuid not null,
    event_type text not null,
    -- the exact body posted (and signed) on every attempt, so a redelivery is byte for byte the same
    body text not null,
    status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
    attempts integer not null default 0,
    -- failed attempts since the last success or replay: the retry schedule's position
    failures integer not null default 0,
    next_attempt_at timestamptz not null,
    created_at timestamptz not null,
    delivered_at timestamptz,
    last_status_code integer,
    last_error text,
    unique (endpoint_id, event_id)
);
create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'pending';

-- The delivery log: every attempt with the answer's status code or the error (never a secret or header).
create table webhook_attempts (
    id bigint generated always as identity primary key,
    delivery_id bigint not null references webhook_deliveries (id) on delete cascade,
    attempted_at timestamptz not null,
    status_code integer,
    error text,
    duration_ms integer not null
);
create index webhook_attempts_of_delivery on webhook_attempts (delivery_id, id);
