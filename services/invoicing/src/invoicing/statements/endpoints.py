"""The statements' HTTP surface: statement runs (finance, admin), statement review, regenerate, delete, issue."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response

from invoicing.http_params import Settings
from invoicing.ledger.endpoints import seller_of
from invoicing.statements import service
from invoicing.statements.models import StatementStatus, StatementType
from invoicing.statements.schemas import StatementListOut, StatementOut, StatementRunIn, StatementRunOut
from vikar_shared.auth import Principal, Role
from vikar_shared.auth.dependencies import CurrentPrincipal, require_roles
from vikar_shared.db import transaction
from vikar_shared.http.deps import DbPool, Now, Today
from vikar_shared.http.openapi import problem_responses
from vikar_shared.types.periods import Day

router = APIRouter(tags=["statements"])
Finance = Annotated[Principal, Depends(require_roles(Role.FINANCE, Role.ADMIN))]


@router.post(
    "/statement-runs",
    status_code=201,
    response_model=StatementRunOut,
    responses=problem_responses(422, codes={422: ["statement-run-through-future"]}),
    summary="Statement run: draft a co-financing statement per municipality and ended statement period",
    description="Finance and admin. Drafts every municipality's statement periods (calendar months, or quarters "
    "where the terms say so) that ended on or before `through` and are not stated yet (nothing for an empty "
    "period); late hours go on the first new draft with their original dates; hours taken from an issued "
    "statement and retroactive rate decreases go on correction statements. Idempotent. `through` after today is "
    "422 `statement-run-through-future`.",
)
async def create_run(body: StatementRunIn, actor: Finance, pool: DbPool, today: Today) -> StatementRunOut:
    return StatementRunOut.of(await service.run(pool, actor, body.through, today=today))


@router.get(
    "/statement-runs/{run_id}",
    response_model=StatementRunOut,
    responses=problem_responses(404, codes={404: ["statement-run-not-found"]}),
    summary="A statement run: progress and the drafts it made",
)
async def get_run(run_id: UUID, actor: Finance, pool: DbPool) -> StatementRunOut:
    async with transaction(pool) as conn:
        return StatementRunOut.of(await service.get_run(conn, actor, run_id))


@router.get(
    "/statements",
    response_model=StatementListOut,
    responses=problem_responses(
        403,
        404,
        422,
        codes={403: ["forbidden"], 404: ["municipality-not-found"], 422: ["range-reversed"]},
        descriptions={403: "A company approver: statements are the agency's and the municipality's"},
    ),
    summary="Co-financing statements and correction statements: by municipality, status, type, period",
    description="Agency staff see all; a municipality user only its own municipality's issued ones (drafts are "
    "the agency's: asking for them gives an empty list); a company approver 403. A `municipality_id` the caller "
    "may not see, or that invoicing does not know, is 404 `municipality-not-found`. "
    "`period_from`/`period_to` keep the statement periods overlapping them.",
)
async def list_statements(
    viewer: CurrentPrincipal,
    pool: DbPool,
    municipality_id: Annotated[UUID | None, Query()] = None,
    status: Annotated[Literal["draft", "issued"] | None, Query()] = None,
    document_type: Annotated[Literal["statement", "correction_statement"] | None, Query()] = None,
    period_from: Annotated[Day | None, Query(description="Statement periods ending on or after this day")] = None,
    period_to: Annotated[Day | None, Query(description="Statement periods starting on or before this day")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> StatementListOut:
    async with transaction(pool) as conn:
        found = await service.list_statements(
            conn,
            viewer,
            municipality_id=municipality_id,
            status=None if status is None else StatementStatus(status),
            document_type=None if document_type is None else StatementType(document_type),
            period_from=period_from,
            period_to=period_to,
            limit=limit,
            offset=offset,
        )
    return StatementListOut(items=[StatementOut.of(s) for s in found])


@router.get(
    "/statements/{statement_id}",
    response_model=StatementOut,
    responses=problem_responses(404, codes={404: ["statement-not-found"]}),
    summary="One statement with its lines, totals, VAT and citizen figures",
    description="Agency staff; a municipality user only its own municipality's issued statements (else 404).",
)
async def get_statement(statement_id: UUID, viewer: CurrentPrincipal, pool: DbPool) -> StatementOut:
    async with transaction(pool) as conn:
        return StatementOut.of(await service.get_statement(conn, viewer, statement_id))


@router.post(
    "/statements/{statement_id}/regenerate",
    response_model=StatementOut,
    responses=problem_responses(404, 409, codes={404: ["statement-not-found"], 409: ["statement-issued"]}),
    summary="Redraft a draft statement from the lines and referrals as they are now",
)
async def regenerate_statement(statement_id: UUID, actor: Finance, pool: DbPool) -> StatementOut:
    async with transaction(pool) as conn:
        return StatementOut.of(await service.regenerate(conn, actor, statement_id))


@router.delete(
    "/statements/{statement_id}",
    status_code=204,
    responses=problem_responses(404, 409, codes={404: ["statement-not-found"], 409: ["statement-issued"]}),
    summary="Delete a draft statement; its hours return to the pool (an issued one is never deleted: 409)",
)
async def delete_statement(statement_id: UUID, actor: Finance, pool: DbPool) -> Response:
    async with transaction(pool) as conn:
        await service.delete_draft(conn, actor, statement_id)
    return Response(status_code=204)


@router.post(
    "/statements/{statement_id}/issue",
    response_model=StatementOut,
    responses=problem_responses(
        404,
        409,
        codes={
            404: ["statement-not-found"],
            409: [
                "statement-issued",
                "statement-empty",
                "statement-negative-total",
                "citizen-reference-missing",
                "agreement-terms-incomplete",
                "correction-exceeds-statement",
            ],
        },
    ),
    summary="Issue a draft statement or correction statement: next S-number, frozen, event on Kafka",
    description="Finance and admin. Numbers the draft in the agency's one gap-free statement sequence "
    "(S-YYYY-NNNNNN), freezes the seller, the buyer (name, address, EAN, person reference), VAT and payment means "
    "of the terms in force on the period's last day, and writes `invoicing.statement_issued` "
    "(`invoicing.correction_statement_issued`) in the same transaction. Terms lacking the VAT category, whether "
    "the rate excludes VAT, the payment means and its account, the EAN or the person reference: 409 "
    "`agreement-terms-incomplete`, `errors` naming each field; nothing is written.",
)
async def issue_statement(
    statement_id: UUID, actor: Finance, pool: DbPool, today: Today, now: Now, settings: Settings
) -> StatementOut:
    async with transaction(pool) as conn:
        issued = await service.issue(
            conn,
            actor,
            statement_id,
            today=today,
            now=now,
            seller=seller_of(settings),
            payment_terms_days=settings.statement_payment_terms_days,
        )
    return StatementOut.of(issued)
