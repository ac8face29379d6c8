-- Issue 9 (the ledger): a company may also be billed weekly (ISO weeks).
alter table companies drop constraint companies_billing_period_check;
alter table companies add constraint companies_billing_period_check
    check (billing_period in ('monthly', 'fortnightly', 'weekly'));
