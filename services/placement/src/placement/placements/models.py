"""Placement rules: pure, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from uuid import UUID

from vikar_shared.errors import DomainError, conflict, duplicate, invalid

PlacementStatus = Literal["planned", "active", "ended"]
EndReason = Literal[
    "hired_directly",
    "other_job",
    "education",
    "more_hours_elsewhere",
    "dropped_out",
    "ended_by_company",
    "moved_to_other_placement",
]
MAX_MINUTES_PER_WEEK = 7 * 24 * 60


def check_period(start_date: date, end_date: date | None, referred_on: date) -> None:
    if end_date is not None and end_date < start_date:
        raise invalid("end_date", "after-start", "end_date cannot be before start_date")
    if start_date < referred_on:
        raise invalid("start_date", "after-referral", "A placement cannot start before the citizen was referred")


def check_can_activate(status: str) -> None:
    if status != "planned":
        raise conflict("placement-not-planned", f"The placement is {status}; only a planned placement can start")


def check_can_end(status: str, start_date: date, end_date: date) -> None:
    if status != "active":
        raise conflict("placement-not-active", f"The placement is {status}; only an active placement can end")
    if end_date < start_date:
        raise invalid("end_date", "after-start", "end_date cannot be before start_date")


def check_rate_date(effective_from: date, start_date: date, end_date: date | None) -> None:
    if effective_from < start_date:
        raise invalid("effective_from", "on-or-after-start", "A rate version cannot take effect before the start")
    if end_date is not None and effective_from > end_date:
        raise invalid("effective_from", "on-or-before-end", "A rate version cannot take effect after the end")


def overlap() -> DomainError:
    return conflict("placement-overlaps", "The citizen already has a placement at this company on some of these days")


def overlapping(existing_id: UUID) -> DomainError:
    """409 ``placement-overlaps`` naming the placement already there (problem member ``existing``)."""
    detail = f"The citizen already has a placement at this company on some of these days ({existing_id})"
    return duplicate("placement-overlaps", detail, "placement", existing_id)


@dataclass(frozen=True)
class RateVersion:
    effective_from: date
    bill_rate_ore_per_hour: int
    wage_rate_ore_per_hour: int | None


@dataclass(frozen=True)
class Placement:
    id: UUID
    referral_id: UUID
    citizen_id: UUID
    citizen_name: str
    company_id: UUID
    municipality_id: UUID
    co_financing_eligible: bool
    start_date: date
    end_date: date | None
    status: PlacementStatus
    end_reason: EndReason | None
    consultant_id: str
    opening_id: UUID | None
    hours_per_week_minutes: int | None


@dataclass(frozen=True)
class PlacementInput:
    """A placement as asked for. ``consultant_id`` None: the caller; ``hours_per_week_minutes`` None: the
    opening's hours when placing from one."""

    referral_id: UUID
    company_id: UUID
    start_date: date
    bill_rate_ore_per_hour: int
    end_date: date | None = None
    wage_rate_ore_per_hour: int | None = None
    hours_per_week_minutes: int | None = None
    opening_id: UUID | None = None
    consultant_id: str | None = None


@dataclass(frozen=True)
class RatedPlacement:
    """A placement with every rate version, oldest first (the first starts on the start date)."""

    placement: Placement
    rates: list[RateVersion]


@dataclass(frozen=True)
class StatusChangeRecorded:
    """A placement's status change on its citizen's timeline."""

    placement_id: UUID
    company_id: UUID
    municipality_id: UUID
    status: str
    end_reason: str | None
    occurred_on: date
    recorded_at: datetime
