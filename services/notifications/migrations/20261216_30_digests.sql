-- Issue 14 (part A): the consultant digest. A request is planned (weekly by the schedule, or on demand), then a
-- background task builds it: fetches placement's /consultant-digest, adds the pending hours and the placements
-- without hours, and enqueues one mail in the same transaction that marks the request built. A failed fetch
-- leaves it planned with a later next_attempt_at (backoff); never a half mail.
create table digest_requests (
    id              bigserial primary key,
    consultant_id   text not null,                 -- the consultant's token subject
    week            text not null check (week ~ '^[0-9]{4}-W[0-9]{2}$'),
    occasion        text not null,                 -- 'weekly', or the day of an on-demand request (YYYY-MM-DD)
    requested_by    text not null,
    status          text not null default 'planned' check (status in ('planned', 'built', 'skipped')),
    attempts        integer not null default 0,
    next_attempt_at timestamptz not null,
    last_error      text,
    created_at      timestamptz not null default now(),
    built_at        timestamptz,
    unique (consultant_id, week, occasion)
);
create index digest_requests_due on digest_requests (next_attempt_at) where status = 'planned';
