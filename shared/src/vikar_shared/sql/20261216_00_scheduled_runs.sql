-- Issue 14: time-driven work (vikar_shared.scheduling). One row per job and slot that ran; the primary key
-- is the claim: the replica whose insert wins runs the slot inside the same transaction, a second replica's
-- insert waits for it and then finds the row (on conflict do nothing), so every slot runs once. A crash rolls
-- the claim back with the work, and the next poll runs the slot again.
create table if not exists scheduled_runs (
    job         text        not null,
    slot        timestamptz not null,
    started_at  timestamptz not null,
    finished_at timestamptz not null default clock_timestamp(),
    summary     jsonb       not null default '{}'::jsonb,
    primary key (job, slot)
);
