-- One person, two citizen ids (issue 6, item 7). Placement merges a citizen that was stored twice (its
-- CPR number typed once with full-width digits) and publishes placement.citizens_merged; the handler
-- (timesheet.citizens) records the merged id here and moves every row that carries it to the kept id,
-- so the 12-hour day is summed over both former identities.
--
-- An event that still carries the merged id can arrive after the merge (a PlacementCreated or status
-- change of another aggregate published before it, or a dead letter replayed): the trigger below stores
-- it under the kept id. Aliases are kept flat: kept_citizen_id is never itself a merged id.
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

create trigger placements_citizen_alias before insert or update of citizen_id on placements
    for each row execute function citizen_id_of_kept();
create trigger entries_citizen_alias before insert or update of citizen_id on entries
    for each row execute function citizen_id_of_kept();
