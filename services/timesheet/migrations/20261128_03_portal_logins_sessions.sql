-- The company approval portal: magic-link logins, their rate limit, and server-side sessions.
-- Who may log in is read from company_approvers (the companies read model, 20261128_02c).

-- Single-use login links. Only the SHA-256 of the token is kept: a copy of this table logs nobody in.
create table portal_login_tokens (
    token_hash  bytea primary key check (length(token_hash) = 32),
    company_id  uuid not null,
    email       text not null,
    locale      text not null,
    created_at  timestamptz not null,
    expires_at  timestamptz not null,
    used_at     timestamptz,
    check (expires_at > created_at)
);
create index portal_login_tokens_expiry_idx on portal_login_tokens (expires_at);

-- One row per accepted login request, whether or not the address is known: the rate limit counts
-- them over a sliding window per e-mail and per client address.
create table portal_login_requests (
    id            bigserial primary key,
    email         text not null,
    client        text not null,
    requested_at  timestamptz not null
);
create index portal_login_requests_email_idx on portal_login_requests (email, requested_at);
create index portal_login_requests_client_idx on portal_login_requests (client, requested_at);

-- A logged-in approver. The cookie holds a random 256-bit id; only its SHA-256 is stored here.
create table portal_sessions (
    id_hash     bytea primary key check (length(id_hash) = 32),
    company_id  uuid not null,
    email       text not null,
    csrf_token  text not null,
    locale      text not null,
    -- A one-shot message for the next page (e.g. "3 entries approved"), so it cannot be forged in a URL.
    flash       jsonb,
    created_at  timestamptz not null,
    expires_at  timestamptz not null,
    check (expires_at > created_at)
);
create index portal_sessions_expiry_idx on portal_sessions (expires_at);
