"""SQL of the pay periods (only ``payroll.service`` imports this module). Reads are set-based; a close writes
each table with one ``unnest`` insert."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg

from invoicing import advisory_locks
from invoicing.payroll.models import (
    AtpBand,
    AtpChange,
    Blocked,
    LineKind,
    PaidBefore,
    PaidEntry,
    PayEmployee,
    PayItem,
    PayLine,
    PayPlan,
    Unapproved,
)
from invoicing.periods import BillingPeriod, Period
from invoicing.wage_rates import wage_in_force, wage_in_force_join

_PAY_CLOSE_LOCK = advisory_locks.PAY_CLOSE


async def lock_pay_close(conn: asyncpg.Connection) -> None:
    """Holds the pay close lock until the transaction ends: a second close waits, then finds the period closed."""
    await conn.execute("select pg_advisory_xact_lock($1::int, 0)", _PAY_CLOSE_LOCK)


async def closed_periods(conn: asyncpg.Connection) -> list[Period]:
    rows = await conn.fetch("select period_start, period_end, period_kind from pay_periods order by period_start")
    return [Period(r["period_start"], r["period_end"], BillingPeriod(r["period_kind"])) for r in rows]


async def atp_bands(conn: asyncpg.Connection) -> list[AtpBand]:
    rows = await conn.fetch(
        "select effective_from, period_kind, min_minutes, band, employee_ore, employer_ore from atp_bands"
    )
    return [
        AtpBand(
            r["effective_from"],
            BillingPeriod(r["period_kind"]),
            r["min_minutes"],
            r["band"],
            r["employee_ore"],
            r["employer_ore"],
        )
        for r in rows
    ]


async def open_items(conn: asyncpg.Connection, first_day: date, through: date) -> list[PayItem]:
    """Approved entries with a work date in ``first_day..through`` that are on no pay line yet and whose placement
    is known, each with the citizen's employee number (None: none) and the wage rate in force on its work date:
    the rate version with the greatest ``effective_from`` ≤ the day (tie: the highest position), before the first
    version the placement's own wage; None when that is null (no wage rate in force)."""
    rows = await conn.fetch(
        f"""select a.entry_id, a.placement_id, p.citizen_id, e.employee_number, a.work_date, a.minutes,
                  a.corrects_entry_id,
                  {wage_in_force()} as rate_ore_per_hour
           from approved_entries a
                join placements p on p.placement_id = a.placement_id
                left join employees e on e.citizen_id = p.citizen_id
                {wage_in_force_join("a")}
           where a.work_date between $1 and $2
             and not exists (select 1 from pay_entries pe where pe.entry_id = a.entry_id)""",
        first_day,
        through,
    )
    return [PayItem(**dict(r)) for r in rows]


async def changed_wages_since(conn: asyncpg.Connection, seen_seq: int) -> list[PaidBefore]:
    """The paid entries of placements whose wage rates changed after ``seen_seq``, with what was paid for them
    (gross and re-pricings) and the wage in force on the work date now (the rule of :func:`open_items`)."""
    rows = await conn.fetch(
        f"""select a.entry_id, a.placement_id, p.citizen_id, a.employee_number, a.work_date,
                  a.minutes as paid_minutes,
                  a.gross_ore + coalesce((select sum(r.gross_ore) from pay_repricings r
                                          where r.entry_id = a.entry_id), 0) as paid_ore,
                  {wage_in_force()} as rate_now
           from pay_entries a
                join placements p on p.placement_id = a.placement_id
                {wage_in_force_join("a")}
           where p.wage_rates_changed_seq > $1""",
        seen_seq,
    )
    return [PaidBefore(**dict(r)) for r in rows]


async def wage_rates_seen(conn: asyncpg.Connection) -> tuple[int, int]:
    """(the last close's seen sequence, the greatest placements' wage change sequence now); 0 for none."""
    row = await conn.fetchrow(
        """select coalesce((select wage_rates_seen_seq from pay_periods order by period_start desc limit 1), 0)
                      as seen,
                  coalesce((select max(wage_rates_changed_seq) from placements), 0) as now"""
    )
    assert row is not None
    return int(row["seen"]), int(row["now"])


