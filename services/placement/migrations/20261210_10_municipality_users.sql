-- Issue 12: the addresses the agency registered for a municipality (job centre staff, municipal finance). Each may
-- ask for a login link at /auth/login and then sees that municipality's statements and progress pages only.
-- email is stored in the one ASCII form (vikar_shared.types.text.email_key), as company_approvers' is.
create table municipality_users (
    municipality_id  uuid not null references municipalities (id),
    email            text not null check (length(email) between 3 and 254),
    name             text not null check (length(name) between 1 and 200),
    added_by         text not null,
    added_at         timestamptz not null default now(),
    primary key (municipality_id, email)
);
create index municipality_users_email_idx on municipality_users (email);
