-- Issue 11 fix (F3): the referrals read model accepts every birth year placement publishes. Placement takes CPR
-- numbers whose century digit gives a birth year from 1858 on (stdnum.dk.cpr), so the check of 20261203_10
-- (1900-2100) dead-lettered those referrals. The other checks of the read-model columns match placement's own
-- (statement_period monthly|quarterly, citizen_reference case_number|name_birth_year, vat_category S|E|O).
alter table referrals drop constraint referrals_birth_year_check;
alter table referrals add constraint referrals_birth_year_check check (birth_year between 1800 and 2100);
