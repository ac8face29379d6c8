-- What the agency needs to bill a company: address, billing contact, billing rhythm, payment terms
-- and, for companies that receive e-invoices, an EAN/GLN (GS1 check digit validated by the service).
alter table companies
    add column street                 text check (length(street) between 1 and 200),
    add column postcode               char(4) check (postcode ~ '^[0-9]{4}$'),
    add column city                   text check (length(city) between 1 and 100),
    add column billing_contact_name   text check (length(billing_contact_name) between 1 and 200),
    add column billing_contact_email  text,
    add column billing_period         text not null default 'monthly' check (billing_period in ('monthly', 'fortnightly')),
    add column payment_terms_days     integer not null default 14 check (payment_terms_days between 0 and 90),
    add column ean                    char(13) check (ean ~ '^[0-9]{13}$'),
    add column updated_at             timestamptz not null default now(),
    -- An address is whole or absent; so is a billing contact.
    add check ((street is null) = (postcode is null) and (street is null) = (city is null)),
    add check ((billing_contact_name is null) = (billing_contact_email is null));
