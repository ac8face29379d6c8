-- The onboarding and retention log. Notes may hold sensitive text: they stay in this table only.
create table citizen_activities (
    id             uuid primary key,
    citizen_id     uuid not null references citizens (id),
    activity_type  text not null check (activity_type in (
                       'preboarding_session', 'cv_workshop', 'job_cafe', 'conversation', 'first_day_accompanied',
                       'follow_up_day_7', 'follow_up_day_30', 'follow_up_day_90', 'mentor_assigned',
                       'concern_raised', 'outcome')),
    attendance     text check (attendance in ('attended', 'absent', 'excused')),
    placement_id   uuid references placements (id),
    occurred_on    date not null,
    note           text,
    logged_by      text not null,
    logged_at      timestamptz not null default now(),
    check ((activity_type = 'preboarding_session') = (attendance is not null)),
    check (activity_type not in ('follow_up_day_7', 'follow_up_day_30', 'follow_up_day_90') or placement_id is not null)
);
create index citizen_activities_citizen_idx on citizen_activities (citizen_id, occurred_on);
-- "Has this placement's day-30 follow-up been logged?" is asked for every active placement weekly.
create index citizen_activities_follow_up_idx on citizen_activities (placement_id, activity_type)
    where placement_id is not null;
