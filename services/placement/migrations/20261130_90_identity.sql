-- Issue 7 (item 4b): placement owns identity, one login for everyone who uses pages (company approvers
-- today; municipality users and staff later). Three tables, written only by placement/identity.
-- No credential is stored: login tokens and refresh secrets by their SHA-256; the CSRF value of a
-- session is derived from its refresh secret (models.csrf_for), so it is stored nowhere either.

-- A single-use login link: SHA-256 of a 256-bit token, who it logs in as, where to go after, 15 minutes.
create table identity_login_tokens (
    token_hash       bytea primary key check (length(token_hash) = 32),
    email            text not null,
    role             text not null,
    company_id       uuid,
    municipality_id  uuid,
    language         text not null check (language in ('da', 'en')),
    next_path        text not null check (left(next_path, 1) = '/'),
    created_at       timestamptz not null,
    expires_at       timestamptz not null,
    used_at          timestamptz,
    check (expires_at > created_at)
);
create index identity_login_tokens_email_idx on identity_login_tokens (email, expires_at);

-- One row per accepted login request, whether or not the address is known: the rate limit counts
-- them over a sliding window per e-mail and per client address.
create table identity_login_requests (
    id            bigserial primary key,
    email         text not null,
    client        text not null,
    requested_at  timestamptz not null
);
create index identity_login_requests_email_idx on identity_login_requests (email, requested_at);
create index identity_login_requests_client_idx on identity_login_requests (client, requested_at);

-- A page session. session_id is its public handle (the token's `sid`, named in PageSessionEnded); the
-- refresh cookie holds a random 256-bit secret, of which only the SHA-256 is kept. Ended sessions stay
-- (ended_at, end_reason) until they expire, so a refresh after logout or removal is refused, not unknown.
create table identity_sessions (
    session_id       uuid primary key,
    refresh_hash     bytea not null unique check (length(refresh_hash) = 32),
    email            text not null,
    role             text not null,
    company_id       uuid,
    municipality_id  uuid,
    language         text not null check (language in ('da', 'en')),
    created_at       timestamptz not null,
    expires_at       timestamptz not null,
    ended_at         timestamptz,
    end_reason       text check (end_reason in ('logout', 'access-removed')),
    check (expires_at > created_at),
    check ((ended_at is null) = (end_reason is null))
);
create index identity_sessions_person_idx on identity_sessions (email, company_id) where ended_at is null;
create index identity_sessions_expiry_idx on identity_sessions (expires_at);
