"""Municipality agreement terms: effective-dated versions, and the statement terms of issue 11 (what a
co-financing statement and its Peppol BIS Billing 3.0 document need from the agreement). Pure: no I/O."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date
from typing import Any, Literal
from uuid import UUID

from schwifty import IBAN
from schwifty.exceptions import InvalidChecksumDigits, SchwiftyException

from placement.companies.models import Address, parse_address
from placement.field_rules import collect, cpr_violations, raise_all
from vikar_shared.errors import FieldViolation, invalid
from vikar_shared.types.digits import is_ascii_digits, normalise

StatementPeriod = Literal["monthly", "quarterly"]
"""Calendar months or calendar quarters; a version that does not say (null) is monthly."""
CitizenReference = Literal["case_number", "name_birth_year"]
"""How statements identify a citizen (never by CPR number); a version that does not say is name_birth_year."""
VatCategory = Literal["S", "E", "O"]
"""UNCL5305: S standard rate (25 %), E exempt, O outside the scope of VAT. No default (momsloven § 27, stk. 1)."""

# UNCL4461 payment means codes a statement can state from the terms: those a Danish seller may use (Peppol BIS
# Billing 3.0, Danish national rule DK-R-005) except 49 and 59 (direct debit: need a mandate, DK-R-007,
# PEPPOL-EN16931-R061) and 50 and 93 (giro, FIK: need a payment id with a card type code, DK-R-008, DK-R-010),
# which the terms do not hold. The same set as invoicing.statements.models.STATEMENT_PAYMENT_MEANS (kept here,
# not imported: services share no code but vikar_shared).
STATEMENT_PAYMENT_MEANS = frozenset({"1", "10", "31", "42", "48", "58", "97"})
SEPA_CREDIT_TRANSFER = "58"
"""Needs the payee's IBAN (BR-61)."""
DANISH_ACCOUNT_MEANS = frozenset({"31", "42"})
"""Need the Danish bank registration and account numbers (DK-R-006)."""
EXEMPT_CATEGORIES = frozenset({"E", "O"})
"""Need an exemption reason (BR-E-10, BR-O-10); S refuses one (BR-S-10)."""
BANK_ACCOUNT_MAX_DIGITS = 10


@dataclass(frozen=True)
class StatementTerms:
    """The agreement's statement terms (issue 11); every field optional: an agreement may be recorded before
    finance settles VAT, and issuing a statement (invoicing) refuses terms that leave VAT or payment unstated.

    ``statement_period`` null is monthly; ``citizen_reference`` null is name_birth_year; ``rate_excludes_vat``
    true: VAT is added to the co-financing rate. ``payee_iban`` compact upper case (payment means 58);
    ``payee_bank_registration`` 4 digits and ``payee_bank_account`` up to 10 digits (31 and 42)."""

    statement_period: StatementPeriod | None = None
    citizen_reference: CitizenReference | None = None
    address: Address | None = None
    rate_excludes_vat: bool | None = None
    vat_category: VatCategory | None = None
    vat_exemption_reason: str | None = None
    payment_means_code: str | None = None
    payee_iban: str | None = None
    payee_bank_registration: str | None = None
    payee_bank_account: str | None = None


STATEMENT_FIELDS = tuple(f.name for f in fields(StatementTerms))


@dataclass(frozen=True)
class StatementContact:
    """Issue 14 (part A): an address the municipality's co-financing statements are mailed to (``language``: da or
    en, None: da)."""

    name: str
    email: str
    language: Literal["da", "en"] | None = None


MAX_STATEMENT_CONTACTS = 10


@dataclass(frozen=True)
class Terms:
    """One version of a municipality's terms, in force from ``effective_from`` (rate in øre per hour,
    threshold in weeks; ``statement``: the statement terms, see :class:`StatementTerms`)."""

    id: UUID
    municipality_id: UUID
    effective_from: date
    co_financing_rate_ore_per_hour: int
    eligibility_threshold_weeks: int
    target_unique_citizens: int | None = None
    ean: str | None = None
    person_reference: str | None = None
    statement: StatementTerms = StatementTerms()
    statement_contacts: tuple[StatementContact, ...] = ()

    def flat(self) -> dict[str, Any]:
        """The version as JSON-ready fields, the statement terms beside the others (the address a dict): the
        shape of the API's ``TermsOut`` and of ``placement.municipality_terms_set``."""
        values = asdict(self)
        statement: dict[str, Any] = values.pop("statement")
        return values | statement


MAX_MUNICIPALITY_USERS = 20
"""At most this many login addresses per municipality (as ``placement.companies.models.MAX_APPROVERS``)."""


@dataclass(frozen=True)
class MunicipalityUser:
    """An address the agency registered for a municipality (job centre staff, municipal finance): it may ask for a
    login link and then sees that municipality's statements and progress pages. ``email`` in the
    ``vikar_shared.types.text.email_key`` form; ``name`` stripped, one line."""

    email: str
    name: str


@dataclass(frozen=True)
class Municipality:
    """A municipality: its terms versions (oldest first) and its users (by e-mail)."""

    id: UUID
    name: str
    terms: list[Terms]
    users: list[MunicipalityUser] = field(default_factory=list)


def terms_in_force(versions: list[Terms], on: date) -> Terms | None:
    """The version with the latest ``effective_from`` on or before ``on``."""
    candidates = [t for t in versions if t.effective_from <= on]
    return max(candidates, key=lambda t: t.effective_from) if candidates else None


