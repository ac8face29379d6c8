"""The pay close's pure rules: gross wage per entry, lines per employee × rate, holiday allowance, ATP bands.

Units: money in integer øre, time in integer minutes, percentages in integer basis points (12.5 % = 1 250 bp).
No clock, no database.

- Gross per entry = ``invoicing.money.amount_for(minutes, wage rate in force on the work date)``: rounded half up
  (halves away from zero for negative corrections) once per entry; lines and totals are plain sums.
- Holiday allowance (feriegodtgørelse, ferieloven § 16, stk. 2: 12.5 % for hourly paid employees without paid
  holiday) per employee = ``divide_round_half_up(period gross × bp, 10 000)``, the basis being every line of the
  employee in the period (own hours and adjustments, signed): 1 004 → 126, 1 003 → 125, −1 004 → −126.
- ATP (bekendtgørelse om indbetaling af ATP-bidrag; hour bands per pay-period length on virk.dk "Beregning af
  ATP-bidrag"): the band is the row with the greatest ``min_minutes`` ≤ the employee's minutes worked in the period
  (own hours only: ATP hours count in the period the work was done). An adjustment of an earlier period
  recomputes that period's band and reports the change (:class:`AtpChange`); it is not paid here.
- An employee with any item lacking a wage rate in force is **blocked**: none of their items is paid this time
  (ATP needs all hours); they are paid by a later close as adjustment lines of this period. Approved hours of a
  citizen without an employee number wait the same way (``employee-number-unknown``).
- Late items (work date before the period, so in a closed period: approvals or corrections after its close) are
  ``adjustment`` lines per (adjusted period, rate); a paid entry whose wage rate changed retroactively is re-priced
  once on a minutes-0 adjustment line (:func:`repricings`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Literal
from uuid import UUID

from invoicing.money import amount_for, divide_round_half_up
from invoicing.periods import BillingPeriod, Period

BASIS_POINTS_WHOLE = 10_000
WAGE_RATE_MISSING = "wage-rate-missing"
EMPLOYEE_NUMBER_UNKNOWN = "employee-number-unknown"


class LineKind(StrEnum):
    HOURS = "hours"
    ADJUSTMENT = "adjustment"


@dataclass(frozen=True, slots=True)
class AtpBand:
    """One row of the ``atp_bands`` table: from ``effective_from``, a ``kind`` period with at least
    ``min_minutes`` worked pays ``employee_ore`` + ``employer_ore`` (band ``0``, ``1/3``, ``2/3`` or ``1``)."""

    effective_from: date
    kind: BillingPeriod
    min_minutes: int
    band: str
    employee_ore: int
    employer_ore: int


NO_BAND = AtpBand(date.min, BillingPeriod.MONTHLY, 0, "0", 0, 0)


def atp_band(bands: Iterable[AtpBand], kind: BillingPeriod, period_end: date, minutes: int) -> AtpBand:
    """The band of ``minutes`` worked in a ``kind`` period ending ``period_end``: among the rows of the greatest
    ``effective_from`` ≤ ``period_end`` for ``kind``, the one with the greatest ``min_minutes`` ≤ ``minutes``
    ("mindst N timer", so 2 339 minutes of a month is band 0, 2 340 band 1/3). Negative minutes count as 0;
    no row at all is band ``0`` with 0 øre."""
    rows = [b for b in bands if b.kind is kind and b.effective_from <= period_end]
    if not rows:
        return NO_BAND
    newest = max(b.effective_from for b in rows)
    fitting = [b for b in rows if b.effective_from == newest and b.min_minutes <= max(minutes, 0)]
    return max(fitting, key=lambda b: b.min_minutes) if fitting else NO_BAND


def holiday_allowance(basis_ore: int, basis_points: int) -> int:
    """Øre of holiday allowance on ``basis_ore`` at ``basis_points`` (1 250 = 12.5 %), rounded half away from
    zero once: 1 004 → 126, 1 003 → 125, −1 004 → −126."""
    return divide_round_half_up(basis_ore * basis_points, BASIS_POINTS_WHOLE)


@dataclass(frozen=True, slots=True)
class PayItem:
    """An approved entry not paid yet. ``employee_number`` None: the citizen has none (blocked);
    ``rate_ore_per_hour`` None: no wage rate in force on ``work_date`` (blocked). ``minutes`` is signed for a
    correction (``corrects_entry_id`` the entry it corrects)."""

    entry_id: UUID
    placement_id: UUID
    citizen_id: UUID
    employee_number: int | None
    work_date: date
    minutes: int
    rate_ore_per_hour: int | None
    corrects_entry_id: UUID | None = None
    # A re-pricing of the paid entry ``entry_id`` (minutes 0): the øre still owed at ``rate_ore_per_hour``.
    repriced_ore: int | None = None


@dataclass(frozen=True, slots=True)
class PaidBefore:
    """A paid entry of a placement whose wage rates changed since the last close: ``paid_minutes`` and
    ``paid_ore`` (its gross plus earlier re-pricings) against ``rate_now`` (None: no wage rate in force now)."""

    entry_id: UUID
    placement_id: UUID
    citizen_id: UUID
    employee_number: int
    work_date: date
    paid_minutes: int
    paid_ore: int
    rate_now: int | None


def repricings(paid: Iterable[PaidBefore]) -> list[PayItem]:
    """Minutes-0 items for the paid entries whose gross at the rate now in force differs from what was paid:
    ``amount_for(minutes, rate now) − paid``. No rate in force now: nothing (the wage was removed, not lowered)."""
    found: list[PayItem] = []
    for p in paid:
        if p.rate_now is None:
            continue
        owed = amount_for(p.paid_minutes, p.rate_now) - p.paid_ore
        if owed:
            found.append(
                PayItem(p.entry_id, p.placement_id, p.citizen_id, p.employee_number, p.work_date, 0, p.rate_now,
                        repriced_ore=owed)
            )  # fmt: skip
    return found


@dataclass(frozen=True, slots=True)
class Unapproved:
    """A submitted or rejected entry of the period (not paid, not in ATP)."""

    entry_id: UUID
    employee_number: int
    citizen_id: UUID
    placement_id: UUID
    work_date: date
    minutes: int
    status: Literal["submitted", "rejected"]


@dataclass(frozen=True, slots=True)
class PaidEntry:
    entry_id: UUID
    placement_id: UUID
    work_date: date
    minutes: int
    rate_ore_per_hour: int
    gross_ore: int
    corrects_entry_id: UUID | None
    repricing: bool = False


@dataclass(frozen=True, slots=True)
class PayLine:
    """One employee × rate (adjustments also per adjusted period): plain sums of its entries."""

    position: int
    employee_number: int
    kind: LineKind
    adjusts_period_start: date | None
    rate_ore_per_hour: int
    minutes: int
    gross_ore: int
    first_work_date: date
    last_work_date: date
    entries: tuple[PaidEntry, ...]


@dataclass(frozen=True, slots=True)
class Blocked:
    """Why an employee's (or an unnumbered citizen's) items wait: ``reason`` ``wage-rate-missing`` or
    ``employee-number-unknown``; the placements and work dates concerned."""

    reason: str
    placement_ids: tuple[UUID, ...]
    work_dates: tuple[date, ...]


@dataclass(frozen=True, slots=True)
class AtpChange:
    """An earlier period whose ATP band the adjustments change: reported for payroll, not paid here."""

    period_start: date
    period_label: str
    minutes_before: int
    minutes_after: int
    band_before: str
    band_after: str
    employee_diff_ore: int
    employer_diff_ore: int


@dataclass(frozen=True, slots=True)
class PayEmployee:
    """One employee's figures for the period. ``minutes``/``gross_ore``: all their lines (own + adjustments);
    ``atp_minutes``: own hours of the period only."""

    employee_number: int
    citizen_id: UUID
    minutes: int
    gross_ore: int
    holiday_allowance_basis_ore: int
    holiday_allowance_ore: int
    atp_minutes: int
    atp_band: str
    atp_employee_ore: int
    atp_employer_ore: int
    blocked: Blocked | None = None
    unapproved: tuple[Unapproved, ...] = ()
    atp_changes: tuple[AtpChange, ...] = ()


@dataclass(frozen=True, slots=True)
class PayPlan:
    """What a close writes for ``period``; totals are plain sums over employees and lines."""

    period: Period
    holiday_allowance_basis_points: int
    employees: tuple[PayEmployee, ...]
    lines: tuple[PayLine, ...]
    unnumbered: tuple[Blocked, ...] = field(default_factory=tuple)

    @property
    def total_minutes(self) -> int:
        return sum(line.minutes for line in self.lines)

    @property
    def gross_ore(self) -> int:
        return sum(line.gross_ore for line in self.lines)

    @property
    def adjustment_gross_ore(self) -> int:
        return sum(line.gross_ore for line in self.lines if line.kind is LineKind.ADJUSTMENT)

    @property
    def holiday_allowance_basis_ore(self) -> int:
        return sum(e.holiday_allowance_basis_ore for e in self.employees)

    @property
    def holiday_allowance_ore(self) -> int:
        return sum(e.holiday_allowance_ore for e in self.employees)

    @property
    def atp_employee_ore(self) -> int:
        return sum(e.atp_employee_ore for e in self.employees)

    @property
    def atp_employer_ore(self) -> int:
        return sum(e.atp_employer_ore for e in self.employees)

    @property
    def blocked_employees(self) -> int:
        return sum(1 for e in self.employees if e.blocked is not None) + len(self.unnumbered)

    @property
    def atp_band_changes(self) -> int:
        return sum(len(e.atp_changes) for e in self.employees)

    def unapproved_minutes(self, status: str) -> int:
        return sum(u.minutes for e in self.employees for u in e.unapproved if u.status == status)

    def totals(self) -> dict[str, int]:
        """The period's totals by the names of ``invoicing.pay_period_closed`` (minutes, øre, basis points)."""
        return {
            "employees": len(self.employees),
            "blocked_employees": self.blocked_employees,
            "total_minutes": self.total_minutes,
            "gross_ore": self.gross_ore,
            "adjustment_gross_ore": self.adjustment_gross_ore,
            "holiday_allowance_basis_points": self.holiday_allowance_basis_points,
            "holiday_allowance_basis_ore": self.holiday_allowance_basis_ore,
            "holiday_allowance_ore": self.holiday_allowance_ore,
            "atp_employee_ore": self.atp_employee_ore,
            "atp_employer_ore": self.atp_employer_ore,
            "atp_band_changes": self.atp_band_changes,
            "submitted_minutes": self.unapproved_minutes("submitted"),
            "rejected_minutes": self.unapproved_minutes("rejected"),
        }


