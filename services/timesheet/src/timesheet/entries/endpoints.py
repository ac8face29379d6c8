"""HTTP endpoints for hour entries: each owns its transaction and delegates to the service."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Response, status

from timesheet.entries import service
from timesheet.entries.models import EntryStatus, ProposedEntry
from timesheet.entries.schemas import (
    ApproveRequest,
    CorrectionRequest,
    EntryListOut,
    EntryOut,
    HistoryItemOut,
    HistoryOut,
    RejectRequest,
    ResubmitRequest,
    SubmissionOut,
    SubmitHoursRequest,
)
from vikar_shared.auth.dependencies import CurrentPrincipal, require_roles
from vikar_shared.auth.principal import Principal, Role
from vikar_shared.db import transaction
from vikar_shared.http.deps import DbPool, Today
from vikar_shared.http.idempotency import Idempotency, answer_once, idempotent
from vikar_shared.http.openapi import problem_responses

router = APIRouter(tags=["entries"])

Submitter = Annotated[Principal, Depends(require_roles(Role.CONSULTANT, Role.ADMIN))]
Approver = Annotated[Principal, Depends(require_roles(Role.COMPANY_APPROVER))]


ENTRY_CONFLICT = (
    "The entry is not in a state that allows this (the problem's `entry` member shows it as it is now), "
    "a day already holds a live entry (`work-date-taken`, naming it in `entry` and `entries`), or a request "
    "with the same Idempotency-Key is still in flight (`idempotency-key-in-flight`)"
)
ENTRY_INVALID = (
    "A field breaks a rule; the problem names field and rule (also `idempotency-key-reused` when the "
    "Idempotency-Key was used for another request)"
)
CONFLICTS = {409: ENTRY_CONFLICT, 422: ENTRY_INVALID}


@router.post(
    "/placements/{placement_id}/entries",
    status_code=status.HTTP_201_CREATED,
    response_model=SubmissionOut,
    summary="Submit hours worked on a placement",
    description="One live entry per placement and day: a day that already holds a submitted or approved entry "
    "is 409 `work-date-taken` naming it (change it instead). Safe to retry with an `Idempotency-Key`.",
    responses=problem_responses(401, 403, 404, 409, 422, descriptions=CONFLICTS),
)
async def submit_hours(
    placement_id: UUID, body: SubmitHoursRequest, principal: Submitter, pool: DbPool, today: Today, idem: Idempotency
) -> SubmissionOut | Response:
    proposed = [ProposedEntry(work_date=e.work_date, minutes=e.minutes) for e in body.entries]
    async with idempotent(pool, idem) as run:
        if run.replay is not None:
            return run.replay
        submission = await service.submit_hours(run.conn, principal, placement_id, proposed, today=today)
        out = SubmissionOut.of(submission)
        await run.complete(status.HTTP_201_CREATED, out)
    return out


@router.get(
    "/entries/{entry_id}", response_model=EntryOut, summary="One hour entry", responses=problem_responses(401, 404)
)
async def get_entry(entry_id: UUID, principal: CurrentPrincipal, pool: DbPool) -> EntryOut:
    async with transaction(pool) as conn:
        return EntryOut.of(await service.get_entry(conn, principal, entry_id))


@router.get(
    "/companies/{company_id}/entries",
    response_model=EntryListOut,
    summary="A company's hour entries, by work date and citizen",
    responses=problem_responses(401, 404, 422),
)
async def list_company_entries(
    company_id: UUID, principal: CurrentPrincipal, pool: DbPool, status: EntryStatus | None = None
) -> EntryListOut:
    async with transaction(pool) as conn:
        entries = await service.list_company_entries(conn, principal, company_id, status)
    return EntryListOut(entries=[EntryOut.of(e) for e in entries])


@router.post(
    "/entries/{entry_id}/approve",
    response_model=EntryOut,
    summary="Approve a submitted entry (company approver)",
    responses=problem_responses(401, 403, 404, 409, 422, descriptions=CONFLICTS),
)
async def approve_entry(
    entry_id: UUID, body: ApproveRequest, principal: Approver, pool: DbPool, idem: Idempotency
) -> EntryOut | Response:
    if idem.key is None:
        # Nothing to claim or store: the approval alone, in two statements (see approve_entry_at_once).
        async with pool.acquire() as conn:
            approved = await service.approve_entry_at_once(
                conn,  # type: ignore[arg-type]  # a pool proxy behaves as the Connection it wraps
                principal,
                entry_id,
                expected_version=body.expected_version,
            )
        return EntryOut.of(approved)

    async def effect(conn: asyncpg.Connection) -> EntryOut:
        return EntryOut.of(
            await service.approve_entry(conn, principal, entry_id, expected_version=body.expected_version)
        )

    return await answer_once(pool, idem, status.HTTP_200_OK, effect)


@router.post(
    "/entries/{entry_id}/reject",
    response_model=EntryOut,
    summary="Reject a submitted entry with a reason (company approver)",
    responses=problem_responses(401, 403, 404, 409, 422, descriptions=CONFLICTS),
)
async def reject_entry(
    entry_id: UUID, body: RejectRequest, principal: Approver, pool: DbPool, idem: Idempotency
) -> EntryOut | Response:
    async def effect(conn: asyncpg.Connection) -> EntryOut:
        return EntryOut.of(
            await service.reject_entry(
                conn, principal, entry_id, reason=body.reason, expected_version=body.expected_version
            )
        )

    return await answer_once(pool, idem, status.HTTP_200_OK, effect)


@router.put(
    "/entries/{entry_id}",
    response_model=EntryOut,
    summary="Change a submitted entry, or edit a rejected one and submit it again (consultant, admin)",
    description="A **submitted** entry (not decided yet) is changed in place: new `work_date` and/or `minutes`, "
    "still `submitted` in the same submission, version + 1 (an approval at the old version is 409), history "
    "`changed`, event `timesheet.entry_changed`; `expected_version` is required (422 `expected-version-required`). "
    "Sending its current values changes nothing. A **rejected** entry is submitted again: `submitted`, "
    "version + 1, a new `submission_id` and a new `timesheet.hours_submitted` for the approvers. Either obeys "
    "every rule of a submission (placement active on the day, a rate in force, quarter hours, not in the "
    "future, the citizen's 12-hour day across placements) and one live entry per day (409 `work-date-taken` "
    "naming the other entry). An **approved** entry is 409 `entry-not-editable`: correct it with "
    "`POST /entries/{id}/corrections`. A stale `expected_version` is 409 `entry-version-mismatch` with the "
    "entry as it is now.",
    responses=problem_responses(401, 403, 404, 409, 422, descriptions=CONFLICTS),
)
async def edit_entry(
    entry_id: UUID, body: ResubmitRequest, principal: Submitter, pool: DbPool, today: Today
) -> EntryOut:
    proposed = ProposedEntry(work_date=body.work_date, minutes=body.minutes)
    async with transaction(pool) as conn:
        entry = await service.edit_entry(
            conn, principal, entry_id, proposed, expected_version=body.expected_version, today=today
        )
    return EntryOut.of(entry)


@router.post(
    "/entries/{entry_id}/corrections",
    status_code=status.HTTP_201_CREATED,
    response_model=EntryOut,
    summary="Correct an approved entry with a correction entry that needs approval (consultant, admin)",
    description="The correction carries the signed change (`minutes_delta`) and is `submitted` until an approver "
    "decides it. At most one correction of an entry is open at a time: while one is `submitted`, another is 409 "
    "`correction-open` naming it in `entry` (change it with `PUT /entries/{id}` instead, or wait until it is "
    "decided), so the same correction sent twice is stored once. Safe to retry with an `Idempotency-Key`.",
    responses=problem_responses(401, 403, 404, 409, 422, descriptions=CONFLICTS),
)
async def correct_entry(
    entry_id: UUID, body: CorrectionRequest, principal: Submitter, pool: DbPool, idem: Idempotency
) -> EntryOut | Response:
    async def effect(conn: asyncpg.Connection) -> EntryOut:
        return EntryOut.of(
            await service.correct_entry(conn, principal, entry_id, minutes_delta=body.minutes_delta, reason=body.reason)
        )

    return await answer_once(pool, idem, status.HTTP_201_CREATED, effect)


@router.get(
    "/entries/{entry_id}/history",
    response_model=HistoryOut,
    summary="Every change of an entry and of its corrections, oldest first",
    responses=problem_responses(401, 404),
)
async def entry_history(entry_id: UUID, principal: CurrentPrincipal, pool: DbPool) -> HistoryOut:
    async with transaction(pool) as conn:
        records = await service.entry_history(conn, principal, entry_id)
    return HistoryOut(entry_id=entry_id, history=[HistoryItemOut.of(r) for r in records])
