-- Placement status and dates come from PlacementCreated and PlacementStatusChanged, rate versions from
-- PlacementCreated and PlacementRatesChanged. A dead-lettered PlacementCreated replayed later can arrive
-- after the placement's newer events, so every fact remembers the occurred_at of the event that set it
-- and an older event never overwrites a newer one. A status change may also arrive first: the row then
-- exists without a citizen name and the placement counts as unknown until PlacementCreated completes it.
alter table placements alter column citizen_name drop not null;
-- The rate at creation, kept for reference; the rate that applies to a day comes from placement_rates.
alter table placements alter column bill_rate_ore_per_hour drop not null;
alter table placements add column status text not null default 'active';
-- Null on rows written before this migration: older than any event still to come.
alter table placements add column status_as_of timestamptz;

-- All rate versions of a placement; the one in force on a day is the latest effective_from on or before it.
create table placement_rates (
    placement_id            uuid not null,
    effective_from          date not null,
    bill_rate_ore_per_hour  bigint not null check (bill_rate_ore_per_hour >= 0),
    wage_rate_ore_per_hour  bigint check (wage_rate_ore_per_hour >= 0),
    primary key (placement_id, effective_from)
);

-- Which event last replaced a placement's rate versions (PlacementRatesChanged carries them all).
create table placement_rate_sets (
    placement_id  uuid primary key,
    as_of         timestamptz not null
);

insert into placement_rates (placement_id, effective_from, bill_rate_ore_per_hour)
select placement_id, start_date, bill_rate_ore_per_hour from placements;
insert into placement_rate_sets (placement_id, as_of)
select placement_id, '-infinity'::timestamptz from placements;
