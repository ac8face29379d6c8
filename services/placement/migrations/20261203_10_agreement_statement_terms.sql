-- Issue 11 (municipal co-financing statements, Peppol BIS Billing 3.0): what a statement needs from the agreement.
-- Every field optional (an agreement may be recorded before finance settles VAT); the service validates what is
-- given (placement.agreements.models.check_statement_terms) and these checks hold the same rules as a backstop.
-- statement_period null is monthly; citizen_reference null is name_birth_year; VAT and payment means have no
-- default (momsloven § 27, stk. 1 is each agency's question).
alter table municipality_terms
    add column statement_period         text check (statement_period in ('monthly', 'quarterly')),
    add column citizen_reference        text check (citizen_reference in ('case_number', 'name_birth_year')),
    add column address_street           text check (length(address_street) between 1 and 200),
    add column address_postcode         char(4) check (address_postcode ~ '^[0-9]{4}$'),
    add column address_city             text check (length(address_city) between 1 and 100),
    add column rate_excludes_vat        boolean,
    add column vat_category             text check (vat_category in ('S', 'E', 'O')),
    add column vat_exemption_reason     text check (length(vat_exemption_reason) between 1 and 300),
    -- UNCL4461 codes a Danish seller may use (DK-R-005) that need no mandate or payment id (statements state
    -- neither): not 49, 50, 59, 93.
    add column payment_means_code       text
        check (payment_means_code in ('1', '10', '31', '42', '48', '58', '97')),
    add column payee_iban               text check (payee_iban ~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}$'),
    add column payee_bank_registration  text check (payee_bank_registration ~ '^[0-9]{4}$'),
    add column payee_bank_account       text check (payee_bank_account ~ '^[0-9]{1,10}$'),
    add constraint municipality_terms_address_whole
        check ((address_street is null) = (address_postcode is null) and (address_street is null) = (address_city is null)),
    -- BR-E-10, BR-O-10: E and O state a reason; BR-S-10: S states none (nor does a version without a category).
    add constraint municipality_terms_vat_exemption_reason
        check (coalesce(vat_category in ('E', 'O'), false) = (vat_exemption_reason is not null)),
    -- 58 needs the IBAN (BR-61); 31 and 42 the Danish registration and account numbers (DK-R-006).
    add constraint municipality_terms_payee_account
        check ((payment_means_code is distinct from '58' or payee_iban is not null)
               and (payment_means_code not in ('31', '42')
                    or (payee_bank_registration is not null and payee_bank_account is not null)));

-- The municipality's case number for a referral: what a statement may identify the citizen by when the
-- agreement says citizen_reference = case_number (never the CPR number).
alter table referrals
    add column case_number text check (length(case_number) between 1 and 100);
