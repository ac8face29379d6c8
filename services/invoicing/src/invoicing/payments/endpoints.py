"""Payments over HTTP (finance and admin): a bank transfer against an issued invoice, the overdue invoices,
the payment reminders sent (renteloven § 9 b; notifications sends them, this records them).

Problem codes: 403 ``forbidden`` (any other role); 404 ``invoice-not-found``; 409 ``invoice-not-payable``,
``invoice-settled``, ``reminder-before-due``, ``reminder-too-soon``, ``reminder-limit-reached``,
``reminder-fee-not-allowed``; 422
``paid-on-future``, ``paid-on-before-issue``, ``sent-on-future`` and the schemas' rules."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Query, Response

from invoicing.http_params import Settings
from invoicing.payments import service
from invoicing.payments.schemas import (
    AccountOut,
    OverdueListOut,
    OverdueOut,
    PaymentIn,
    PaymentOut,
    PaymentRecordedOut,
    ReminderIn,
    ReminderOut,
    ReminderRecordedOut,
)
from vikar_shared.auth import Principal, Role
from vikar_shared.auth.dependencies import require_roles
from vikar_shared.db import transaction
from vikar_shared.errors import invalid
from vikar_shared.http.deps import DbPool, Now, Today
from vikar_shared.http.idempotency import Idempotency, answer_once
from vikar_shared.http.openapi import problem_responses

router = APIRouter(tags=["payments"])
Finance = Annotated[Principal, Depends(require_roles(Role.FINANCE, Role.ADMIN))]


@router.post(
    "/invoices/{invoice_id}/payments",
    status_code=201,
    response_model=PaymentRecordedOut,
    summary="Record a bank transfer against an issued invoice",
    description="Finance and admin. A part payment leaves the invoice `partially_paid`; payments covering what is "
    "owed make it `paid` (and publish `invoicing.invoice_paid` once); more than owed is `overpaid` with a "
    "negative `outstanding_ore`. A draft or a credit note is 409 `invoice-not-payable` (nothing written). "
    "Safe to retry with an `Idempotency-Key`: the same key and body records the payment once.",
    responses=problem_responses(
        404,
        409,
        422,
        codes={
            404: ["invoice-not-found"],
            409: ["invoice-not-payable", "idempotency-key-in-flight"],
            422: ["paid-on-future", "paid-on-before-issue", "idempotency-key-reused"],
        },
    ),
)
async def record_payment(
    invoice_id: UUID, body: PaymentIn, actor: Finance, pool: DbPool, today: Today, now: Now, idem: Idempotency
) -> PaymentRecordedOut | Response:
    if body.paid_on > today:
        raise invalid("paid_on", "paid-on-future", f"paid_on cannot be after today ({today.isoformat()})")

    async def effect(conn: asyncpg.Connection) -> PaymentRecordedOut:
        payment, account, due_date = await service.record_bank_transfer(
            conn,
            actor,
            invoice_id=invoice_id,
            amount_ore=body.amount_ore,
            paid_on=body.paid_on,
            payer_reference=body.payer_reference,
            now=now,
        )
        return PaymentRecordedOut(
            payment=PaymentOut.of(payment), account=AccountOut.of(account, due_date=due_date, today=today)
        )

    return await answer_once(pool, idem, 201, effect)


@router.get(
    "/invoices/overdue",
    response_model=OverdueListOut,
    summary="Issued invoices still owed past their due date, oldest first",
    description="Finance and admin. Unpaid and partially paid invoices whose due date has passed, by due date: "
    "days overdue, age bucket, outstanding øre, reminders sent and when the next may be sent (renteloven § 9 b).",
)
async def list_overdue(
    actor: Finance,
    pool: DbPool,
    today: Today,
    settings: Settings,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> OverdueListOut:
    async with transaction(pool) as conn:
        found = await service.overdue(conn, actor, today=today, limit=limit, offset=offset)
    policy = settings.payment_reminder_policy()
    return OverdueListOut(items=[OverdueOut.of(item, today, policy) for item in found])


@router.post(
    "/invoices/{invoice_id}/reminders",
    status_code=201,
    response_model=ReminderRecordedOut,
    summary="Record that the next payment reminder of an invoice was sent",
    description="Finance and admin (notifications, once it sends reminders). Renteloven § 9 b, by the same rule as "
    "the reminder schedule (the payment_reminder_* settings): the first only after the due date (409 "
    "`reminder-before-due`), each next not before the invoice's next_reminder_on, at least 10 days after the "
    "previous (`reminder-too-soon`), at most the reminders before collection (`reminder-limit-reached`), a fee of "
    "at most 100 kr (10 000 øre) on the first three only (`reminder-fee-not-allowed`); a "
    "paid, overpaid or credited invoice gets none (`invoice-settled`). Writes a `reminder` history step. Safe "
    "to retry with an `Idempotency-Key`.",
    responses=problem_responses(
        404,
        409,
        422,
        codes={
            404: ["invoice-not-found"],
            409: [
                "invoice-not-payable",
                "invoice-settled",
                "reminder-before-due",
                "reminder-too-soon",
                "reminder-limit-reached",
                "reminder-fee-not-allowed",
                "idempotency-key-in-flight",
            ],
            422: ["sent-on-future", "idempotency-key-reused"],
        },
    ),
)
async def record_reminder(
    invoice_id: UUID,
    body: ReminderIn,
    actor: Finance,
    pool: DbPool,
    today: Today,
    now: Now,
    idem: Idempotency,
    settings: Settings,
) -> ReminderRecordedOut | Response:
    if body.sent_on > today:
        raise invalid("sent_on", "sent-on-future", f"sent_on cannot be after today ({today.isoformat()})")
    policy = settings.payment_reminder_policy()

    async def effect(conn: asyncpg.Connection) -> ReminderRecordedOut:
        reminder, state = await service.record_reminder(
            conn, actor, invoice_id=invoice_id, sent_on=body.sent_on, fee_ore=body.fee_ore, now=now, policy=policy
        )
        return ReminderRecordedOut(reminder=ReminderOut.of(reminder), invoice=OverdueOut.of(state, today, policy))

    return await answer_once(pool, idem, 201, effect)
