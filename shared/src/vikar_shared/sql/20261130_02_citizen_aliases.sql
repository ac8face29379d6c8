-- Shared by every service that keeps citizen ids of its own (vikar_shared.citizen_aliases; issue 6,
-- item 7). Placement merges a citizen that was stored twice and publishes placement.citizens_merged; the
-- consuming service records the merged id here and moves every row that carries it to the kept one.
-- Each such service's own migration attaches citizen_id_of_kept() to every table naming a citizen, so
-- an event that still carries the merged id and arrives after the merge (an event of another aggregate
-- published before it, or a dead letter replayed) is stored under the kept id. Aliases are kept flat:
-- kept_citizen_id is never itself a merged id. Services without such tables leave it empty.
create table citizen_aliases (
    merged_citizen_id  uuid primary key,
    kept_citizen_id    uuid not null,
    -- When placement merged them, and the event that said so.
    merged_at          timestamptz not null,
    event_id           uuid not null,
    recorded_at        timestamptz not null default now(),
    check (merged_citizen_id <> kept_citizen_id)
);
create index citizen_aliases_kept_idx on citizen_aliases (kept_citizen_id);

-- The shared advisory lock pairs with the exclusive one the merge handler holds while it records the
-- alias and moves the rows: a row written at the same time as a merge is either moved by the merge or
-- sees its alias, never neither. The key is the one of vikar_shared.citizen_aliases.lock_citizen.
create function citizen_id_of_kept() returns trigger language plpgsql as $$
begin
    perform pg_advisory_xact_lock_shared(hashtextextended('citizen-alias:' || new.citizen_id::text, 0));
    new.citizen_id := coalesce(
        (select kept_citizen_id from citizen_aliases where merged_citizen_id = new.citizen_id),
        new.citizen_id
    );
    return new;
end
$$;
