"""Company rules: CVR and postcode validation, billing settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal, TypedDict
from uuid import UUID

from vikar_shared.errors import invalid
from vikar_shared.types.identifiers import IdentifierError, cvr_number, postcode
from vikar_shared.types.text import email_key

# Weekly: ISO weeks; fortnightly: two weeks counted from invoicing's fixed anchor Monday (issue 9).
BillingPeriod = Literal["monthly", "fortnightly", "weekly"]
DEFAULT_BILLING_PERIOD: BillingPeriod = "monthly"
DEFAULT_PAYMENT_TERMS_DAYS = 14
MAX_APPROVERS = 20
# Issue 14 (part A): the language mails to a person use (null: Danish).
Language = Literal["da", "en"]


@dataclass(frozen=True)
class Approver:
    email: str
    name: str
    language: Language | None = None


@dataclass(frozen=True)
class BackupApprover:
    """Who is told when the approvers leave hours pending past the reminder ladder's escalation step (issue 14),
    within ``valid_from``..``valid_to`` (both inclusive; None: open)."""

    email: str
    name: str
    valid_from: date | None = None
    valid_to: date | None = None
    language: Language | None = None


@dataclass(frozen=True)
class Address:
    street: str
    postcode: str
    city: str


@dataclass(frozen=True)
class BillingContact:
    name: str
    email: str
    language: Language | None = None


@dataclass(frozen=True)
class Company:
    """A company as stored: ``approvers`` in e-mail order; ``address`` and ``billing_contact`` optional."""

    id: UUID
    name: str
    cvr: str
    approvers: list[Approver]
    address: Address | None = None
    billing_contact: BillingContact | None = None
    billing_period: BillingPeriod = DEFAULT_BILLING_PERIOD
    payment_terms_days: int = DEFAULT_PAYMENT_TERMS_DAYS
    ean: str | None = None
    backup_approvers: list[BackupApprover] = field(default_factory=list)


@dataclass(frozen=True)
class CompanyInput:
    """A company to register, as asked for (not yet validated: names are stripped, CVR, postcode and EAN
    checked by the service)."""

    name: str
    cvr: str
    approvers: list[Approver] = field(default_factory=list)
    address: Address | None = None
    billing_contact: BillingContact | None = None
    billing_period: BillingPeriod = DEFAULT_BILLING_PERIOD
    payment_terms_days: int = DEFAULT_PAYMENT_TERMS_DAYS
    ean: str | None = None
    backup_approvers: list[BackupApprover] = field(default_factory=list)


class CompanyChanges(TypedDict, total=False):
    """The fields a change sends (a key present is a field sent, its value possibly None to clear it)."""

    name: str | None
    address: Address | None
    billing_contact: BillingContact | None
    billing_period: BillingPeriod | None
    payment_terms_days: int | None
    ean: str | None
    backup_approvers: list[BackupApprover] | None


def check_backup_approvers(backups: list[BackupApprover], field: str = "backup_approvers") -> list[BackupApprover]:
    """The backup approvers as stored: names stripped and not blank, e-mails lower case and each once, each range
    not reversed. Raises ``DomainError`` ``not-blank`` (``<field>.<i>.name``), ``unique-email``
    (``<field>.<i>.email``: an address an earlier entry has, compared in the ``vikar_shared.types.text.email_key``
    form, so case and full-width spellings are one) or ``range-reversed`` (``<field>.<i>.valid_to``: it ends
    before it starts)."""
    checked: list[BackupApprover] = []
    seen: set[str] = set()
    for i, b in enumerate(backups):
        if not b.name.strip():
            raise invalid(f"{field}.{i}.name", "not-blank", "A backup approver's name cannot be blank")
        if email_key(b.email) in seen:
            raise invalid(f"{field}.{i}.email", "unique-email", "Each backup approver e-mail may appear once")
        seen.add(email_key(b.email))
        if b.valid_from is not None and b.valid_to is not None and b.valid_to < b.valid_from:
            raise invalid(f"{field}.{i}.valid_to", "range-reversed", "valid_to must be on or after valid_from")
        checked.append(BackupApprover(b.email.lower(), b.name.strip(), b.valid_from, b.valid_to, b.language))
    return checked


def parse_cvr(raw: str, field: str = "cvr") -> str:
    """Eight digits, no leading zero, modulus-11 check (``stdnum.dk.cvr``); spaces ignored, full-width digits
    normalised. Raises ``DomainError`` ``cvr-format`` or ``cvr-checksum`` on ``field``."""
    try:
        return cvr_number(raw)
    except IdentifierError as error:
        raise invalid(field, error.rule, error.message) from None


def parse_address(body: Address, field: str = "address") -> Address:
    """The address as stored: street and city stripped and not blank, the postcode checked. Raises
    ``DomainError`` ``not-blank`` (``<field>.street``, ``<field>.city``) or ``postcode-format``
    (``<field>.postcode``)."""
    street, city = body.street.strip(), body.city.strip()
    if not street:
        raise invalid(f"{field}.street", "not-blank", "street cannot be blank")
    if not city:
        raise invalid(f"{field}.city", "not-blank", "city cannot be blank")
    return Address(street=street, postcode=parse_postcode(body.postcode, f"{field}.postcode"), city=city)


def parse_postcode(raw: str, field: str = "address.postcode") -> str:
    """Danish postcodes are four digits (0800 and 0555 exist, so a leading zero is allowed).
    Raises ``DomainError`` ``postcode-format`` on ``field``."""
    try:
        return postcode(raw)
    except IdentifierError as error:
        raise invalid(field, error.rule, error.message) from None
