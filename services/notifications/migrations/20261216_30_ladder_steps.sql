-- Issue 14 (part C): which rung of the reminder ladder each pending entry reached, once per submission of the
-- entry (a rejected entry submitted again climbs anew), and in which run (slot). A mail goes out only for
-- entries newly recorded here, so a step is mailed once even across restarts and replicas. Deemed approval is
-- recorded per version of the entry too (timesheet approves only the version asked about; a change bumps it and
-- the next run asks again); the mail steps record version 0.
create table ladder_steps (
    entry_id     uuid not null,
    submitted_at timestamptz not null,
    step         text not null check (step in ('reminder', 'follow_up', 'escalation', 'deemed_approval')),
    company_id   uuid not null,
    slot         timestamptz not null,
    version      integer not null default 0,
    primary key (entry_id, submitted_at, step, version)
);
create index ladder_steps_by_company on ladder_steps (company_id, slot);