async def waiting_entries(conn: asyncpg.Connection, first_day: date, through: date) -> list[dict[str, Any]]:
    """Approved entries in ``first_day..through`` whose placement invoicing does not know yet (not paid)."""
    rows = await conn.fetch(
        """select a.entry_id, a.placement_id, a.work_date from approved_entries a
           where a.work_date between $1 and $2
             and not exists (select 1 from placements p where p.placement_id = a.placement_id)
             and not exists (select 1 from pay_entries pe where pe.entry_id = a.entry_id)
           order by a.work_date, a.entry_id""",
        first_day,
        through,
    )
    return [{"entry_id": str(r["entry_id"]), "placement_id": str(r["placement_id"]),
             "work_date": r["work_date"].isoformat()} for r in rows]  # fmt: skip


async def employees_of_placements(
    conn: asyncpg.Connection, placement_ids: Iterable[UUID]
) -> dict[UUID, tuple[UUID, int | None]]:
    """(citizen id, employee number or None) of each known placement among ``placement_ids``."""
    rows = await conn.fetch(
        """select p.placement_id, p.citizen_id, e.employee_number
           from placements p left join employees e on e.citizen_id = p.citizen_id
           where p.placement_id = any($1::uuid[])""",
        list(placement_ids),
    )
    return {r["placement_id"]: (r["citizen_id"], r["employee_number"]) for r in rows}


async def last_closed_at(conn: asyncpg.Connection) -> datetime | None:
    """When the latest pay period was closed (None: none closed)."""
    found: datetime | None = await conn.fetchval("select closed_at from pay_periods order by period_start desc limit 1")
    return found


async def paid_minutes(
    conn: asyncpg.Connection, employee_numbers: list[int], before: date
) -> dict[tuple[int, date], int]:
    """Minutes already paid per (employee number, closed period start) for work dates before ``before``."""
    rows = await conn.fetch(
        """select pe.employee_number, pp.period_start, sum(pe.minutes)::bigint as minutes
           from pay_entries pe
                join pay_periods pp on pe.work_date between pp.period_start and pp.period_end
           where pe.employee_number = any($1::integer[]) and pe.work_date < $2
           group by pe.employee_number, pp.period_start""",
        employee_numbers,
        before,
    )
    return {(r["employee_number"], r["period_start"]): int(r["minutes"]) for r in rows}


def _blocked_json(blocked: Blocked) -> dict[str, Any]:
    return {
        "reason": blocked.reason,
        "placement_ids": [str(p) for p in blocked.placement_ids],
        "work_dates": [d.isoformat() for d in blocked.work_dates],
    }


def _blocked_of(value: dict[str, Any]) -> Blocked:
    return Blocked(
        value["reason"],
        tuple(UUID(p) for p in value["placement_ids"]),
        tuple(date.fromisoformat(d) for d in value["work_dates"]),
    )


