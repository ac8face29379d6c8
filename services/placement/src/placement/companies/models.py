"""Company rules: CVR and postcode validation, billing settings."""

from __future__ import annotations

from typing import Literal

from vikar_shared.errors import invalid
from vikar_shared.types.identifiers import IdentifierError, cvr_number, postcode

BillingPeriod = Literal["monthly", "fortnightly"]
DEFAULT_BILLING_PERIOD: BillingPeriod = "monthly"
DEFAULT_PAYMENT_TERMS_DAYS = 14
MAX_APPROVERS = 20


def parse_cvr(raw: str, field: str = "cvr") -> str:
    """Eight digits, no leading zero, modulus-11 check (``stdnum.dk.cvr``); spaces ignored, full-width digits
    normalised. Raises ``DomainError`` ``cvr-format`` or ``cvr-checksum`` on ``field``."""
    try:
        return cvr_number(raw)
    except IdentifierError as error:
        raise invalid(field, error.rule, error.message) from None


def parse_postcode(raw: str, field: str = "address.postcode") -> str:
    """Danish postcodes are four digits (0800 and 0555 exist, so a leading zero is allowed).
    Raises ``DomainError`` ``postcode-format`` on ``field``."""
    try:
        return postcode(raw)
    except IdentifierError as error:
        raise invalid(field, error.rule, error.message) from None
