"""Webhook endpoints and their deliveries over HTTP: finance registers, changes, disables, deletes and replays;
admins may read. Every webhook is agency-wide (no object belongs to one finance member), so the role is the check.

Problem codes: 401 (no or a bad token), 403 ``forbidden`` (any other role; an admin writing); 404
``webhook-endpoint-not-found``, ``webhook-delivery-not-found``; 409 ``webhook-endpoint-disabled``; 422
``webhook-url-invalid``, ``webhook-url-not-https``, ``webhook-url-private``, ``webhook-event-types-empty``,
``webhook-event-type-unknown``, ``webhook-delivery-id-format``, ``webhook-delivery-id-range`` and the schemas' rules.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BeforeValidator

from notifications.config import NotificationsSettings
from notifications.webhooks import service
from notifications.webhooks.addresses import check_resolved, check_url
from notifications.webhooks.models import DeliveryStatus
from notifications.webhooks.schemas import (
    DeliveryDetail,
    DeliveryList,
    DeliveryOut,
    EndpointIn,
    EndpointList,
    EndpointOut,
    EndpointPatch,
    EndpointWithSecret,
)
from notifications.webhooks.sender import resolver_of
from vikar_shared.auth.dependencies import require_roles
from vikar_shared.auth.principal import Principal, Role
from vikar_shared.db import transaction
from vikar_shared.errors import DomainError
from vikar_shared.http.deps import DbPool, Now
from vikar_shared.http.idempotency import Idempotency, idempotent
from vikar_shared.http.openapi import problem_responses
from vikar_shared.types.identifiers import whole_number_check, whole_number_schema
from vikar_shared.types.numbers import MAX_LIMIT, PG_BIGINT_MAX, Limit

router = APIRouter(tags=["webhooks"])

Finance = Annotated[Principal, Depends(require_roles(Role.FINANCE))]
Reader = Annotated[Principal, Depends(require_roles(Role.FINANCE, Role.ADMIN))]
DeliveryId = Annotated[
    int,
    BeforeValidator(whole_number_check("webhook-delivery-id", PG_BIGINT_MAX, "A delivery id")),
    whole_number_schema(PG_BIGINT_MAX),
]
_URL_CODES = ["webhook-url-invalid", "webhook-url-not-https", "webhook-url-private"]
_TYPE_CODES = ["webhook-event-types-empty", "webhook-event-type-unknown"]


async def _checked_url(request: Request, url: str) -> None:
    settings: NotificationsSettings = request.app.state.settings
    allow = settings.webhooks_allow_insecure_urls()
    parsed = check_url(url, allow_insecure=allow)
    await check_resolved(parsed, resolver_of(request.app), allow_insecure=allow)


async def _all_checked(request: Request, url: str | None, event_types: list[str] | None) -> None:
    """Checks the URL and the event types, answering every violation in one 422 (nothing written)."""
    errors: list[DomainError] = []
    if url is not None:
        try:
            await _checked_url(request, url)
        except DomainError as exc:
            errors.append(exc)
    if event_types is not None:
        try:
            service.checked_event_types(event_types)
        except DomainError as exc:
            errors.append(exc)
    if errors:
        first = errors[0]
        raise DomainError(first.category, first.code, first.detail, [v for e in errors for v in e.violations])


@router.post(
    "/webhook-endpoints",
    status_code=201,
    response_model=EndpointWithSecret,
    summary="Register a webhook endpoint (finance); the signing secret is shown once",
    description="Finance only. Events of the chosen types are POSTed signed by the Standard Webhooks convention "
    "(`webhook-id` = the event id, `webhook-timestamp`, `webhook-signature` `v1,` HMAC-SHA256 over "
    "`id.timestamp.body` with the secret). The answer carries the secret (`whsec_…`) **only this once**; it is "
    "stored sealed. Safe to retry with an `Idempotency-Key` (a replayed answer has `secret: null`: rotate it).",
    responses=problem_responses(
        409, 422, codes={409: ["idempotency-key-in-flight"], 422: [*_URL_CODES, *_TYPE_CODES, "idempotency-key-reused"]}
    ),
)
async def register_endpoint(
    body: EndpointIn, actor: Finance, pool: DbPool, now: Now, idem: Idempotency, request: Request
) -> EndpointWithSecret | Response:
    await _all_checked(request, body.url, body.event_types)
    settings: NotificationsSettings = request.app.state.settings
    async with idempotent(pool, idem) as run:
        if run.replay is not None:
            return run.replay
        endpoint, secret = await service.register(
            run.conn,
            url=body.url,
            event_types=body.event_types,
            description=body.description,
            created_by=actor.subject,
            keys=settings.webhook_sealer(),
            now=now,
        )
        # The stored answer (for a replay) never holds the secret.
        await run.complete(201, EndpointWithSecret.with_secret(endpoint, None))
    return EndpointWithSecret.with_secret(endpoint, secret)


@router.get("/webhook-endpoints", response_model=EndpointList, summary="The webhook endpoints (finance, admin)")
async def list_endpoints(_: Reader, pool: DbPool) -> EndpointList:
    async with transaction(pool) as conn:
        found = await service.endpoints(conn)
    return EndpointList(items=[EndpointOut.of(e) for e in found])


@router.get(
    "/webhook-endpoints/{endpoint_id}",
    response_model=EndpointOut,
    summary="One webhook endpoint (finance, admin)",
    responses=problem_responses(404, codes={404: ["webhook-endpoint-not-found"]}),
)
async def get_endpoint(endpoint_id: uuid.UUID, _: Reader, pool: DbPool) -> EndpointOut:
    async with transaction(pool) as conn:
        return EndpointOut.of(await service.endpoint(conn, endpoint_id))


@router.patch(
    "/webhook-endpoints/{endpoint_id}",
    response_model=EndpointOut,
    summary="Change a webhook endpoint: url, event types, description, enabled (finance)",
    description="Finance only. Only the fields given change. `enabled: false` stops deliveries (they wait); "
    "`enabled: true` sends what waits and starts a fresh failure window.",
    responses=problem_responses(
        404, 422, codes={404: ["webhook-endpoint-not-found"], 422: [*_URL_CODES, *_TYPE_CODES]}
    ),
)
async def update_endpoint(
    endpoint_id: uuid.UUID, body: EndpointPatch, _: Finance, pool: DbPool, now: Now, request: Request
) -> EndpointOut:
    given = body.model_fields_set
    await _all_checked(
        request, body.url if "url" in given else None, body.event_types if "event_types" in given else None
    )
    changes = {name: getattr(body, name) for name in given}
    async with transaction(pool) as conn:
        return EndpointOut.of(await service.update(conn, endpoint_id, changes=changes, now=now))


@router.delete(
    "/webhook-endpoints/{endpoint_id}",
    status_code=204,
    summary="Delete a webhook endpoint with its deliveries and their log (finance)",
    responses=problem_responses(404, codes={404: ["webhook-endpoint-not-found"]}),
)
async def delete_endpoint(endpoint_id: uuid.UUID, _: Finance, pool: DbPool) -> Response:
    async with transaction(pool) as conn:
        await service.delete(conn, endpoint_id)
    return Response(status_code=204)


@router.post(
    "/webhook-endpoints/{endpoint_id}/rotate-secret",
    response_model=EndpointWithSecret,
    summary="Replace the endpoint's signing secret; the new one is shown once (finance)",
    description="Finance only. Deliveries from now on are signed with the new secret. Not idempotent by key: "
    "each call makes a new secret.",
    responses=problem_responses(404, codes={404: ["webhook-endpoint-not-found"]}),
)
async def rotate_secret(
    endpoint_id: uuid.UUID, _: Finance, pool: DbPool, now: Now, request: Request
) -> EndpointWithSecret:
    settings: NotificationsSettings = request.app.state.settings
    async with transaction(pool) as conn:
        endpoint, secret = await service.rotate_secret(conn, endpoint_id, keys=settings.webhook_sealer(), now=now)
    return EndpointWithSecret.with_secret(endpoint, secret)


@router.get(
    "/webhook-endpoints/{endpoint_id}/deliveries",
    response_model=DeliveryList,
    summary="An endpoint's deliveries, newest first (finance, admin)",
    responses=problem_responses(404, codes={404: ["webhook-endpoint-not-found"]}),
)
async def list_deliveries(
    endpoint_id: uuid.UUID,
    _: Reader,
    pool: DbPool,
    status: Annotated[DeliveryStatus | None, Query(description="Only deliveries in this state")] = None,
    limit: Annotated[Limit, Query(description=f"Most deliveries to list, 1..{MAX_LIMIT}")] = 100,
) -> DeliveryList:
    async with transaction(pool) as conn:
        found = await service.deliveries(conn, endpoint_id, status, limit)
    return DeliveryList(items=[DeliveryOut.of(d) for d in found])


@router.get(
    "/webhook-deliveries/{delivery_id}",
    response_model=DeliveryDetail,
    summary="One delivery with its log of attempts (finance, admin)",
    responses=problem_responses(404, codes={404: ["webhook-delivery-not-found"]}),
)
async def get_delivery(delivery_id: Annotated[DeliveryId, Path()], _: Reader, pool: DbPool) -> DeliveryDetail:
    async with transaction(pool) as conn:
        found, attempts = await service.delivery(conn, delivery_id)
    return DeliveryDetail.detail(found, attempts)


@router.post(
    "/webhook-deliveries/{delivery_id}/replay",
    status_code=202,
    response_model=DeliveryDetail,
    summary="Send a delivery again (finance)",
    description="Finance only. The sender posts it again soon: the same `webhook-id` and body, a new timestamp "
    "and signature, a fresh retry schedule. Replaying twice before it is sent sends it once.",
    responses=problem_responses(
        404, 409, codes={404: ["webhook-delivery-not-found"], 409: ["webhook-endpoint-disabled"]}
    ),
)
async def replay_delivery(
    delivery_id: Annotated[DeliveryId, Path()], _: Finance, pool: DbPool, now: Now
) -> DeliveryDetail:
    async with transaction(pool) as conn:
        found, attempts = await service.replay(conn, delivery_id, now=now)
    return DeliveryDetail.detail(found, attempts)
