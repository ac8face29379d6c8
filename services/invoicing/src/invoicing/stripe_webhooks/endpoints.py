"""Stripe webhooks over HTTP: Stripe's deliveries (authenticated by their signature, not a bearer token) and
finance's list of the events stored (flagged ones first of all).

``POST /stripe/webhook`` is public through the one origin as ``/api/invoicing/stripe/webhook``: the address
to give Stripe (Dashboard → Developers → Webhooks) with the events ``invoice.finalized``, ``invoice.paid``,
``invoice.payment_failed``, ``invoice.voided``, ``invoice.marked_uncollectible``, ``credit_note.created``;
the endpoint's signing secret goes in ``INVOICING_STRIPE_WEBHOOK_SECRET``."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Security
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, Field

from invoicing.http_params import Settings
from invoicing.stripe_webhooks import service
from invoicing.stripe_webhooks.repository import InboxRow
from vikar_shared.auth import Principal, Role
from vikar_shared.auth.dependencies import require_roles
from vikar_shared.db import transaction
from vikar_shared.http.deps import DbPool, Now
from vikar_shared.http.openapi import problem_responses
from vikar_shared.http.problems import problem

router = APIRouter(tags=["stripe"])
Finance = Annotated[Principal, Depends(require_roles(Role.FINANCE, Role.ADMIN))]
# The largest body taken (the one origin's own limit): a Stripe event is a few kB.
MAX_BODY_BYTES = 1024 * 1024
SIGNATURE_CODES = [service.SIGNATURE_INVALID, service.PAYLOAD_INVALID]
# The webhook's authentication, as the OpenAPI document states it (security scheme ``StripeSignature``).
_stripe_signature = APIKeyHeader(
    name="Stripe-Signature",
    scheme_name="StripeSignature",
    description='Stripe\'s signature of the raw body: t=<unix seconds>,v1=<HMAC-SHA256 hex of "t.body" with the '
    "endpoint's signing secret> (https://docs.stripe.com/webhooks#verify-manually)",
    auto_error=False,
)


class WebhookAck(BaseModel):
    """What Stripe is answered: the event's id and whether this delivery stored it (false: stored before)."""

    event_id: str
    stored: bool


class WebhookEventOut(BaseModel):
    """One stored Stripe event as finance sees it (no payload: it may name the customer)."""

    event_id: str = Field(description="Stripe's event id, evt_...")
    event_type: str = Field(description="e.g. invoice.paid")
    stripe_object_id: str | None = Field(description="The Stripe object it is about (in_..., cn_...)")
    stripe_created_at: datetime
    received_at: datetime
    state: str = Field(description="received | processed | ignored | flagged")
    outcome: str | None = Field(
        description="What processing found, e.g. unknown-invoice, foreign-credit-note, foreign-stripe-invoice"
    )
    invoice_id: UUID | None
    invoice_number: str | None
    attempts: int
    last_error: str | None = Field(description="The class of the last error (and a domain error's code)")
    processed_at: datetime | None

    @classmethod
    def of(cls, row: InboxRow) -> WebhookEventOut:
        return cls.model_validate({**dataclasses.asdict(row), "state": row.state.value})


class WebhookEventListOut(BaseModel):
    items: list[WebhookEventOut]


async def _body(request: Request) -> bytes | None:
    """The raw body, or None when it is larger than :data:`MAX_BODY_BYTES` (read no further)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(
    "/stripe/webhook",
    response_model=WebhookAck,
    summary="Stripe's webhook: stores each signed event once, processed later",
    description="Authenticated by the `Stripe-Signature` header (no bearer token): an HMAC-SHA256 of the raw "
    "body with the endpoint's signing secret (stripe-python verifies it), timestamped at most 300 s before or "
    "after the service's clock. A missing, malformed, wrong, old or future signature (any header value that is "
    "not one) is 400 `webhook-signature-invalid` and nothing is stored; a signed body that is not a Stripe event "
    "storable as jsonb (no NaN/Infinity, no lone surrogate, no NUL) is 400 `webhook-payload-invalid`; a body "
    "over 1 MiB is 413 `body-too-large`. "
    "A good delivery is stored in the inbox keyed by its event id and answered 200 at once (`stored` false when "
    "the same event was delivered before: nothing is stored twice); the worker processes it afterwards.",
    responses={
        **problem_responses(400, 413, codes={400: SIGNATURE_CODES, 413: ["body-too-large"]}),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "A Stripe event as Stripe sends it (https://docs.stripe.com/api/events/object)",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
async def stripe_webhook(
    request: Request,
    pool: DbPool,
    settings: Settings,
    now: Now,
    stripe_signature: Annotated[str | None, Security(_stripe_signature)] = None,
) -> WebhookAck | JSONResponse:
    payload = await _body(request)
    if payload is None:
        return problem(413, "body-too-large", "payload-too-large", f"The body is larger than {MAX_BODY_BYTES} bytes")
    try:
        event, stored_payload = service.verified_event(
            payload,
            stripe_signature,
            secret=settings.stripe_webhook_secret.get_secret_value(),
            tolerance=settings.stripe_webhook_tolerance_seconds,
            now=now,
        )
    except service.WebhookRejectedError as rejected:
        errors = [{"field": rejected.field, "rule": rejected.rule, "message": rejected.detail}]
        return problem(400, rejected.code, "bad-request", rejected.detail, errors)
    async with transaction(pool) as conn:
        stored = await service.receive(conn, event, stored_payload)
    return WebhookAck(event_id=event.event_id, stored=stored)


@router.get(
    "/stripe/webhook-events",
    response_model=WebhookEventListOut,
    summary="Stripe's webhook events as stored, e.g. those flagged for finance",
    description="Finance and admin. Newest first. `flagged=true`: only the events finance must look at "
    "(`outcome` says why: `unknown-invoice`, an event about an invoice we do not know; `foreign-credit-note`, a "
    "credit note made in Stripe, not by us; `foreign-stripe-invoice`, an event about a Stripe invoice other than "
    "the one our invoice was carried by (its metadata names our invoice: nothing is booked from it); "
    "`currency-mismatch`; `error`, with the error's class in "
    "`last_error`); `flagged=false`: the others; absent: all.",
)
async def list_webhook_events(
    viewer: Finance,
    pool: DbPool,
    flagged: Annotated[bool | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> WebhookEventListOut:
    async with transaction(pool) as conn:
        rows = await service.list_events(conn, viewer, flagged=flagged, limit=limit, offset=offset)
    return WebhookEventListOut(items=[WebhookEventOut.of(r) for r in rows])
