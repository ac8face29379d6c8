"""What timesheet knows about a placement (a copy of the placement service's facts) and the rules
that follow from it: on which days it accepts hours, and which bill rate applies to a day."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import UUID


class PlacementStatus(StrEnum):
    PLANNED = "planned"
    ACTIVE = "active"
    ENDED = "ended"


# PlacementCreated before placement statuses existed carries no status: those placements are active.
DEFAULT_STATUS = PlacementStatus.ACTIVE.value


@dataclass(frozen=True)
class Placement:
    placement_id: UUID
    company_id: UUID
    citizen_id: UUID
    citizen_name: str
    start_date: date
    end_date: date | None
    # The rate PlacementCreated carried; the rate for a given day comes from the rate versions.
    bill_rate_ore_per_hour: int | None
    # Kept as received: a status this service does not know accepts no hours.
    status: str = DEFAULT_STATUS


@dataclass(frozen=True)
class RateVersion:
    effective_from: date
    bill_rate_ore_per_hour: int
    wage_rate_ore_per_hour: int | None = None


class DayRefusal(StrEnum):
    """Why a placement accepts no hours on a day."""

    NOT_ACTIVE = "not-active"
    BEFORE_START = "before-start"
    AFTER_END = "after-end"


def refusal_on(placement: Placement, day: date) -> DayRefusal | None:
    """An active placement takes hours from its start to its end date; an ended one keeps taking
    (late) hours up to its end date; a planned one, or one in an unknown status, takes none."""
    if placement.status not in (PlacementStatus.ACTIVE, PlacementStatus.ENDED):
        return DayRefusal.NOT_ACTIVE
    # An ended placement without an end date gives no day up to which hours are still owed.
    if placement.status == PlacementStatus.ENDED and placement.end_date is None:
        return DayRefusal.NOT_ACTIVE
    if day < placement.start_date:
        return DayRefusal.BEFORE_START
    if placement.end_date is not None and day > placement.end_date:
        return DayRefusal.AFTER_END
    return None


def rate_in_force(versions: Sequence[RateVersion], day: date) -> RateVersion | None:
    """The version with the latest ``effective_from`` on or before ``day``."""
    candidates = [v for v in versions if v.effective_from <= day]
    return max(candidates, key=lambda v: v.effective_from, default=None)


def unique_versions(versions: Iterable[RateVersion]) -> list[RateVersion]:
    """One version per effective date (the last given wins), in date order."""
    by_day = {v.effective_from: v for v in versions}
    return [by_day[day] for day in sorted(by_day)]
