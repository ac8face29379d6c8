"""Answers of the pay periods' API and the JSON wage basis (money in øre, time in minutes, percentages in basis
points). Employees are named by employee number only; the one exception is ``citizen_name`` on the employee
detail answer (never in an export or event)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from invoicing.payroll.models import AtpChange, Blocked, PayEmployee, PayLine, PayPeriodView
from invoicing.periods import Period


class UnapprovedOut(BaseModel):
    """A submitted or rejected entry of the period: listed for finance, not paid, not in ATP."""

    model_config = ConfigDict(from_attributes=True)
    entry_id: UUID
    placement_id: UUID
    work_date: date
    minutes: int
    status: Literal["submitted", "rejected"]


class EmployeeOut(BaseModel):
    """``minutes``/``gross_ore``: all the employee's lines (own hours and adjustments); ``atp_minutes``: own
    hours of the period; holiday allowance = basis × the period's basis points / 10 000, half up."""

    model_config = ConfigDict(from_attributes=True)
    employee_number: int
    minutes: int
    gross_ore: int
    holiday_allowance_basis_ore: int
    holiday_allowance_ore: int
    atp_minutes: int
    atp_band: str
    atp_employee_ore: int
    atp_employer_ore: int
    blocked: Blocked | None
    unapproved: list[UnapprovedOut]
    atp_changes: list[AtpChange]

    @classmethod
    def of(cls, e: PayEmployee) -> EmployeeOut:
        return cls.model_validate(e)


class PaidEntryOut(BaseModel):
    """``adjusts_entry_id``: the entry a correction corrects (null for an ordinary entry). ``repricing``: a
    re-pricing of the paid entry ``entry_id`` after a retroactive wage rate change (minutes 0, ``gross_ore`` the
    difference to what was paid)."""

    entry_id: UUID
    placement_id: UUID
    work_date: date
    minutes: int
    rate_ore_per_hour: int
    gross_ore: int
    adjusts_entry_id: UUID | None
    repricing: bool


class LineOut(BaseModel):
    """One employee × rate; ``kind`` ``adjustment`` lines adjust the closed period ``adjusts_period_start``."""

    position: int
    employee_number: int
    kind: Literal["hours", "adjustment"]
    adjusts_period_start: date | None
    rate_ore_per_hour: int
    minutes: int
    gross_ore: int
    first_work_date: date
    last_work_date: date
    entries: list[PaidEntryOut]

    @classmethod
    def of(cls, line: PayLine) -> LineOut:
        return cls(
            position=line.position,
            employee_number=line.employee_number,
            kind=line.kind.value,
            adjusts_period_start=line.adjusts_period_start,
            rate_ore_per_hour=line.rate_ore_per_hour,
            minutes=line.minutes,
            gross_ore=line.gross_ore,
            first_work_date=line.first_work_date,
            last_work_date=line.last_work_date,
            entries=[
                PaidEntryOut(
                    entry_id=e.entry_id,
                    placement_id=e.placement_id,
                    work_date=e.work_date,
                    minutes=e.minutes,
                    rate_ore_per_hour=e.rate_ore_per_hour,
                    gross_ore=e.gross_ore,
                    adjusts_entry_id=e.entry_id if e.repricing else e.corrects_entry_id,
                    repricing=e.repricing,
                )
                for e in line.entries
            ],
        )


class PeriodOut(BaseModel):
    period_kind: str
    period_start: date
    period_end: date
    period_label: str

    @classmethod
    def of(cls, p: Period) -> PeriodOut:
        return cls(period_kind=p.kind.value, period_start=p.start, period_end=p.end, period_label=p.label)


class TotalsOut(BaseModel):
    """Plain sums over the employees and lines."""

    employees: int
    blocked_employees: int
    total_minutes: int
    gross_ore: int
    adjustment_gross_ore: int
    holiday_allowance_basis_points: int
    holiday_allowance_basis_ore: int
    holiday_allowance_ore: int
    atp_employee_ore: int
    atp_employer_ore: int
    atp_band_changes: int
    submitted_minutes: int
    rejected_minutes: int


class PayPeriodOut(PeriodOut):
    """A pay period: ``closed`` (as stored) or ``open`` (a preview: what closing it now would pay)."""

    pay_period_id: UUID | None
    status: Literal["open", "closed"]
    closed_at: datetime | None
    totals: TotalsOut
    employees: list[EmployeeOut]
    unnumbered: list[Blocked]
    waiting_entries: list[dict[str, Any]]
    lines: list[LineOut]

    @classmethod
    def of_view(cls, view: PayPeriodView) -> PayPeriodOut:
        plan = view.plan
        return cls(
            **PeriodOut.of(plan.period).model_dump(),
            pay_period_id=view.pay_period_id,
            status="closed" if view.status == "closed" else "open",
            closed_at=view.meta.get("closed_at"),
            totals=TotalsOut(**plan.totals()),
            employees=[EmployeeOut.of(e) for e in plan.employees],
            unnumbered=list(plan.unnumbered),
            waiting_entries=list(view.meta.get("waiting_entries", [])),
            lines=[LineOut.of(line) for line in plan.lines],
        )


class ClosedSummaryOut(PeriodOut):
    pay_period_id: UUID
    closed_at: datetime
    employees: int
    blocked_employees: int
    total_minutes: int
    gross_ore: int
    holiday_allowance_ore: int
    atp_employee_ore: int
    atp_employer_ore: int

    @classmethod
    def of_row(cls, row: dict[str, Any]) -> ClosedSummaryOut:
        return cls(
            period_kind=row["period_kind"],
            period_start=row["period_start"],
            period_end=row["period_end"],
            period_label=row["period_label"],
            pay_period_id=row["pay_period_id"],
            closed_at=row["closed_at"],
            employees=row["employees"],
            blocked_employees=row["blocked_employees"],
            total_minutes=row["total_minutes"],
            gross_ore=row["gross_ore"],
            holiday_allowance_ore=row["holiday_allowance_ore"],
            atp_employee_ore=row["atp_employee_ore"],
            atp_employer_ore=row["atp_employer_ore"],
        )


class PayPeriodListOut(BaseModel):
    """Closed periods newest first, and the next period to close (``next_open``; it may not have ended yet)."""

    items: list[ClosedSummaryOut]
    next_open: PeriodOut


class EmployeeDetailOut(BaseModel):
    """One employee in one period; ``citizen_name`` from the placements read model (this answer only)."""

    period: PeriodOut
    status: Literal["open", "closed"]
    citizen_name: str | None
    employee: EmployeeOut
    lines: list[LineOut]
