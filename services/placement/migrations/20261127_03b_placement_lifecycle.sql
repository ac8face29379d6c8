-- Placements get a lifecycle (planned -> active -> ended), a consultant, an optional opening,
-- agreed hours, and effective-dated bill/wage rate versions.
create extension if not exists btree_gist;

alter table placements
    add column status                  text not null default 'planned'
                                       check (status in ('planned', 'active', 'ended')),
    add column consultant_id           text,
    add column opening_id              uuid references job_openings (id),
    add column hours_per_week_minutes  integer
                                       check (hours_per_week_minutes > 0 and hours_per_week_minutes <= 10080),
    add column end_reason              text check (end_reason in (
                                           'hired_directly', 'other_job', 'education', 'more_hours_elsewhere',
                                           'dropped_out', 'ended_by_company', 'moved_to_other_placement')),
    add constraint placements_end_reason_iff_ended check ((status = 'ended') = (end_reason is not null));

update placements set consultant_id = created_by;
alter table placements alter column consultant_id set not null;

-- One citizen cannot be placed twice at one company for overlapping days (inclusive bounds, so a
-- placement may start the day after another ends). The database enforces it, races included.
alter table placements
    add constraint placements_no_overlap_per_company
    exclude using gist (citizen_id with =, company_id with =, daterange(start_date, end_date, '[]') with &&);

create index placements_consultant_active_idx on placements (consultant_id) where status = 'active';
create index placements_citizen_idx on placements (citizen_id);

-- The version in force on a day is the latest effective_from on or before it. The first version
-- starts on the placement's start date; placements.bill_rate_ore_per_hour mirrors that first version.
create table placement_rates (
    placement_id            uuid not null references placements (id),
    effective_from          date not null,
    bill_rate_ore_per_hour  integer not null check (bill_rate_ore_per_hour > 0),
    wage_rate_ore_per_hour  integer check (wage_rate_ore_per_hour > 0),
    created_by              text not null,
    created_at              timestamptz not null default now(),
    primary key (placement_id, effective_from)
);

insert into placement_rates (placement_id, effective_from, bill_rate_ore_per_hour, created_by)
select id, start_date, bill_rate_ore_per_hour, created_by from placements;

-- Every status a placement has had, for the citizen's timeline.
create table placement_status_changes (
    id            bigserial primary key,
    placement_id  uuid not null references placements (id),
    status        text not null check (status in ('planned', 'active', 'ended')),
    occurred_on   date not null,
    end_reason    text,
    changed_by    text not null,
    changed_at    timestamptz not null default now()
);
create index placement_status_changes_placement_idx on placement_status_changes (placement_id);

insert into placement_status_changes (placement_id, status, occurred_on, changed_by, changed_at)
select id, 'planned', (created_at at time zone 'Europe/Copenhagen')::date, created_by, created_at from placements;
