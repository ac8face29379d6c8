-- Issue 10 (the company Invoices page of the approval portal): who approves for each company, from
-- placement.company_registered / company_updated, so invoicing opens /portal/invoices only to a listed
-- approver of the page session's company (vikar_shared.identity.approvers). Each event carries the list
-- whole: the handler replaces a company's rows. Addresses in the shared ASCII form (email_key).
-- Companies announced before this migration get their approvers with placement's next event for them.
create table company_approvers (
    company_id  uuid not null references companies (company_id) on delete cascade,
    email       text not null,
    name        text not null,
    primary key (company_id, email)
);