async def insert_closed(
    conn: asyncpg.Connection,
    pay_period_id: UUID,
    plan: PayPlan,
    *,
    closed_at: Any,
    closed_by: str,
    waiting: list[dict[str, Any]],
    wage_rates_seen_seq: int,
) -> None:
    """The closed period, its lines, their entries and its employees (four statements)."""
    await conn.execute(
        """insert into pay_periods (pay_period_id, period_kind, period_start, period_end, period_label, closed_at,
               closed_by, holiday_allowance_basis_points, employees, blocked_employees, total_minutes, gross_ore,
               adjustment_gross_ore, holiday_allowance_basis_ore, holiday_allowance_ore, atp_employee_ore,
               atp_employer_ore, atp_band_changes, submitted_minutes, rejected_minutes, unnumbered, waiting_entries,
               wage_rates_seen_seq)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
                   $21, $22, $23)""",
        pay_period_id,
        plan.period.kind.value,
        plan.period.start,
        plan.period.end,
        plan.period.label,
        closed_at,
        closed_by,
        plan.holiday_allowance_basis_points,
        len(plan.employees),
        plan.blocked_employees,
        plan.total_minutes,
        plan.gross_ore,
        plan.adjustment_gross_ore,
        plan.holiday_allowance_basis_ore,
        plan.holiday_allowance_ore,
        plan.atp_employee_ore,
        plan.atp_employer_ore,
        plan.atp_band_changes,
        plan.unapproved_minutes("submitted"),
        plan.unapproved_minutes("rejected"),
        [_blocked_json(b) for b in plan.unnumbered],
        waiting,
        wage_rates_seen_seq,
    )
    lines = plan.lines
    await conn.execute(
        """insert into pay_lines (pay_period_id, position, employee_number, kind, adjusts_period_start,
                                  rate_ore_per_hour, minutes, gross_ore, first_work_date, last_work_date)
           select $1, * from unnest($2::integer[], $3::integer[], $4::text[], $5::date[], $6::bigint[],
                                    $7::integer[], $8::bigint[], $9::date[], $10::date[])""",
        pay_period_id,
        [li.position for li in lines],
        [li.employee_number for li in lines],
        [li.kind.value for li in lines],
        [li.adjusts_period_start for li in lines],
        [li.rate_ore_per_hour for li in lines],
        [li.minutes for li in lines],
        [li.gross_ore for li in lines],
        [li.first_work_date for li in lines],
        [li.last_work_date for li in lines],
    )
    entries = [(li, e) for li in lines for e in li.entries if not e.repricing]
    await conn.execute(
        """insert into pay_entries (pay_period_id, entry_id, position, employee_number, placement_id, work_date,
                                    minutes, rate_ore_per_hour, gross_ore, corrects_entry_id)
           select $1, * from unnest($2::uuid[], $3::integer[], $4::integer[], $5::uuid[], $6::date[],
                                    $7::integer[], $8::bigint[], $9::bigint[], $10::uuid[])""",
        pay_period_id,
        [e.entry_id for _, e in entries],
        [li.position for li, _ in entries],
        [li.employee_number for li, _ in entries],
        [e.placement_id for _, e in entries],
        [e.work_date for _, e in entries],
        [e.minutes for _, e in entries],
        [e.rate_ore_per_hour for _, e in entries],
        [e.gross_ore for _, e in entries],
        [e.corrects_entry_id for _, e in entries],
    )
    repriced = [(li, e) for li in lines for e in li.entries if e.repricing]
    await conn.execute(
        """insert into pay_repricings (pay_period_id, entry_id, position, rate_ore_per_hour, gross_ore)
           select $1, * from unnest($2::uuid[], $3::integer[], $4::bigint[], $5::bigint[])""",
        pay_period_id,
        [e.entry_id for _, e in repriced],
        [li.position for li, _ in repriced],
        [e.rate_ore_per_hour for _, e in repriced],
        [e.gross_ore for _, e in repriced],
    )
    people = plan.employees
    await conn.execute(
        """insert into pay_employees (pay_period_id, employee_number, citizen_id, minutes, gross_ore,
               holiday_allowance_basis_ore, holiday_allowance_ore, atp_minutes, atp_band, atp_employee_ore,
               atp_employer_ore, blocked, unapproved, atp_changes)
           select $1, n, c, m, g, hb, h, am, ab, ae, ar, b::jsonb, u::jsonb, ch::jsonb
           from unnest($2::integer[], $3::uuid[], $4::integer[], $5::bigint[], $6::bigint[], $7::bigint[],
                       $8::integer[], $9::text[], $10::bigint[], $11::bigint[], $12::text[], $13::text[], $14::text[])
                as x (n, c, m, g, hb, h, am, ab, ae, ar, b, u, ch)""",
        pay_period_id,
        [p.employee_number for p in people],
        [p.citizen_id for p in people],
        [p.minutes for p in people],
        [p.gross_ore for p in people],
        [p.holiday_allowance_basis_ore for p in people],
        [p.holiday_allowance_ore for p in people],
        [p.atp_minutes for p in people],
        [p.atp_band for p in people],
        [p.atp_employee_ore for p in people],
        [p.atp_employer_ore for p in people],
        [None if p.blocked is None else json.dumps(_blocked_json(p.blocked)) for p in people],
        [json.dumps([_unapproved_json(u) for u in p.unapproved]) for p in people],
        [json.dumps([_change_json(c) for c in p.atp_changes]) for p in people],
    )


def _unapproved_json(u: Unapproved) -> dict[str, Any]:
    return {
        "entry_id": str(u.entry_id),
        "placement_id": str(u.placement_id),
        "work_date": u.work_date.isoformat(),
        "minutes": u.minutes,
        "status": u.status,
    }


def _change_json(c: AtpChange) -> dict[str, Any]:
    return {
        "period_start": c.period_start.isoformat(),
        "period_label": c.period_label,
        "minutes_before": c.minutes_before,
        "minutes_after": c.minutes_after,
        "band_before": c.band_before,
        "band_after": c.band_after,
        "employee_diff_ore": c.employee_diff_ore,
        "employer_diff_ore": c.employer_diff_ore,
    }


async def closed_list(conn: asyncpg.Connection, limit: int, offset: int) -> list[dict[str, Any]]:
    """Closed periods' rows, newest first."""
    rows = await conn.fetch("select * from pay_periods order by period_start desc limit $1 offset $2", limit, offset)
    return [_period_row(r) for r in rows]


