-- A citizen's earlier names (issue 6, item 5): a referral that gives a different name for the same CPR
-- number changes citizens.name (the name documents use) and leaves the earlier one here and in audit_log.
create table citizen_name_changes (
    id           bigserial primary key,
    citizen_id   uuid not null references citizens (id),
    referral_id  uuid not null references referrals (id),
    old_name     text not null,
    new_name     text not null,
    changed_by   text not null,
    changed_at   timestamptz not null default now()
);
create index citizen_name_changes_citizen_idx on citizen_name_changes (citizen_id);
