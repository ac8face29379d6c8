-- Issue 12: the read model behind a municipality's progress figures (invoicing.municipality_kpis), fed by placement's
-- events. Owned by invoicing.municipality_kpis only.

-- Every placement's lifecycle as placement publishes it: created (planned) by placement.placement_created, then
-- placement.placement_status_changed (active; ended with its end date and reason). start_date and end_date are the
-- placement's own dates (valid time): a placement counts as started in its start month once it became active, as
-- ended in its end month once it ended.
create table kpi_placements (
    placement_id     uuid primary key,
    municipality_id  uuid not null,
    citizen_id       uuid not null,
    status           text not null check (status in ('planned', 'active', 'ended')),
    start_date       date not null,
    end_date         date,
    end_reason       text check (length(end_reason) between 1 and 100),
    updated_at       timestamptz not null default now(),
    check (status <> 'ended' or (end_date is not null and end_reason is not null)),
    check (end_date is null or end_date >= start_date)
);
create index kpi_placements_municipality_idx on kpi_placements (municipality_id, start_date);
create index kpi_placements_citizen_idx on kpi_placements (citizen_id);

-- First days at a company the consultant logged (placement.activity_logged, activity_type first_day_accompanied).
create table kpi_first_days (
    activity_id   uuid primary key,
    citizen_id    uuid not null,
    placement_id  uuid,
    occurred_on   date not null
);
create index kpi_first_days_citizen_idx on kpi_first_days (citizen_id, occurred_on);
