"""Pay periods: close (agency-wide, final, one transaction), preview, read back (the rules: ``payroll.models``).

Finance and admin only (others: 403 ``forbidden``). A pay period is of the kind ``settings.pay_period`` (monthly by
default; fortnights from ``settings.fortnight_anchor``), named by its first day. Problem codes:

- 422 ``pay-period-start-invalid``: ``period_start`` is not the first day of a pay period;
- 422 ``pay-period-not-ended``: the period ends today or later (only ended periods are closed);
- 409 ``pay-period-closed``: the period is closed already;
- 409 ``pay-period-earlier-open``: an earlier pay period is still open (they close in order);
- 404 ``pay-period-not-found`` / ``employee-not-found``: reading what is not there; closing a period that lies
  before the first closed one (outside the pay side) or inside the closed stretch without being one of its periods.

The close pays every approved entry with a work date from the pay side's first day (``settings.pay_from``, else
the first closed period's start, else this period's start) through the period's end that is on no pay line yet;
entries of earlier (closed) periods become adjustment lines of the period holding their work date, as do the
re-pricings of paid entries of placements whose wage rates changed since the previous close
(``placements.wage_rates_changed_seq`` above the previous close's ``wage_rates_seen_seq``). It writes
``pay_periods``, ``pay_lines``, ``pay_entries``, ``pay_repricings``, ``pay_employees`` and
``invoicing.pay_period_closed`` (totals only) to the outbox in one transaction under an advisory lock: a crash
writes nothing, a concurrent close of the same period waits and then answers 409 ``pay-period-closed``."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg

from invoicing.config import InvoicingSettings, basis_points_in_force
from invoicing.pay_inputs import service as pay_inputs
from invoicing.payroll import repository
from invoicing.payroll.models import PayEmployee, PayPeriodView, PayPlan, Unapproved, plan_pay_period, repricings
from invoicing.periods import Period, period_containing, periods_to_close
from vikar_shared.auth import Principal, Role
from vikar_shared.db import transaction
from vikar_shared.errors import DomainError, conflict, forbidden, invalid, not_found
from vikar_shared.events.invoicing import PayPeriodClosed
from vikar_shared.outbox import add_event

SOURCE = "invoicing"
PAY_ROLES = frozenset({Role.FINANCE, Role.ADMIN})
_ONE_DAY = timedelta(days=1)


def _finance(actor: Principal) -> None:
    if actor.role not in PAY_ROLES:
        raise forbidden("Only finance and admin see and close pay periods")


def pay_period_of(settings: InvoicingSettings, period_start: date) -> Period:
    """The pay period starting ``period_start``; 422 ``pay-period-start-invalid`` when none does."""
    period = period_containing(settings.pay_period, period_start, anchor=settings.fortnight_anchor)
    if period.start != period_start:
        raise invalid(
            "period_start",
            "pay-period-start-invalid",
            f"{period_start} is not the first day of a {settings.pay_period.value} pay period; "
            f"the period holding it starts {period.start}",
        )
    return period


def _pay_closed(period_start: date, pay_period_id: object) -> DomainError:
    return conflict(
        "pay-period-closed", f"The pay period starting {period_start} is closed (pay period {pay_period_id})"
    )


async def _plan(
    conn: asyncpg.Connection, period: Period, closed: list[Period], settings: InvoicingSettings
) -> tuple[PayPlan, list[dict[str, Any]], int]:
    """What closing ``period`` now would write, the approved entries still waiting for their placement, and the
    wage change sequence this close has seen (re-pricings held back by a blocked employee are seen again)."""
    first_day = settings.pay_from or (closed[0].start if closed else period.start)
    if closed:  # before the first closed period nothing is paid: it lies outside the pay side
        first_day = max(first_day, closed[0].start)
    # Late items (approved or re-priced after their period closed) land in the NEXT open period only; a preview of
    # a later period shows its own hours alone (the open periods before it close first and take the late ones).
    is_next = not closed or period.start == closed[-1].end + _ONE_DAY
    items = [
        i
        for i in await repository.open_items(conn, first_day, period.end)
        if i.work_date >= period.start or (is_next and closed and i.work_date <= closed[-1].end)
    ]
    seen, latest = await repository.wage_rates_seen(conn)
    changed = await repository.changed_wages_since(conn, seen) if is_next and latest > seen else []
    items += repricings(changed)
    if not is_next:
        latest = seen
    late_numbers = sorted(
        {i.employee_number for i in items if i.employee_number is not None and i.work_date < period.start}
    )
    paid_before = await repository.paid_minutes(conn, late_numbers, period.start) if late_numbers else {}
    plan = plan_pay_period(
        period,
        items,
        unapproved=await _unapproved(conn, period, closed, first_day, is_next=is_next),
        paid_before=paid_before,
        closed_periods=closed,
        atp_bands=await repository.atp_bands(conn),
        holiday_basis_points=basis_points_in_force(settings.holiday_allowance_versions, period.end),
    )
    blocked = {e.employee_number for e in plan.employees if e.blocked is not None}
    held_back = [p for p in changed if p.employee_number in blocked]
    if held_back:  # seen up to just before the first held-back placement's change: the next close re-prices it
        latest = min(latest, await repository.wage_change_seq_before(conn, {p.placement_id for p in held_back}))
    return plan, await repository.waiting_entries(conn, first_day, period.end), latest


async def _unapproved(
    conn: asyncpg.Connection, period: Period, closed: list[Period], first_day: date, *, is_next: bool
) -> list[Unapproved]:
    """Wages are owed for hours worked: the submitted and rejected hours to list for finance (not paid). The
    period's own; and on the next open period's close, those of closed periods submitted, changed or rejected
    since the previous close (late ones), so an entry never approved is listed once, not on every close. Hours of
    a citizen without an employee number (or of a placement not known yet) are not listed."""
    found = await pay_inputs.unapproved_in(conn, period.start, period.end)
    if is_next and closed:
        found += await pay_inputs.unapproved_in(
            conn, first_day, closed[-1].end, changed_after=await repository.last_closed_at(conn)
        )
    employees = await repository.employees_of_placements(conn, {u.placement_id for u in found})
    listed = []
    for u in found:
        citizen_id, number = employees.get(u.placement_id, (None, None))
        if citizen_id is not None and number is not None:
            listed.append(
                Unapproved(u.entry_id, number, citizen_id, u.placement_id, u.work_date, u.minutes, u.status.value)
            )
    return listed


async def close_in(
    conn: asyncpg.Connection,
    actor: Principal,
    period_start: date,
    *,
    today: date,
    now: datetime,
    settings: InvoicingSettings,
) -> PayPeriodView:
    """Closes the pay period starting ``period_start`` on ``conn`` (the caller's transaction; see the module for
    the rules and problem codes). Returns the closed period as stored."""
    _finance(actor)
    period = pay_period_of(settings, period_start)
    if period.end >= today:
        raise invalid(
            "period_start",
            "pay-period-not-ended",
            f"The pay period {period.label} ends {period.end}; only periods ended before today ({today}) close",
        )
    await repository.lock_pay_close(conn)
    closed = await repository.closed_periods(conn)
    if closed and period.start <= closed[-1].end:
        stored = await repository.closed_period(conn, period.start)
        if stored is None:  # before the first closed period (outside the pay side), or the kind changed: as GET says
            raise not_found("pay-period", "start")
        raise _pay_closed(period.start, stored[0]["pay_period_id"])
    if closed:
        expected = periods_to_close(
            settings.pay_period,
            first_day=closed[-1].end + _ONE_DAY,
            through=period.end,
            closed_through=closed[-1].end,
            anchor=settings.fortnight_anchor,
        )[0]
    elif settings.pay_from is not None and settings.pay_from < period.start:
        expected = period_containing(settings.pay_period, settings.pay_from, anchor=settings.fortnight_anchor)
    else:
        expected = period
    if expected.start != period.start:
        raise conflict(
            "pay-period-earlier-open",
            f"Pay periods close in order: the pay period starting {expected.start} ({expected.label}) is still open",
        )
    plan, waiting, seen = await _plan(conn, period, closed, settings)
    pay_period_id = uuid.uuid4()
    await repository.insert_closed(
        conn, pay_period_id, plan, closed_at=now, closed_by=actor.subject, waiting=waiting, wage_rates_seen_seq=seen
    )
    await add_event(
        conn,
        PayPeriodClosed(
            pay_period_id=pay_period_id,
            period_kind=period.kind.value,
            period_start=period.start,
            period_end=period.end,
            period_label=period.label,
            closed_at=now,
            **plan.totals(),
        ),
        source=SOURCE,
        subject=pay_period_id,
    )
    stored = await repository.closed_period(conn, period.start)
    assert stored is not None, "written above"
    return PayPeriodView("closed", stored[1], stored[0])


async def close_pay_period(
    pool: asyncpg.Pool,
    actor: Principal,
    period_start: date,
    *,
    today: date,
    now: datetime,
    settings: InvoicingSettings,
) -> PayPeriodView:
    """:func:`close_in` in a transaction of its own (the CLI's entry point)."""
    async with transaction(pool) as conn:
        return await close_in(conn, actor, period_start, today=today, now=now, settings=settings)


async def _stored_or_open(
    conn: asyncpg.Connection, actor: Principal, period_start: date, settings: InvoicingSettings
) -> PayPeriodView | tuple[Period, list[Period]]:
    """The closed period starting ``period_start`` as stored, else the open period and the closed ones. A valid
    start inside the closed stretch (the pay period kind changed) is 404 ``pay-period-not-found``."""
    _finance(actor)
    stored = await repository.closed_period(conn, period_start)
    if stored is not None:
        return PayPeriodView("closed", stored[1], stored[0])
    period = pay_period_of(settings, period_start)
    closed = await repository.closed_periods(conn)
    if closed and period.start <= closed[-1].end:
        raise not_found("pay-period", "start")
    return period, closed


async def pay_period(
    conn: asyncpg.Connection, actor: Principal, period_start: date, *, settings: InvoicingSettings
) -> PayPeriodView:
    """A closed period as stored, or an open one previewed (what closing it now would pay; nothing written).
    422 ``pay-period-start-invalid``."""
    found = await _stored_or_open(conn, actor, period_start, settings)
    if isinstance(found, PayPeriodView):
        return found
    plan, waiting, _ = await _plan(conn, *found, settings)
    return PayPeriodView("open", plan, {"waiting_entries": waiting})


async def closed_pay_period(
    conn: asyncpg.Connection, actor: Principal, period_start: date, *, settings: InvoicingSettings
) -> PayPeriodView:
    """A closed period for export: 409 ``pay-period-open`` for a valid start not closed yet,
    422 ``pay-period-start-invalid``, 404 ``pay-period-not-found`` for a start inside the closed stretch."""
    found = await _stored_or_open(conn, actor, period_start, settings)
    if isinstance(found, PayPeriodView):
        return found
    raise conflict("pay-period-open", f"The pay period {found[0].label} is not closed: only a closed period exports")


async def list_pay_periods(
    conn: asyncpg.Connection, actor: Principal, *, today: date, settings: InvoicingSettings, limit: int, offset: int
) -> tuple[list[dict[str, Any]], Period]:
    """Closed periods' rows newest first, and the next pay period to close (it may not have ended yet)."""
    _finance(actor)
    closed = await repository.closed_periods(conn)
    if closed:
        next_open = period_containing(settings.pay_period, closed[-1].end + _ONE_DAY, anchor=settings.fortnight_anchor)
    else:
        start = settings.pay_from or today
        next_open = period_containing(settings.pay_period, start, anchor=settings.fortnight_anchor)
    return await repository.closed_list(conn, limit, offset), next_open


async def employee_in(
    conn: asyncpg.Connection, actor: Principal, period_start: date, employee_number: int, *, settings: InvoicingSettings
) -> tuple[PayPeriodView, PayEmployee, str | None]:
    """One employee's figures in a period (closed or previewed) and their name from the placements read model
    (API only). 404 ``employee-not-found`` when the period has nothing of that employee number."""
    view = await pay_period(conn, actor, period_start, settings=settings)
    found = next((e for e in view.plan.employees if e.employee_number == employee_number), None)
    if found is None:
        raise not_found("employee", "number")
    return view, found, await repository.citizen_name(conn, found.citizen_id)
