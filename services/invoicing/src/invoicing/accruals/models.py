"""Accrual rules: an approved entry becomes a billable line and, when eligible, a co-financing line.

An entry is priced once, when it is accrued, with the rate versions known then; its lines are facts
and are never re-priced. A correction is an entry of its own (a signed delta of minutes pointing at
the entry it corrects) and accrues into lines of its own, negative when it lowers the hours."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from invoicing.money import amount_for


@dataclass(frozen=True, slots=True)
class ApprovedEntry:
    entry_id: UUID
    placement_id: UUID
    company_id: UUID
    work_date: date
    minutes: int
    approved_at: datetime
    corrects_entry_id: UUID | None = None

    def same_facts_as(self, other: ApprovedEntry) -> bool:
        """An approved entry is never edited; a second approval must carry the same facts."""
        return (self.placement_id, self.company_id, self.work_date, self.minutes, self.corrects_entry_id) == (
            other.placement_id,
            other.company_id,
            other.work_date,
            other.minutes,
            other.corrects_entry_id,
        )

    @property
    def minutes_make_sense(self) -> bool:
        """Only a correction may take hours away; an ordinary entry has a non-negative duration."""
        return self.minutes >= 0 or self.corrects_entry_id is not None


@dataclass(frozen=True, slots=True)
class Placement:
    placement_id: UUID
    company_id: UUID
    citizen_id: UUID
    citizen_name: str
    municipality_id: UUID
    co_financing_eligible: bool
    bill_rate_ore_per_hour: int
    start_date: date
    end_date: date | None


@dataclass(frozen=True, slots=True)
class BillRateVersion:
    """A placement's bill rate from ``effective_from``; ``position`` is its place in the event's list;
    ``wage_rate_ore_per_hour`` the wage in force from then (None: none; stored for the pay side, never read by
    accrual, so it is not loaded with the bill rates)."""

    effective_from: date
    bill_rate_ore_per_hour: int
    position: int = 0
    wage_rate_ore_per_hour: int | None = None


@dataclass(frozen=True, slots=True)
class TermsVersion:
    terms_id: UUID
    municipality_id: UUID
    effective_from: date
    co_financing_rate_ore_per_hour: int
    recorded_seq: int = 0


@dataclass(frozen=True, slots=True)
class BillableLine:
    entry_id: UUID
    company_id: UUID
    placement_id: UUID
    citizen_id: UUID
    citizen_name: str
    work_date: date
    minutes: int
    rate_ore_per_hour: int
    amount_ore: int
    corrects_entry_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class CoFinancingLine:
    entry_id: UUID
    municipality_id: UUID
    terms_id: UUID
    citizen_id: UUID
    citizen_name: str
    work_date: date
    minutes: int
    rate_ore_per_hour: int
    amount_ore: int
    corrects_entry_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class Accrual:
    billable: BillableLine
    co_financing: CoFinancingLine | None


def terms_in_force(versions: Iterable[TermsVersion], day: date) -> TermsVersion | None:
    """The version with the greatest ``effective_from`` on or before ``day`` (ties: the one recorded last)."""
    candidates = [v for v in versions if v.effective_from <= day]
    return max(candidates, key=lambda v: (v.effective_from, v.recorded_seq), default=None)


def bill_rate_in_force(placement: Placement, versions: Iterable[BillRateVersion], day: date) -> int:
    """The version with the greatest ``effective_from`` on or before ``day`` (ties: the one listed last);
    before the first version, the rate the placement was created with."""
    candidates = [v for v in versions if v.effective_from <= day]
    latest = max(candidates, key=lambda v: (v.effective_from, v.position), default=None)
    return placement.bill_rate_ore_per_hour if latest is None else latest.bill_rate_ore_per_hour


def accrue(
    entry: ApprovedEntry,
    placement: Placement,
    terms: Iterable[TermsVersion],
    *,
    bill_rates: Iterable[BillRateVersion],
) -> Accrual | None:
    """The lines for ``entry``, or None while an eligible entry has no terms in force on its work date.

    Both lines are made together so HoursAccrued always reports the whole accrual of an entry."""
    bill_rate = bill_rate_in_force(placement, bill_rates, entry.work_date)
    billable = BillableLine(
        entry_id=entry.entry_id,
        company_id=entry.company_id,
        placement_id=placement.placement_id,
        citizen_id=placement.citizen_id,
        citizen_name=placement.citizen_name,
        work_date=entry.work_date,
        minutes=entry.minutes,
        rate_ore_per_hour=bill_rate,
        amount_ore=amount_for(entry.minutes, bill_rate),
        corrects_entry_id=entry.corrects_entry_id,
    )
    if not placement.co_financing_eligible:
        return Accrual(billable, None)
    in_force = terms_in_force((t for t in terms if t.municipality_id == placement.municipality_id), entry.work_date)
    if in_force is None:
        return None
    co_financing = CoFinancingLine(
        entry_id=entry.entry_id,
        municipality_id=placement.municipality_id,
        terms_id=in_force.terms_id,
        citizen_id=placement.citizen_id,
        citizen_name=placement.citizen_name,
        work_date=entry.work_date,
        minutes=entry.minutes,
        rate_ore_per_hour=in_force.co_financing_rate_ore_per_hour,
        amount_ore=amount_for(entry.minutes, in_force.co_financing_rate_ore_per_hour),
        corrects_entry_id=entry.corrects_entry_id,
    )
    return Accrual(billable, co_financing)