@dataclass(frozen=True, slots=True)
class PayPeriodView:
    """A pay period as answered: ``status`` ``closed`` (stored; ``meta`` its row) or ``open`` (a preview, nothing
    written; ``meta`` holds the waiting entries only)."""

    status: str
    plan: PayPlan
    meta: dict[str, Any]

    @property
    def pay_period_id(self) -> UUID | None:
        value = self.meta.get("pay_period_id")
        return value if isinstance(value, UUID) else None


def _period_of(day: date, closed: Sequence[Period]) -> Period | None:
    return next((p for p in closed if day in p), None)


def plan_pay_period(
    period: Period,
    items: Sequence[PayItem],
    *,
    unapproved: Sequence[Unapproved] = (),
    paid_before: dict[tuple[int, date], int] | None = None,
    closed_periods: Sequence[Period] = (),
    atp_bands: Sequence[AtpBand] = (),
    holiday_basis_points: int,
) -> PayPlan:
    """The close of ``period``: ``items`` are the approved entries not paid yet with work dates up to
    ``period.end`` (those before ``period.start`` are late: adjustment lines of the closed period holding their
    work date, one of ``closed_periods``); ``unapproved`` the submitted/rejected entries to list (the period's,
    and on the next open period's close those of closed periods still not approved);
    ``paid_before`` minutes already paid per (employee number, closed period start); ``atp_bands`` the table's
    rows; ``holiday_basis_points`` in force on ``period.end``. Items with no closed period to adjust (before the
    pay side began) must not be passed."""
    paid_before = paid_before or {}
    by_employee: dict[int, list[PayItem]] = {}
    citizens: dict[int, UUID] = {}
    unnumbered: dict[UUID, list[PayItem]] = {}
    for item in items:
        if item.employee_number is None:
            unnumbered.setdefault(item.citizen_id, []).append(item)
        else:
            by_employee.setdefault(item.employee_number, []).append(item)
            citizens[item.employee_number] = item.citizen_id
    waiting_unapproved: dict[int, list[Unapproved]] = {}
    for u in unapproved:
        waiting_unapproved.setdefault(u.employee_number, []).append(u)
        citizens.setdefault(u.employee_number, u.citizen_id)
    unapproved_only = {n for n in waiting_unapproved if n not in by_employee}
    employees: list[PayEmployee] = []
    lines: list[PayLine] = []
    for number in sorted(set(by_employee) | set(waiting_unapproved)):
        own_items = by_employee.get(number, [])
        listed = tuple(sorted(waiting_unapproved.get(number, []), key=lambda u: (u.work_date, str(u.entry_id))))
        missing = [i for i in own_items if i.rate_ore_per_hour is None]
        if missing or number in unapproved_only:
            employees.append(
                PayEmployee(
                    number,
                    citizens[number],
                    0,
                    0,
                    0,
                    0,
                    0,
                    NO_BAND.band,
                    0,
                    0,
                    blocked=_blocked(WAGE_RATE_MISSING, missing) if missing else None,
                    unapproved=listed,
                )
            )
            continue
        mine = _lines(number, own_items, period, closed_periods, first_position=len(lines) + 1)
        lines.extend(mine)
        gross = sum(line.gross_ore for line in mine)
        own_minutes = sum(line.minutes for line in mine if line.kind is LineKind.HOURS)
        band = atp_band(atp_bands, period.kind, period.end, own_minutes)
        employees.append(
            PayEmployee(
                number,
                citizens[number],
                sum(line.minutes for line in mine),
                gross,
                gross,
                holiday_allowance(gross, holiday_basis_points),
                own_minutes,
                band.band,
                band.employee_ore,
                band.employer_ore,
                unapproved=listed,
                atp_changes=_atp_changes(number, mine, paid_before, closed_periods, atp_bands),
            )
        )
    blocked_unnumbered = tuple(_blocked(EMPLOYEE_NUMBER_UNKNOWN, found) for _, found in sorted(unnumbered.items()))
    return PayPlan(period, holiday_basis_points, tuple(employees), tuple(lines), blocked_unnumbered)


