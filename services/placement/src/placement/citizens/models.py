"""CPR numbers and eligibility: pure rules, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from vikar_shared.errors import DomainError, invalid
from vikar_shared.types.identifiers import IdentifierError, cpr_number


@dataclass(frozen=True)
class Cpr:
    """A validated CPR number. ``repr`` never shows the digits, so it cannot leak into logs."""

    digits: str

    def __repr__(self) -> str:
        return "Cpr(***)"

    __str__ = __repr__


def parse_cpr(raw: str, field: str = "cpr") -> Cpr:
    """Accepts DDMMYY-SSSS or DDMMYYSSSS with a real birth date (python-stdnum's ``stdnum.dk.cpr``, the
    century from the 7th digit). Full-width digits are normalised to ASCII first
    (``vikar_shared.types.digits``), so ``１７０３８７-４８２１`` and ``170387-4821`` are the same number and
    hash alike. No modulus-11 check: numbers issued since 2007 need not satisfy it. Raises ``DomainError``
    ``cpr-format`` or ``cpr-date`` on ``field``; the message never repeats the number."""
    try:
        return Cpr(cpr_number(raw))
    except IdentifierError as error:
        raise invalid(field, error.rule, error.message) from None


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
