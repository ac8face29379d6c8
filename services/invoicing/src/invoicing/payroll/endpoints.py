"""The pay periods' HTTP surface (finance and admins; others 403 ``forbidden``): list, preview, close, wage-basis
exports, one employee. ``{period_start}`` is a date ``YYYY-MM-DD`` (422 ``date-format`` / ``date-out-of-range``)
that must start a pay period (422 ``pay-period-start-invalid``)."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Depends, Path, Query, Response

from invoicing.config import InvoicingSettings
from invoicing.documents.attachment import CSV_MEDIA_TYPE
from invoicing.http_params import Settings
from invoicing.payroll import service
from invoicing.payroll.export import wage_basis_csv, wage_basis_json
from invoicing.payroll.schemas import (
    ClosedSummaryOut,
    EmployeeDetailOut,
    EmployeeOut,
    LineOut,
    PayPeriodListOut,
    PayPeriodOut,
    PeriodOut,
)
from vikar_shared.auth import Principal, Role
from vikar_shared.auth.dependencies import require_roles
from vikar_shared.db import transaction
from vikar_shared.http.deps import DbPool, Now, Today
from vikar_shared.http.idempotency import Idempotency, answer_once
from vikar_shared.http.openapi import problem_responses
from vikar_shared.types.identifiers import EmployeeNumber
from vikar_shared.types.periods import Day

router = APIRouter(tags=["pay-periods"])
Finance = Annotated[Principal, Depends(require_roles(Role.FINANCE, Role.ADMIN))]
PeriodStart = Annotated[Day, Path(description="The pay period's first day, YYYY-MM-DD")]


_START = ["pay-period-start-invalid"]


@router.get(
    "/pay-periods",
    response_model=PayPeriodListOut,
    summary="Closed pay periods, newest first, and the next one to close",
)
async def list_pay_periods(
    actor: Finance,
    pool: DbPool,
    today: Today,
    settings: Settings,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> PayPeriodListOut:
    async with transaction(pool) as conn:
        rows, next_open = await service.list_pay_periods(
            conn, actor, today=today, settings=settings, limit=limit, offset=offset
        )
    return PayPeriodListOut(items=[ClosedSummaryOut.of_row(r) for r in rows], next_open=PeriodOut.of(next_open))


@router.get(
    "/pay-periods/{period_start}",
    response_model=PayPeriodOut,
    summary="A pay period: closed as stored, or open previewed (nothing written)",
    responses=problem_responses(404, 422, codes={404: ["pay-period-not-found"], 422: _START}),
)
async def get_pay_period(period_start: PeriodStart, actor: Finance, pool: DbPool, settings: Settings) -> PayPeriodOut:
    async with transaction(pool) as conn:
        return PayPeriodOut.of_view(await service.pay_period(conn, actor, period_start, settings=settings))


@router.post(
    "/pay-periods/{period_start}/close",
    status_code=201,
    response_model=PayPeriodOut,
    summary="Close a pay period: the wage basis of every employee becomes a fact",
    description="Finance and admin. One transaction: pays every approved entry up to the period's end not paid "
    "before (entries of closed periods as adjustment lines), writes `invoicing.pay_period_closed`. Periods close "
    "in order and only once they have ended. Safe to retry with an `Idempotency-Key`.",
    responses=problem_responses(
        404,
        409,
        422,
        codes={
            404: ["pay-period-not-found"],
            409: ["pay-period-closed", "pay-period-earlier-open", "idempotency-key-in-flight"],
            422: ["pay-period-not-ended", *_START, "idempotency-key-reused"],
        },
    ),
)
async def close_pay_period(
    period_start: PeriodStart,
    actor: Finance,
    pool: DbPool,
    today: Today,
    now: Now,
    settings: Settings,
    idem: Idempotency,
) -> PayPeriodOut | Response:
    async def effect(conn: asyncpg.Connection) -> PayPeriodOut:
        view = await service.close_in(conn, actor, period_start, today=today, now=now, settings=settings)
        return PayPeriodOut.of_view(view)

    return await answer_once(pool, idem, 201, effect)


_EXPORT_PROBLEMS = problem_responses(
    404, 409, 422, codes={404: ["pay-period-not-found"], 409: ["pay-period-open"], 422: _START}
)


async def _export(
    period_start: date, actor: Principal, pool: asyncpg.Pool, settings: InvoicingSettings, csv: bool
) -> Response:
    """The closed period's wage basis as CSV or JSON, a download with its SHA-256 as ``ETag``."""
    async with transaction(pool) as conn:
        view = await service.closed_pay_period(conn, actor, period_start, settings=settings)
    name = "loengrundlag-" + view.plan.period.label.replace("/", "_")
    if csv:
        body, media_type, name = wage_basis_csv(view.meta, list(view.plan.lines)), CSV_MEDIA_TYPE, name + ".csv"
    else:
        document = PayPeriodOut.of_view(view).model_dump(mode="json")
        body, media_type, name = wage_basis_json(document), "application/json", name + ".json"
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "ETag": f'"{hashlib.sha256(body).hexdigest()}"',
            "Cache-Control": "private, no-store",
        },
    )


@router.get(
    "/pay-periods/{period_start}/wage-basis.csv",
    summary="A closed pay period's wage basis as CSV (UTF-8 BOM, `;`, CRLF; one row per employee × rate)",
    response_class=Response,
    responses=_EXPORT_PROBLEMS,
)
async def wage_basis_csv_download(
    period_start: PeriodStart, actor: Finance, pool: DbPool, settings: Settings
) -> Response:
    return await _export(period_start, actor, pool, settings, csv=True)


@router.get(
    "/pay-periods/{period_start}/wage-basis.json",
    summary="A closed pay period's wage basis as JSON: totals, employees (by number) and lines with entries",
    response_class=Response,
    responses=_EXPORT_PROBLEMS,
)
async def wage_basis_json_download(
    period_start: PeriodStart, actor: Finance, pool: DbPool, settings: Settings
) -> Response:
    return await _export(period_start, actor, pool, settings, csv=False)


@router.get(
    "/pay-periods/{period_start}/employees/{employee_number}",
    response_model=EmployeeDetailOut,
    summary="One employee in a pay period (closed or previewed): figures, lines, entries and name",
    responses=problem_responses(404, 422, codes={404: ["employee-not-found", "pay-period-not-found"], 422: _START}),
)
async def get_pay_employee(
    period_start: PeriodStart,
    employee_number: Annotated[EmployeeNumber, Path(description="The employee number, 1..99 999 999")],
    actor: Finance,
    pool: DbPool,
    settings: Settings,
) -> EmployeeDetailOut:
    async with transaction(pool) as conn:
        view, employee, name = await service.employee_in(conn, actor, period_start, employee_number, settings=settings)
    return EmployeeDetailOut(
        period=PeriodOut.of(view.plan.period),
        status="closed" if view.status == "closed" else "open",
        citizen_name=name,
        employee=EmployeeOut.of(employee),
        lines=[LineOut.of(li) for li in view.plan.lines if li.employee_number == employee_number],
    )
