-- Job openings a company reports ("Spot et job"). An open opening must be followed up within a
-- configured number of working days after it was reported or last followed up.
create table job_openings (
    id                      uuid primary key,
    company_id              uuid not null references companies (id),
    job_category            text not null,
    tasks                   text not null,
    hours_per_week_minutes  integer not null check (hours_per_week_minutes > 0 and hours_per_week_minutes <= 10080),
    contact_name            text not null,
    contact_phone           text,
    contact_email           text,
    wished_start            date,
    status                  text not null default 'open'
                            check (status in ('open', 'filled', 'handed_over', 'withdrawn')),
    handed_over_reason      text check (handed_over_reason in ('no_candidate', 'needs_skills', 'too_many_hours')),
    handed_over_to          uuid references municipalities (id),
    reported_on             date not null,
    -- The latest day it was followed up or changed status; null until then.
    followed_up_on          date,
    reported_by             text not null,
    created_at              timestamptz not null default now(),
    check (contact_phone is not null or contact_email is not null),
    check ((status = 'handed_over') = (handed_over_reason is not null and handed_over_to is not null))
);
create index job_openings_company_idx on job_openings (company_id);
-- Only open openings can be overdue; the overdue list scans just those.
create index job_openings_open_idx on job_openings (reported_on) where status = 'open';

create table job_opening_follow_ups (
    id              uuid primary key,
    opening_id      uuid not null references job_openings (id),
    followed_up_on  date not null,
    note            text,
    recorded_by     text not null,
    recorded_at     timestamptz not null default now()
);
create index job_opening_follow_ups_opening_idx on job_opening_follow_ups (opening_id);
