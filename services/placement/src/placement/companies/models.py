"""Company rules: CVR and postcode validation, billing settings."""

from __future__ import annotations

import re
from typing import Literal

from vikar_shared.errors import invalid

_CVR = re.compile(r"^[1-9]\d{7}$")
_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)
_POSTCODE = re.compile(r"^\d{4}$")

BillingPeriod = Literal["monthly", "fortnightly"]
DEFAULT_BILLING_PERIOD: BillingPeriod = "monthly"
DEFAULT_PAYMENT_TERMS_DAYS = 14
MAX_APPROVERS = 20


def parse_cvr(raw: str, field: str = "cvr") -> str:
    """Eight digits, no leading zero, modulus-11 check with weights 2 7 6 5 4 3 2 1."""
    cvr = raw.replace(" ", "")
    if not _CVR.match(cvr):
        raise invalid(field, "cvr-format", "CVR must be 8 digits and not start with 0")
    if sum(int(d) * w for d, w in zip(cvr, _WEIGHTS, strict=True)) % 11 != 0:
        raise invalid(field, "cvr-checksum", "CVR fails the modulus-11 check")
    return cvr


def parse_postcode(raw: str, field: str = "address.postcode") -> str:
    """Danish postcodes are four digits (0800 and 0555 exist, so a leading zero is allowed)."""
    postcode = raw.strip()
    if not _POSTCODE.match(postcode):
        raise invalid(field, "postcode-format", "A postcode is 4 digits")
    return postcode
