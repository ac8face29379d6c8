-- Read model of placement's companies: only what is needed to address approval e-mails.
create table companies (
    company_id uuid primary key,
    name text not null,
    updated_at timestamptz not null default now()
);

create table company_approvers (
    company_id uuid not null references companies (company_id) on delete cascade,
    email text not null,  -- stored lower-cased, so one address is one approver
    name text not null,
    primary key (company_id, email)
);
