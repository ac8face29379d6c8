-- Effective-dated bill rates of a placement (from PlacementRatesChanged) and correction entries
-- (an approved delta that points at the entry it corrects; its minutes may be negative).

create table placement_bill_rates (
    placement_id            uuid not null,
    -- Position in the event's list: of two versions from the same day, the one listed last wins.
    position                integer not null,
    effective_from          date not null,
    bill_rate_ore_per_hour  bigint not null check (bill_rate_ore_per_hour >= 0),
    primary key (placement_id, position)
);

alter table approved_entries add column corrects_entry_id uuid;
alter table billable_lines add column corrects_entry_id uuid;
alter table co_financing_lines add column corrects_entry_id uuid;
