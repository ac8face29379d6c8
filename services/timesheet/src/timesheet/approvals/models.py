"""Pure rules of bulk approval and of the pending queue: selectors, ISO weeks, grouping."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from timesheet.entries.models import Entry
from vikar_shared.errors import invalid

# The ISO week is the shared one (years 2000..2100; ``iso-week-invalid``, ``iso-week-out-of-range``).
from vikar_shared.types.periods import IsoWeek as IsoWeek

SELECTOR_FIELDS = ("entry_ids", "week", "citizen_id", "all_pending")


@dataclass(frozen=True)
class Selector:
    """Which of a company's pending entries one bulk approval takes: exactly one criterion is set."""

    entry_ids: tuple[UUID, ...] | None = None
    week: IsoWeek | None = None
    citizen_id: UUID | None = None
    all_pending: bool = False


def selector_of(
    *, entry_ids: Sequence[UUID] | None, week: str | None, citizen_id: UUID | None, all_pending: bool | None
) -> Selector:
    given = [entry_ids is not None, week is not None, citizen_id is not None, bool(all_pending)]
    if sum(given) != 1:
        raise invalid("body", "exactly-one-selector", f"Give exactly one of {', '.join(SELECTOR_FIELDS)}")
    return Selector(
        entry_ids=None if entry_ids is None else tuple(dict.fromkeys(entry_ids)),
        week=None if week is None else IsoWeek.parse(week),
        citizen_id=citizen_id,
        all_pending=bool(all_pending),
    )


@dataclass(frozen=True)
class BulkApproval:
    approved: list[Entry]
    # Matched but decided by someone else first (or before): reported with their current state.
    already_decided: list[Entry]
    # Asked for by id but not an entry of this company.
    not_found: list[UUID]


@dataclass
class PendingCitizen:
    citizen_id: UUID
    citizen_name: str
    entries: list[Entry] = field(default_factory=list)

    @property
    def total_minutes(self) -> int:
        return sum(e.minutes for e in self.entries)


@dataclass
class PendingWeek:
    week: IsoWeek
    citizens: list[PendingCitizen] = field(default_factory=list)

    @property
    def total_minutes(self) -> int:
        return sum(c.total_minutes for c in self.citizens)


def pending_queue(entries: Sequence[Entry]) -> list[PendingWeek]:
    """Pending entries by ISO week of the work date, then by citizen (name, then id); totals are signed
    sums, so a pending reduction lowers them."""
    weeks: dict[IsoWeek, dict[UUID, PendingCitizen]] = {}
    for entry in sorted(entries, key=lambda e: (e.work_date, str(e.id))):
        citizens = weeks.setdefault(IsoWeek.of(entry.work_date), {})
        citizen = citizens.setdefault(entry.citizen_id, PendingCitizen(entry.citizen_id, entry.citizen_name))
        citizen.entries.append(entry)
    return [
        PendingWeek(week, sorted(citizens.values(), key=lambda c: (c.citizen_name, str(c.citizen_id))))
        for week, citizens in sorted(weeks.items())
    ]
