-- Read model of companies and who approves their hours, from CompanyRegistered and CompanyUpdated.
create table companies (
    company_id  uuid primary key,
    name        text not null,
    -- occurred_at of the event that wrote this row: an older event (a dead letter replayed) never wins.
    as_of       timestamptz not null,
    updated_at  timestamptz not null default now()
);

-- The approval portal reads this table as it is: addresses are stored lower-cased and trimmed.
create table company_approvers (
    company_id  uuid not null,
    email       text not null,
    name        text not null,
    primary key (company_id, email)
);
