"""CPR numbers and eligibility: pure rules, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from vikar_shared.errors import DomainError, invalid

_CPR = re.compile(r"^(\d{6})-?(\d{4})$")


@dataclass(frozen=True)
class Cpr:
    """A validated CPR number. ``repr`` never shows the digits, so it cannot leak into logs."""

    digits: str

    def __repr__(self) -> str:
        return "Cpr(***)"

    __str__ = __repr__


def _century(seventh: int, yy: int) -> int:
    # The 7th digit and the year together give the century (CPR office rules, valid from 1858).
    if seventh <= 3:
        return 1900
    if seventh in (4, 9):
        return 2000 if yy <= 36 else 1900
    return 2000 if yy <= 57 else 1800


def parse_cpr(raw: str, field: str = "cpr") -> Cpr:
    """Accepts DDMMYY-SSSS or DDMMYYSSSS with a real birth date. No modulus-11 check: numbers
    issued since 2007 need not satisfy it."""
    match = _CPR.match(raw.strip())
    if match is None:
        raise invalid(field, "cpr-format", "CPR must be 10 digits, DDMMYY-SSSS")
    digits = match.group(1) + match.group(2)
    dd, mm, yy, seventh = int(digits[0:2]), int(digits[2:4]), int(digits[4:6]), int(digits[6])
    try:
        date(_century(seventh, yy) + yy, mm, dd)
    except ValueError:
        raise invalid(field, "cpr-date", "CPR must begin with a valid birth date (DDMMYY)") from None
    return Cpr(digits)


def is_eligible(weeks_unemployed: int, threshold_weeks: int) -> bool:
    return weeks_unemployed >= threshold_weeks


def check_referral(weeks_unemployed: int, referred_on: date, today: date) -> None:
    if weeks_unemployed < 0:
        raise invalid("weeks_unemployed", "non-negative", "weeks_unemployed cannot be negative")
    if referred_on > today:
        raise invalid("referred_on", "not-in-future", "A referral cannot be dated in the future")


def no_terms(municipality: str) -> DomainError:
    return invalid(
        "referred_on",
        "terms-in-force",
        f"Municipality {municipality} has no agreement terms in force on the referral date",
    )
