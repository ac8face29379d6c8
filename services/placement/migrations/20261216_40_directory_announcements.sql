-- Issue 14 (fix): notifications keeps read models of the companies (billing contact, backup approvers, approvers'
-- languages) and of the placements with their consultant, filled from placement's events. Companies and
-- placements created before issue 14 are never announced again, so notifications would not know them (an
-- invoice mail to an existing company's billing contact would wait for ever). The migrate step of the placement
-- app (announce_after_migration) writes, once for each row listed here, a placement.company_updated with the
-- company's whole current state, and a placement.placement_created with the placement's current state (followed
-- by its placement.placement_rates_changed with every rate version), then sets announced_at. Companies and
-- placements created from now on are announced by their own events and not listed.
create table company_directory_announcements (
    company_id    uuid primary key references companies (id) on delete cascade,
    announced_at  timestamptz
);

create table placement_directory_announcements (
    placement_id  uuid primary key references placements (id) on delete cascade,
    announced_at  timestamptz
);

insert into company_directory_announcements (company_id) select id from companies;
insert into placement_directory_announcements (placement_id) select id from placements;