def _period_row(r: asyncpg.Record) -> dict[str, Any]:
    return dict(r)  # the jsonb columns arrive decoded (the pool's codec)


async def closed_period(conn: asyncpg.Connection, period_start: date) -> tuple[dict[str, Any], PayPlan] | None:
    """The stored period starting ``period_start`` (its row) and its plan as written; None if not closed."""
    row = await conn.fetchrow("select * from pay_periods where period_start = $1", period_start)
    if row is None:
        return None
    meta = _period_row(row)
    period = Period(row["period_start"], row["period_end"], BillingPeriod(row["period_kind"]))
    entry_rows = await conn.fetch(
        """select position, entry_id, placement_id, work_date, minutes, rate_ore_per_hour, gross_ore,
                  corrects_entry_id, false as repricing
           from pay_entries where pay_period_id = $1
           union all
           select r.position, r.entry_id, e.placement_id, e.work_date, 0, r.rate_ore_per_hour, r.gross_ore,
                  e.corrects_entry_id, true
           from pay_repricings r join pay_entries e on e.entry_id = r.entry_id where r.pay_period_id = $1
           order by position, work_date, entry_id""",
        row["pay_period_id"],
    )
    entries: dict[int, list[PaidEntry]] = {}
    for e in entry_rows:
        values = dict(e)
        entries.setdefault(values.pop("position"), []).append(PaidEntry(**values))
    line_rows = await conn.fetch(
        "select * from pay_lines where pay_period_id = $1 order by position", row["pay_period_id"]
    )
    lines = tuple(
        PayLine(
            position=r["position"],
            employee_number=r["employee_number"],
            kind=LineKind(r["kind"]),
            adjusts_period_start=r["adjusts_period_start"],
            rate_ore_per_hour=r["rate_ore_per_hour"],
            minutes=r["minutes"],
            gross_ore=r["gross_ore"],
            first_work_date=r["first_work_date"],
            last_work_date=r["last_work_date"],
            entries=tuple(entries.get(r["position"], [])),
        )
        for r in line_rows
    )
    employee_rows = await conn.fetch(
        "select * from pay_employees where pay_period_id = $1 order by employee_number", row["pay_period_id"]
    )
    employees = tuple(_employee(r) for r in employee_rows)
    unnumbered = tuple(_blocked_of(b) for b in meta["unnumbered"])
    return meta, PayPlan(period, row["holiday_allowance_basis_points"], employees, lines, unnumbered)


def _employee(r: asyncpg.Record) -> PayEmployee:
    blocked = None if r["blocked"] is None else _blocked_of(r["blocked"])
    return PayEmployee(
        employee_number=r["employee_number"],
        citizen_id=r["citizen_id"],
        minutes=r["minutes"],
        gross_ore=r["gross_ore"],
        holiday_allowance_basis_ore=r["holiday_allowance_basis_ore"],
        holiday_allowance_ore=r["holiday_allowance_ore"],
        atp_minutes=r["atp_minutes"],
        atp_band=r["atp_band"],
        atp_employee_ore=r["atp_employee_ore"],
        atp_employer_ore=r["atp_employer_ore"],
        blocked=blocked,
        unapproved=tuple(
            Unapproved(
                UUID(u["entry_id"]),
                r["employee_number"],
                r["citizen_id"],
                UUID(u["placement_id"]),
                date.fromisoformat(u["work_date"]),
                u["minutes"],
                u["status"],
            )
            for u in r["unapproved"]
        ),
        atp_changes=tuple(
            AtpChange(
                date.fromisoformat(c["period_start"]),
                c["period_label"],
                c["minutes_before"],
                c["minutes_after"],
                c["band_before"],
                c["band_after"],
                c["employee_diff_ore"],
                c["employer_diff_ore"],
            )
            for c in r["atp_changes"]
        ),
    )


async def citizen_name(conn: asyncpg.Connection, citizen_id: UUID) -> str | None:
    """The citizen's name as the placements read model last recorded it (API only: never in exports)."""
    name: str | None = await conn.fetchval(
        "select citizen_name from placements where citizen_id = $1 order by updated_at desc limit 1", citizen_id
    )
    return name


async def wage_change_seq_before(conn: asyncpg.Connection, placement_ids: set[UUID]) -> int:
    """One less than the smallest wage change sequence of ``placement_ids``."""
    value = await conn.fetchval(
        "select min(wage_rates_changed_seq) - 1 from placements where placement_id = any($1::uuid[])",
        list(placement_ids),
    )
    return int(value or 0)
