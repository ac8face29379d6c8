-- Issue 9 (the ledger): the companies read model, from placement.company_registered / company_updated.
-- What an invoice needs of its buyer (momsbekendtgørelsen § 58: name, address, CVR), the billing rhythm
-- and the payment terms. Each event carries the company whole, so a row is replaced, never merged.
create table companies (
    company_id              uuid primary key,
    name                    text not null,
    cvr                     text not null,
    ean                     text,
    billing_period          text not null default 'monthly'
                            check (billing_period in ('monthly', 'fortnightly', 'weekly')),
    payment_terms_days      integer not null check (payment_terms_days >= 0),
    street                  text,
    postcode                text,
    city                    text,
    billing_contact_name    text,
    billing_contact_email   text,
    updated_at              timestamptz not null default now()
);