def _blocked(reason: str, items: Sequence[PayItem]) -> Blocked:
    return Blocked(
        reason,
        tuple(sorted({i.placement_id for i in items}, key=str)),
        tuple(sorted({i.work_date for i in items})),
    )


def _lines(
    number: int, items: Sequence[PayItem], period: Period, closed: Sequence[Period], *, first_position: int
) -> list[PayLine]:
    """One line per rate for the period's own hours, then one per (adjusted period, rate) for late items."""
    groups: dict[tuple[date | None, int], list[PaidEntry]] = {}
    for item in items:
        assert item.rate_ore_per_hour is not None, "blocked employees have no lines"
        adjusts: date | None = None
        if item.work_date < period.start:
            held = _period_of(item.work_date, closed)
            if held is None:
                raise ValueError(f"entry {item.entry_id} lies in no closed pay period and not in {period.label}")
            adjusts = held.start
        paid = PaidEntry(
            item.entry_id,
            item.placement_id,
            item.work_date,
            item.minutes,
            item.rate_ore_per_hour,
            amount_for(item.minutes, item.rate_ore_per_hour) if item.repriced_ore is None else item.repriced_ore,
            item.corrects_entry_id,
            repricing=item.repriced_ore is not None,
        )
        groups.setdefault((adjusts, item.rate_ore_per_hour), []).append(paid)
    ordered = sorted(groups.items(), key=lambda kv: (kv[0][0] is not None, kv[0][0] or date.min, kv[0][1]))
    found: list[PayLine] = []
    for offset, ((adjusts, rate), entries) in enumerate(ordered):
        entries.sort(key=lambda e: (e.work_date, str(e.entry_id)))
        found.append(
            PayLine(
                position=first_position + offset,
                employee_number=number,
                kind=LineKind.HOURS if adjusts is None else LineKind.ADJUSTMENT,
                adjusts_period_start=adjusts,
                rate_ore_per_hour=rate,
                minutes=sum(e.minutes for e in entries),
                gross_ore=sum(e.gross_ore for e in entries),
                first_work_date=entries[0].work_date,
                last_work_date=entries[-1].work_date,
                entries=tuple(entries),
            )
        )
    return found


def _atp_changes(
    number: int,
    lines: Sequence[PayLine],
    paid_before: dict[tuple[int, date], int],
    closed: Sequence[Period],
    bands: Sequence[AtpBand],
) -> tuple[AtpChange, ...]:
    added: dict[date, int] = {}
    for line in lines:
        if line.adjusts_period_start is not None and line.minutes:
            added[line.adjusts_period_start] = added.get(line.adjusts_period_start, 0) + line.minutes
    changes: list[AtpChange] = []
    for start, minutes in sorted(added.items()):
        earlier = next(p for p in closed if p.start == start)
        before_minutes = paid_before.get((number, start), 0)
        before = atp_band(bands, earlier.kind, earlier.end, before_minutes)
        after = atp_band(bands, earlier.kind, earlier.end, before_minutes + minutes)
        if before.band != after.band:
            changes.append(
                AtpChange(
                    start,
                    earlier.label,
                    before_minutes,
                    before_minutes + minutes,
                    before.band,
                    after.band,
                    after.employee_ore - before.employee_ore,
                    after.employer_ore - before.employer_ore,
                )
            )
    return tuple(changes)
