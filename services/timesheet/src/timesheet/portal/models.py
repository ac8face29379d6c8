"""The portal's rules free of I/O: form bounds, rejection reasons, months, h:mm, who a logged-in approver is."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from pydantic_core import PydanticCustomError

from timesheet.entries.rules import REASON_MAX_LENGTH, REASON_MIN_LENGTH
from vikar_shared.identity.approvers import ApproverSession
from vikar_shared.types.periods import PeriodError, month_of
from vikar_shared.types.text import clean_text
from vikar_shared.web.formatting import hours_minutes

# The most entries one portal form acts on ("approve all", a week): the API's bound on the versions an
# approver saw (``approvals.schemas.MAX_SEEN``, 2000), far above a company's usual pending hours. Beyond
# it the pending page offers no such button, and a form that names more is answered with a page telling
# the approver to approve week by week or entry by entry.
MAX_ENTRIES_PER_ACTION = 2000
# Fields of a decision form besides the entries' (csrf_token, idempotency_key, reason) and some slack.
FORM_OWN_FIELDS = 8


class PortalError(Exception):
    """A portal request that ends on an explanatory page instead of the page asked for."""


class NoAccessError(PortalError):
    """A valid page session that does not open the portal: not a company approver's, or its approver is no
    longer listed for its company (refused at once, before the owner's revocation event arrives)."""


class CsrfRejectedError(PortalError):
    pass


class ReasonProblem(StrEnum):
    TOO_SHORT = "reason_too_short"
    TOO_LONG = "reason_too_long"
    INVALID_CHARACTER = "reason_invalid_character"


def clean_reason(reason: str) -> str:
    """A rejection reason as the API stores it (``entries.schemas.Reason``: the shared multi-line text
    rules and bounds, so both doors store the same text): CR LF and CR become LF, NFC-normalised,
    trimmed. Raises ``PydanticCustomError`` (see :func:`reason_problem`) when it is not acceptable."""
    return clean_text(reason, max_length=REASON_MAX_LENGTH, min_length=REASON_MIN_LENGTH, multi_line=True)


def reason_problem(reason: str) -> ReasonProblem | None:
    """Validates a rejection reason with the API's rules (:func:`clean_reason`): None when it is acceptable."""
    try:
        clean_reason(reason)
    except PydanticCustomError as error:
        if error.type in ("string_too_short", "not-blank"):
            return ReasonProblem.TOO_SHORT
        if error.type == "string_too_long":
            return ReasonProblem.TOO_LONG
        return ReasonProblem.INVALID_CHARACTER
    return None


def parse_month(raw: str | None) -> date | None:
    """``"2026-11"`` → the first day of that month (the shared parser: years 2000..2100); None for anything else."""
    try:
        return month_of(raw or "").first_day
    except PeriodError:
        return None


def next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def previous_month(first: date) -> date:
    return date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)


# ``135`` → ``"2:15"``, from integers only (the one formatter of vikar_shared.web).
hours_and_minutes = hours_minutes


# A logged-in approver (the page session bound to its company), shared with invoicing's invoices pages.
PortalSession = ApproverSession


@dataclass(frozen=True)
class Flash:
    key: str
    params: dict[str, str | int] = field(default_factory=dict)
