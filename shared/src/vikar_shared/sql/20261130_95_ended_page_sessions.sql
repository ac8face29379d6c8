-- Shared by every service that serves pages (vikar_shared.identity.revocation; issue 7, item 4b).
-- The identity owner (placement) publishes placement.page_session_ended when a page session ends early
-- (logout, access removed); each page-serving service records the session's public handle (the token's
-- sid, not a credential) here and refuses its still unexpired access tokens. A row is needed only until
-- not_after (the latest expiry of any access token of the session); later inserts delete older rows.
create table ended_page_sessions (
    session_id  uuid primary key,
    ended_at    timestamptz not null,
    not_after   timestamptz not null
);
create index ended_page_sessions_not_after_idx on ended_page_sessions (not_after);
