"""Pure rules of bulk approval and of the pending queue: selectors, ISO weeks, grouping."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from uuid import UUID

from timesheet.entries.models import Entry, EntryStatus
from timesheet.entries.transitions import EntryConflictError
from vikar_shared.errors import Category, DomainError, invalid

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


def seen_versions(pairs: Sequence[tuple[UUID, int]]) -> dict[UUID, int]:
    """entry id → version seen; one id given twice with two versions is 422 ``seen-duplicate``."""
    seen: dict[UUID, int] = {}
    for entry_id, version in pairs:
        if seen.setdefault(entry_id, version) != version:
            raise invalid("seen", "seen-duplicate", f"entry {entry_id} is given twice with different versions")
    return seen


def selects(selector: Selector, entry: Entry) -> bool:
    """Whether the selector names the entry (ids) or covers it (its work date's week, its citizen, all)."""
    if selector.entry_ids is not None:
        return entry.id in selector.entry_ids
    if selector.week is not None and not selector.week.monday <= entry.work_date <= selector.week.sunday:
        return False
    return selector.citizen_id is None or entry.citizen_id == selector.citizen_id


def missing_versions(selector: Selector, seen: Mapping[UUID, int]) -> DomainError | None:
    """An approval by ids gives the version seen of every id (422 ``seen-version-missing`` otherwise)."""
    missing = [i for i in selector.entry_ids or () if i not in seen]
    if not missing:
        return None
    return invalid(
        "seen",
        "seen-version-missing",
        f"seen must give the version of every entry in entry_ids; missing: {', '.join(map(str, missing))}",
    )


def stale_entries(selector: Selector, seen: Mapping[UUID, int], entries: Sequence[Entry]) -> list[Entry]:
    """The entries an approval would act on without the approver having seen them as they are: submitted
    ones seen at another version (changed since: edited and resubmitted, moved to another day), and
    submitted ones the selector matches that were not seen at all (new since the list was read).

    Entries seen but decided since (approved or rejected by someone else) are not stale: nothing is done
    to them, they are reported as already decided."""
    stale = []
    for entry in entries:
        if entry.status is not EntryStatus.SUBMITTED:
            continue
        version = seen.get(entry.id)
        if (version is not None and version != entry.version) or (version is None and selects(selector, entry)):
            stale.append(entry)
    return stale


def entries_changed(stale: Sequence[Entry], seen: Mapping[UUID, int]) -> EntryConflictError:
    """409 ``entries-changed``: nothing was approved; the problem lists every stale entry as it is now."""
    parts = [
        f"{e.id} is at version {e.version}, seen at {seen[e.id]}" if e.id in seen else f"{e.id} was not seen"
        for e in stale
    ]
    return EntryConflictError(
        Category.CONFLICT,
        "entries-changed",
        f"{len(stale)} entr{'y' if len(stale) == 1 else 'ies'} changed or arrived after the list was read "
        f"({'; '.join(parts)}); nothing was approved: read the list again",
        entry=stale[0],
        entries=list(stale),
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