def parse_iban(raw: str, field: str = "payee_iban") -> str:
    """An IBAN (``schwifty``: country, length, BBAN structure and the ISO 7064 mod 97-10 check digits); spaces
    ignored, full-width characters normalised. Returns the compact upper-case form. Raises ``DomainError``
    ``iban-checksum`` (the check digits fail) or ``iban-format`` (anything else) on ``field``."""
    try:
        return str(IBAN(normalise(raw)).compact)
    except InvalidChecksumDigits:
        raise invalid(field, "iban-checksum", "The IBAN fails its check digits (ISO 7064 mod 97-10)") from None
    except SchwiftyException as error:
        raise invalid(field, "iban-format", f"Not an IBAN: {error}") from None


def parse_bank_registration(raw: str, field: str = "payee_bank_registration") -> str:
    """A Danish bank registration number (reg.nr.): 4 digits. Raises ``bank-registration-format`` on ``field``."""
    text = normalise(raw).replace(" ", "")
    if len(text) != 4 or not is_ascii_digits(text):
        raise invalid(field, "bank-registration-format", "A Danish bank registration number is 4 digits")
    return text


def parse_bank_account(raw: str, field: str = "payee_bank_account") -> str:
    """A Danish bank account number: 1 to 10 digits. Raises ``bank-account-format`` on ``field``."""
    text = normalise(raw).replace(" ", "")
    if not 1 <= len(text) <= BANK_ACCOUNT_MAX_DIGITS or not is_ascii_digits(text):
        raise invalid(field, "bank-account-format", "A Danish bank account number is 1 to 10 digits")
    return text


def check_statement_terms(terms: StatementTerms) -> StatementTerms:
    """The statement terms as stored: what is given validated and normalised (IBAN compact, digits ASCII).

    Raises ``DomainError`` (422) naming **every** field whose rule is broken (one violation: its rule is the
    problem's code; several: ``request-invalid`` with each field and rule in ``errors``): ``not-blank``
    (``address.street``, ``address.city``), ``postcode-format`` (``address.postcode``);
    ``vat-exemption-reason-required`` (E or O without a reason: BR-E-10, BR-O-10),
    ``vat-exemption-reason-not-allowed`` (a reason with S, BR-S-10, or with no category stated);
    ``payment-means-code-allowed`` (a code outside :data:`STATEMENT_PAYMENT_MEANS`, DK-R-005); ``iban-format``,
    ``iban-checksum``; ``bank-registration-format``, ``bank-account-format``; ``payee-iban-required`` (58,
    BR-61); ``payee-bank-registration-required``, ``payee-bank-account-required`` (31 and 42, DK-R-006), only when
    the number is not given at all (a malformed one is reported by its format rule); ``cpr-not-allowed``
    (``vat_exemption_reason``, ``address.street``, ``address.city`` holding a CPR number: they go on statements
    and Peppol documents)."""
    violations: list[FieldViolation] = []
    given = terms.address
    address = collect(violations, lambda: parse_address(given)) if given is not None else None
    reason = terms.vat_exemption_reason
    if terms.vat_category in EXEMPT_CATEGORIES and reason is None:
        violations.append(
            FieldViolation(
                "vat_exemption_reason",
                "vat-exemption-reason-required",
                f"VAT category {terms.vat_category} needs the exemption reason the documents state (BR-E-10, BR-O-10)",
            )
        )
    if terms.vat_category not in EXEMPT_CATEGORIES and reason is not None:
        violations.append(
            FieldViolation(
                "vat_exemption_reason",
                "vat-exemption-reason-not-allowed",
                "An exemption reason goes only with VAT category E or O, not with S (BR-S-10) or no category",
            )
        )
    violations += cpr_violations(
        [
            ("vat_exemption_reason", reason),
            ("address.street", given.street if given else None),
            ("address.city", given.city if given else None),
        ]
    )
    code = normalise(terms.payment_means_code) if terms.payment_means_code is not None else None
    if code is not None and code not in STATEMENT_PAYMENT_MEANS:
        allowed = ", ".join(sorted(STATEMENT_PAYMENT_MEANS, key=int))
        violations.append(
            FieldViolation(
                "payment_means_code",
                "payment-means-code-allowed",
                f"Statements can state only the payment means codes {allowed} (the Danish codes of DK-R-005 that "
                "need no mandate or payment id)",
            )
        )
    raw_iban, raw_registration, raw_account = terms.payee_iban, terms.payee_bank_registration, terms.payee_bank_account
    iban = collect(violations, lambda: parse_iban(raw_iban)) if raw_iban is not None else None
    registration = (
        collect(violations, lambda: parse_bank_registration(raw_registration)) if raw_registration is not None else None
    )
    account = collect(violations, lambda: parse_bank_account(raw_account)) if raw_account is not None else None
    if code == SEPA_CREDIT_TRANSFER and raw_iban is None:
        violations.append(
            FieldViolation(
                "payee_iban", "payee-iban-required", "Payment means 58 (SEPA credit transfer) needs the IBAN"
            )
        )
    if code in DANISH_ACCOUNT_MEANS and raw_registration is None:
        violations.append(
            FieldViolation(
                "payee_bank_registration",
                "payee-bank-registration-required",
                f"Payment means {code} needs the bank registration number (DK-R-006)",
            )
        )
    if code in DANISH_ACCOUNT_MEANS and raw_account is None:
        violations.append(
            FieldViolation(
                "payee_bank_account",
                "payee-bank-account-required",
                f"Payment means {code} needs the bank account number (DK-R-006)",
            )
        )
    raise_all(violations)
    return replace(
        terms,
        address=address,
        payment_means_code=code,
        payee_iban=iban,
        payee_bank_registration=registration,
        payee_bank_account=account,
    )
