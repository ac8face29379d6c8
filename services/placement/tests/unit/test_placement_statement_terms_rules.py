"""Issue 11: the agreement's statement terms (VAT, payment means, address) and the birth year a referral
publishes instead of the CPR number. Pure rules, no I/O."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest

from placement.agreements.models import (
    STATEMENT_PAYMENT_MEANS,
    StatementTerms,
    Terms,
    check_statement_terms,
    parse_bank_account,
    parse_bank_registration,
    parse_iban,
)
from placement.agreements.schemas import TermsCreate
from placement.citizens.models import parse_cpr
from placement.companies.models import Address
from vikar_shared.errors import DomainError

IBAN = "DK5000400440116243"
EXEMPT = "Momsfritaget, jf. momslovens § 13, stk. 1, nr. 10"
OUTSIDE = "Uden for momsens anvendelsesområde: tilskud uden prisforbindelse"


def _rule(terms: StatementTerms) -> tuple[str, str]:
    with pytest.raises(DomainError) as err:
        check_statement_terms(terms)
    assert err.value.category == "validation"
    violation = err.value.violations[0]
    assert err.value.code == violation.rule
    return violation.field, violation.rule


def test_nothing_stated_is_accepted_as_nothing() -> None:
    assert check_statement_terms(StatementTerms()) == StatementTerms()


@pytest.mark.parametrize("category", ["E", "O"])
def test_exempt_or_outside_scope_needs_a_reason(category: str) -> None:  # BR-E-10, BR-O-10
    assert _rule(StatementTerms(vat_category=category)) == (  # type: ignore[arg-type]
        "vat_exemption_reason",
        "vat-exemption-reason-required",
    )
    stated = StatementTerms(vat_category=category, vat_exemption_reason=EXEMPT)  # type: ignore[arg-type]
    assert check_statement_terms(stated) == stated


@pytest.mark.parametrize("category", ["S", None])
def test_a_reason_is_refused_with_standard_rate_or_no_category(category: str | None) -> None:  # BR-S-10
    terms = StatementTerms(vat_category=category, vat_exemption_reason=OUTSIDE)  # type: ignore[arg-type]
    assert _rule(terms) == ("vat_exemption_reason", "vat-exemption-reason-not-allowed")
    assert check_statement_terms(StatementTerms(vat_category="S")).vat_category == "S"


@pytest.mark.parametrize("code", ["99", "30", "0", "57", "ZZZ", "5 8", "49", "50", "59", "93"])
def test_payment_means_outside_the_danish_list_is_refused(code: str) -> None:  # DK-R-005
    terms = StatementTerms(payment_means_code=code, payee_iban=IBAN)
    assert _rule(terms) == ("payment_means_code", "payment-means-code-allowed")


def test_every_payment_means_code_a_statement_can_state_is_accepted() -> None:
    assert sorted(STATEMENT_PAYMENT_MEANS, key=int) == ["1", "10", "31", "42", "48", "58", "97"]
    for code in STATEMENT_PAYMENT_MEANS:
        terms = StatementTerms(
            payment_means_code=code, payee_iban=IBAN, payee_bank_registration="1234", payee_bank_account="12345678"
        )
        assert check_statement_terms(terms).payment_means_code == code


def test_sepa_credit_transfer_needs_the_iban() -> None:  # BR-61
    assert _rule(StatementTerms(payment_means_code="58")) == ("payee_iban", "payee-iban-required")
    # Registration and account do not stand in for the IBAN.
    terms = StatementTerms(payment_means_code="58", payee_bank_registration="1234", payee_bank_account="12345678")
    assert _rule(terms) == ("payee_iban", "payee-iban-required")
    assert check_statement_terms(StatementTerms(payment_means_code="58", payee_iban=IBAN)).payee_iban == IBAN


@pytest.mark.parametrize("code", ["31", "42"])
def test_danish_account_transfer_needs_registration_and_account(code: str) -> None:  # DK-R-006
    both = StatementTerms(payment_means_code=code, payee_bank_registration="1234", payee_bank_account="0012345678")
    assert check_statement_terms(both) == both
    assert _rule(replace(both, payee_bank_registration=None)) == (
        "payee_bank_registration",
        "payee-bank-registration-required",
    )
    assert _rule(replace(both, payee_bank_account=None)) == ("payee_bank_account", "payee-bank-account-required")
    # An IBAN does not stand in for them (both missing: both named at once, tester 11 F8).
    with pytest.raises(DomainError) as err:
        check_statement_terms(StatementTerms(payment_means_code=code, payee_iban=IBAN))
    assert [(v.field, v.rule) for v in err.value.violations] == [
        ("payee_bank_registration", "payee-bank-registration-required"),
        ("payee_bank_account", "payee-bank-account-required"),
    ]


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("DK5100400440116243", "iban-checksum"),
        ("DK5000400440116244", "iban-checksum"),
        ("DK500040044011624", "iban-format"),
        ("XX5000400440116243", "iban-format"),
        ("DK50 0040 0440 1162 4A", "iban-format"),
        ("not an iban", "iban-format"),
    ],
)
def test_a_bad_iban_names_field_and_rule(raw: str, rule: str) -> None:
    assert _rule(StatementTerms(payment_means_code="58", payee_iban=raw)) == ("payee_iban", rule)
    assert _rule(StatementTerms(payee_iban=raw)) == ("payee_iban", rule)  # validated whenever given


def test_an_iban_is_stored_compact_and_upper_case() -> None:
    assert parse_iban("dk50 0040 0440 1162 43") == IBAN
    assert parse_iban("ＤＫ５０００４００４４０１１６２４３") == IBAN
    assert parse_iban("GB33BUKB20201555555555") == "GB33BUKB20201555555555"


@pytest.mark.parametrize("raw", ["123", "12345", "12a4", "", "١٢٣٤"])
def test_a_registration_number_is_four_digits(raw: str) -> None:
    assert _rule(StatementTerms(payment_means_code="31", payee_bank_registration=raw, payee_bank_account="1")) == (
        "payee_bank_registration",
        "bank-registration-format",
    )


@pytest.mark.parametrize("raw", ["12345678901", "12-34", "", "x"])
def test_an_account_number_is_one_to_ten_digits(raw: str) -> None:
    assert _rule(StatementTerms(payment_means_code="31", payee_bank_registration="1234", payee_bank_account=raw)) == (
        "payee_bank_account",
        "bank-account-format",
    )


def test_registration_and_account_are_normalised_to_ascii_digits() -> None:
    assert parse_bank_registration(" １２３４ ") == "1234"
    assert parse_bank_registration("0040") == "0040"
    assert parse_bank_account("0440 116 243") == "0440116243"
    assert parse_bank_account("1") == "1"


def test_the_address_postcode_is_four_digits_and_blank_parts_are_refused() -> None:
    good = Address(street=" Boulevarden 13 ", postcode="9000", city=" Aalborg ")
    assert check_statement_terms(StatementTerms(address=good)).address == Address("Boulevarden 13", "9000", "Aalborg")
    assert _rule(StatementTerms(address=replace(good, postcode="900"))) == ("address.postcode", "postcode-format")
    assert _rule(StatementTerms(address=replace(good, street=" "))) == ("address.street", "not-blank")
    assert _rule(StatementTerms(address=replace(good, city=""))) == ("address.city", "not-blank")


def test_terms_flatten_to_the_api_and_event_shape() -> None:
    statement = StatementTerms(
        statement_period="quarterly",
        citizen_reference="case_number",
        address=Address("Boulevarden 13", "9000", "Aalborg"),
        rate_excludes_vat=True,
        vat_category="O",
        vat_exemption_reason=OUTSIDE,
        payment_means_code="58",
        payee_iban=IBAN,
    )
    terms = Terms(UUID(int=1), UUID(int=2), date(2026, 1, 1), 5000, 52, 170, "5798000416604", "att. Lene", statement)
    flat = terms.flat()
    assert "statement" not in flat
    assert flat["address"] == {"street": "Boulevarden 13", "postcode": "9000", "city": "Aalborg"}
    assert {k: flat[k] for k in ("statement_period", "vat_category", "payee_iban", "payee_bank_account")} == {
        "statement_period": "quarterly",
        "vat_category": "O",
        "payee_iban": IBAN,
        "payee_bank_account": None,
    }
    assert flat["co_financing_rate_ore_per_hour"] == 5000


@pytest.mark.parametrize(
    ("cpr", "year"),
    [
        ("120379-1234", 1979),  # 7th digit 0-3: 1900s
        ("120379-4123", 1979),  # 4 or 9 with a year 37-99: 1900s
        ("120379-9123", 1979),
        ("050601-4321", 2001),  # 4 or 9 with a year 00-36: 2000s
        ("050601-5321", 2001),  # 5-8 with a year 00-57: 2000s
        ("050601-1234", 1901),  # the same date with century digit 1: 1901
        ("050660-5321", 1860),  # 5-8 with a year 58-99: 1800s
    ],
)
def test_birth_year_takes_the_century_from_the_seventh_digit(cpr: str, year: int) -> None:
    assert parse_cpr(cpr).birth_year == year


def test_every_broken_rule_is_reported_at_once() -> None:  # Tester 11, F8
    terms = StatementTerms(
        vat_category="E", payment_means_code="42", payee_bank_registration="12345", payee_bank_account="12345678901"
    )
    with pytest.raises(DomainError) as err:
        check_statement_terms(terms)
    assert err.value.code == "request-invalid"
    assert sorted((v.field, v.rule) for v in err.value.violations) == [
        ("payee_bank_account", "bank-account-format"),
        ("payee_bank_registration", "bank-registration-format"),
        ("vat_exemption_reason", "vat-exemption-reason-required"),
    ]


def test_statement_texts_holding_a_cpr_number_are_refused() -> None:  # Tester 11, F1
    terms = StatementTerms(
        vat_category="O",
        vat_exemption_reason="Uden for momsens område, borger 250384-1881",
        address=Address(street="Boulevarden 13", postcode="9000", city="Aalborg 2503841881"),
    )
    with pytest.raises(DomainError) as err:
        check_statement_terms(terms)
    assert sorted((v.field, v.rule) for v in err.value.violations) == [
        ("address.city", "cpr-not-allowed"),
        ("vat_exemption_reason", "cpr-not-allowed"),
    ]
    assert all("1881" not in v.message for v in err.value.violations)


def test_the_docs_list_exactly_the_payment_means_codes_the_api_accepts() -> None:  # Tester 11, F7
    allowed = sorted(STATEMENT_PAYMENT_MEANS, key=int)
    refused = ("49", "50", "59", "93")
    description = TermsCreate.model_json_schema()["properties"]["payment_means_code"]["description"]
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    line = next(text for text in readme.split("\n- ") if text.startswith("`payment_means_code`"))
    for text in (description, line):
        listed = re.search(r"\b\d+(?:, \d+)+\b", text)  # the first comma-separated list of codes
        assert listed is not None, text
        assert listed.group().split(", ") == allowed, text
    assert not any(re.search(rf"\b{code}\b", description) for code in refused), description
