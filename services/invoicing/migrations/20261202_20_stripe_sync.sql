-- Issue 10 (Stripe sync): the Stripe tax rates our credit note lines refer to, created once each (idempotency
-- key vikar-tax-rate-dk-vat-25) and remembered here. The key names the rate (country, type, percent).
create table stripe_tax_rates (
    rate_key            text primary key,
    stripe_tax_rate_id  text not null,
    created_at          timestamptz not null default now()
);
