"""CPR numbers and eligibility: pure rules, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from stdnum.dk import cpr as stdnum_cpr

from vikar_shared.errors import DomainError, invalid
from vikar_shared.types.identifiers import IdentifierError, cpr_number


@dataclass(frozen=True)
class Cpr:
    """A validated CPR number. ``repr`` never shows the digits, so it cannot leak into logs."""

    digits: str

    def __repr__(self) -> str:
        return "Cpr(***)"

    __str__ = __repr__

    @property
    def birth_year(self) -> int:
        """The year of birth: the date's two-digit year in the century the 7th digit gives
        (``stdnum.dk.cpr.get_birth_date``). What leaves placement instead of the number (statements)."""
        return stdnum_cpr.get_birth_date(self.digits).year


@dataclass(frozen=True)
class Caseworker:
    """The job centre caseworker (sagsbehandler) who made the referral."""

    name: str
    email: str | None = None


@dataclass(frozen=True)
class NameChange:
    """The citizen's stored name before (``from_``) and after (``to``) a referral."""

    from_: str
    to: str


@dataclass(frozen=True)
class Referral:
    """A referral, never with the CPR. ``name_changed`` is set only on the answer to the referral that
    renamed the citizen."""

    id: UUID
    citizen_id: UUID
    citizen_name: str
    municipality_id: UUID
    referred_on: date
    weeks_unemployed: int
    eligible: bool
    threshold_weeks_applied: int
    terms_id: UUID
    target_group_code: str | None = None
    caseworker: Caseworker | None = None
    name_changed: NameChange | None = None
    case_number: str | None = None


@dataclass(frozen=True)
class ReferralInput:
    """A referral as the job centre sends it (the CPR raw, parsed by the service)."""

    cpr: str
    name: str
    municipality_id: UUID
    referred_on: date
    weeks_unemployed: int
    target_group_code: str | None = None
    caseworker: Caseworker | None = None
    case_number: str | None = None


@dataclass(frozen=True)
class Citizen:
    """A citizen as the caller may see them: the name and the referrals visible to the caller."""

    id: UUID
    name: str
    referrals: list[Referral]


@dataclass(frozen=True)
class ReferralRecorded:
    """A referral on the citizen's timeline: dated by its referral date, ordered by when it was recorded."""

    referral_id: UUID
    municipality_id: UUID
    occurred_on: date
    recorded_at: datetime
    eligible: bool


@dataclass(frozen=True)
class NameChangeRecorded:
    """A referral that gave the citizen a different name, on the timeline (``occurred_on``: its referral date)."""

    referral_id: UUID
    municipality_id: UUID
    occurred_on: date
    recorded_at: datetime
    from_: str
    to: str
    changed_by: str


@dataclass(frozen=True)
class Employee:
    """A citizen the agency employs (issue 13): the employee number given when the first placement was created
    for them (1..99 999 999, unique, never reused) and that placement's start date (``employed_from``)."""

    citizen_id: UUID
    employee_number: int
    name: str
    employed_from: date


@dataclass(frozen=True)
class NewEmployee:
    """A row of the CPR export: the employee and the CPR number opened from its seal (``repr`` hides it)."""

    employee: Employee
    cpr: Cpr


# The longest range one CPR export covers, in days (both ends included): a leap year.
CPR_EXPORT_MAX_DAYS = 366


def check_export_range(first: date, last: date) -> None:
    """``first`` to ``last`` (both included) is a range of at most :data:`CPR_EXPORT_MAX_DAYS` days. Raises
    ``DomainError`` 422 on ``employed_to``: ``range-reversed`` (before ``employed_from``), ``range-too-long``."""
    if last < first:
        raise invalid("employed_to", "range-reversed", "employed_to is before employed_from")
    if (last - first).days + 1 > CPR_EXPORT_MAX_DAYS:
        raise invalid(
            "employed_to",
            "range-too-long",
            f"One export covers at most {CPR_EXPORT_MAX_DAYS} days, both ends included",
        )


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
