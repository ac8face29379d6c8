"""Webhook use cases: endpoints finance registers (secret shown once, stored sealed), deliveries recorded from
invoicing's events, and sending them signed (Standard Webhooks) with retries, a log, replay and disabling.

Problem codes: 404 ``webhook-endpoint-not-found``, ``webhook-delivery-not-found``; 409
``webhook-endpoint-disabled`` (replay to a disabled endpoint); 422 ``webhook-event-types-empty``,
``webhook-event-type-unknown`` and the URL rules of :mod:`notifications.webhooks.addresses`.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg
import httpx
from standardwebhooks.webhooks import Webhook

from notifications.directory import reads as directory
from notifications.emails import service as emails
from notifications.webhooks import repository
from notifications.webhooks.mail import plan_disabled_mails
from notifications.webhooks.models import (
    EVENT_TYPES,
    Attempt,
    Delivery,
    DeliveryStatus,
    DisabledReason,
    Endpoint,
    RetrySchedule,
    secret_context,
)
from vikar_shared.clock import SYSTEM_CLOCK, Clock
from vikar_shared.errors import DomainError, conflict, invalid, not_found
from vikar_shared.events.envelope import Envelope
from vikar_shared.metrics import counter
from vikar_shared.sealing import SealingKeys

log = logging.getLogger(__name__)

DELIVERIES = counter("vikar_webhook_attempts_total", "Webhook delivery attempts", ["outcome"])

SECRET_BYTES = 32
_MAX_ERROR = 500


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def checked_event_types(event_types: Sequence[str]) -> list[str]:
    """The types without repeats, in the given order. 422 ``webhook-event-types-empty`` (none),
    ``webhook-event-type-unknown`` naming ``event_types[i]`` (one not in :data:`EVENT_TYPES`)."""
    if not event_types:
        raise invalid("event_types", "webhook-event-types-empty", "event_types must name at least one event type")
    violations = [
        invalid(
            f"event_types[{i}]", "webhook-event-type-unknown", f"unknown event type; one of {', '.join(EVENT_TYPES)}"
        )
        for i, name in enumerate(event_types)
        if name not in EVENT_TYPES
    ]
    if violations:
        first = violations[0]
        raise DomainError(first.category, first.code, first.detail, [v for e in violations for v in e.violations])
    return list(dict.fromkeys(event_types))


async def register(
    conn: asyncpg.Connection,
    *,
    url: str,
    event_types: Sequence[str],
    description: str | None,
    created_by: str,
    keys: SealingKeys,
    now: datetime,
) -> tuple[Endpoint, str]:
    """A new enabled endpoint and its secret (``whsec_…``, returned here only; stored sealed)."""
    endpoint_id = uuid.uuid4()
    secret = new_secret()
    endpoint = await repository.insert_endpoint(
        conn,
        endpoint_id=endpoint_id,
        url=url,
        description=description,
        event_types=checked_event_types(event_types),
        sealed=keys.seal(secret, context=secret_context(endpoint_id)),
        created_by=created_by,
        now=now,
    )
    return endpoint, secret


async def endpoint(conn: asyncpg.Connection, endpoint_id: uuid.UUID, *, lock: bool = False) -> Endpoint:
    found = await repository.endpoint(conn, endpoint_id, lock=lock)
    if found is None:
        raise not_found("webhook-endpoint")
    return found


async def endpoints(conn: asyncpg.Connection) -> list[Endpoint]:
    return await repository.endpoints(conn)


async def update(
    conn: asyncpg.Connection,
    endpoint_id: uuid.UUID,
    *,
    changes: dict[str, object],
    now: datetime,
) -> Endpoint:
    """Applies ``changes`` (``url``, ``event_types``, ``description``, ``enabled``). Enabling clears the failure
    state (a new failure window starts with the next failure); disabling records ``finance`` as the reason."""
    current = await endpoint(conn, endpoint_id, lock=True)
    columns: dict[str, object] = {}
    if "url" in changes:
        columns["url"] = changes["url"]
    if "description" in changes:
        columns["description"] = changes["description"]
    if "event_types" in changes:
        types = changes["event_types"]
        assert isinstance(types, list)
        columns["event_types"] = checked_event_types(types)
    if "enabled" in changes and changes["enabled"] is not None and changes["enabled"] != current.enabled:
        if changes["enabled"]:
            columns.update(enabled=True, disabled_reason=None, disabled_at=None, failing_since=None)
        else:
            columns.update(enabled=False, disabled_reason=DisabledReason.FINANCE.value, disabled_at=now)
    if not columns:
        return current
    return await repository.update_endpoint(conn, endpoint_id, now, **columns)


async def rotate_secret(
    conn: asyncpg.Connection, endpoint_id: uuid.UUID, *, keys: SealingKeys, now: datetime
) -> tuple[Endpoint, str]:
    """A new secret replaces the old at once (deliveries from now on are signed with it); returned only here."""
    await endpoint(conn, endpoint_id, lock=True)
    secret = new_secret()
    updated = await repository.update_endpoint(
        conn, endpoint_id, now, secret_sealed=keys.seal(secret, context=secret_context(endpoint_id))
    )
    return updated, secret


async def delete(conn: asyncpg.Connection, endpoint_id: uuid.UUID) -> None:
    """Deletes the endpoint with its deliveries and their log. 404 ``webhook-endpoint-not-found``."""
    if not await repository.delete_endpoint(conn, endpoint_id):
        raise not_found("webhook-endpoint")


async def deliveries(
    conn: asyncpg.Connection, endpoint_id: uuid.UUID, status: DeliveryStatus | None, limit: int
) -> list[Delivery]:
    await endpoint(conn, endpoint_id)
    return await repository.deliveries(conn, endpoint_id, status, limit)


async def delivery(conn: asyncpg.Connection, delivery_id: int) -> tuple[Delivery, list[Attempt]]:
    found = await repository.delivery(conn, delivery_id)
    if found is None:
        raise not_found("webhook-delivery")
    return found, await repository.attempts(conn, delivery_id)


async def replay(conn: asyncpg.Connection, delivery_id: int, *, now: datetime) -> tuple[Delivery, list[Attempt]]:
    """Sends the delivery again as soon as the sender gets to it (same ``webhook-id`` and body, a new timestamp
    and signature), with a fresh retry schedule. 409 ``webhook-endpoint-disabled`` when its endpoint is off."""
    found = await repository.delivery(conn, delivery_id, lock=True)
    if found is None:
        raise not_found("webhook-delivery")
    target = await endpoint(conn, found.endpoint_id)
    if not target.enabled:
        raise conflict("webhook-endpoint-disabled", "The delivery's endpoint is disabled: enable it first")
    await repository.make_pending(conn, delivery_id, now)
    return await delivery(conn, delivery_id)


def body_of(envelope: Envelope) -> str:
    """The JSON posted for an event (Standard Webhooks' shape): ``{"type", "version", "timestamp", "data"}`` with
    the event's data as invoicing published it (no CPR: invoicing's events carry none)."""
    return json.dumps(
        {
            "type": envelope.type,
            "version": envelope.version,
            "timestamp": envelope.occurred_at.isoformat(),
            "data": envelope.data,
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )


async def record_deliveries(conn: asyncpg.Connection, envelope: Envelope, *, now: datetime) -> int:
    """One pending delivery per enabled endpoint subscribed to the event's type; returns how many are new."""
    return await repository.insert_deliveries(
        conn, event_id=envelope.id, event_type=envelope.type, body=body_of(envelope), now=now
    )


@dataclass(frozen=True)
class SendPolicy:
    schedule: RetrySchedule
    disable_after: timedelta
    message_id_domain: str


def _outcome(response: httpx.Response) -> str | None:
    """None for a success (2xx); otherwise what went wrong, for the log."""
    if 200 <= response.status_code < 300:
        return None
    if 300 <= response.status_code < 400:
        return f"HTTP {response.status_code}: redirects are not followed"
    return f"HTTP {response.status_code}"


async def deliver_next(
    conn: asyncpg.Connection,
    client: httpx.AsyncClient,
    keys: SealingKeys,
    policy: SendPolicy,
    *,
    clock: Clock,
) -> bool:
    """Claims one due delivery (SKIP LOCKED), POSTs it signed and records the attempt, all in ``conn``'s
    transaction; False when nothing is due. Headers: ``webhook-id`` (the event id: the same on every
    redelivery), ``webhook-timestamp`` (the real time of sending, as receivers check it against theirs),
    ``webhook-signature`` (``v1,`` HMAC-SHA256 over ``id.timestamp.body``)."""
    claimed = await repository.claim_due(conn, clock.now())
    if claimed is None:
        return False
    delivery_, failures, body, url = claimed
    secret = keys.open(
        await repository.sealed_secret(conn, delivery_.endpoint_id), context=secret_context(delivery_.endpoint_id)
    )
    message_id = str(delivery_.event_id)
    sent_at = SYSTEM_CLOCK.now()
    headers = {
        "content-type": "application/json",
        "user-agent": "Vikarmodel-Webhooks/1",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, sent_at, body),
    }
    started = time.monotonic()
    status_code: int | None = None
    try:
        response = await client.post(url, content=body.encode(), headers=headers)
        status_code = response.status_code
        error = _outcome(response)
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    duration_ms = int((time.monotonic() - started) * 1000)
    now = clock.now()
    if error is None:
        DELIVERIES.labels(outcome="delivered").inc()
        await repository.record_attempt(
            conn,
            delivery_.id,
            attempted_at=now,
            status_code=status_code,
            error=None,
            duration_ms=duration_ms,
            status=DeliveryStatus.DELIVERED,
            next_attempt_at=now,
        )
        await repository.endpoint_succeeded(conn, delivery_.endpoint_id, now)
        return True
    error = error[:_MAX_ERROR]
    wait = policy.schedule.after(failures + 1)
    DELIVERIES.labels(outcome="retry" if wait is not None else "failed").inc()
    await repository.record_attempt(
        conn,
        delivery_.id,
        attempted_at=now,
        status_code=status_code,
        error=error,
        duration_ms=duration_ms,
        status=DeliveryStatus.PENDING if wait is not None else DeliveryStatus.FAILED,
        next_attempt_at=now + (wait or timedelta(0)),
    )
    since = await repository.endpoint_failed(conn, delivery_.endpoint_id, now)
    if now - since >= policy.disable_after:
        await _disable_failing(conn, delivery_.endpoint_id, since=since, last_error=error, policy=policy, now=now)
    return True


async def _disable_failing(
    conn: asyncpg.Connection,
    endpoint_id: uuid.UUID,
    *,
    since: datetime,
    last_error: str,
    policy: SendPolicy,
    now: datetime,
) -> None:
    """Disables an endpoint with no success since ``since`` and queues the mail to every active finance member."""
    disabled = await repository.update_endpoint(
        conn, endpoint_id, now, enabled=False, disabled_reason=DisabledReason.FAILING.value, disabled_at=now
    )
    finance = await directory.active_staff(conn, "finance")
    planned = plan_disabled_mails(
        disabled,
        disabled_at=now,
        failing_since=since,
        last_error=last_error,
        recipients=finance,
        message_id_domain=policy.message_id_domain,
    )
    await emails.enqueue(conn, planned)
    log.warning(
        "webhook endpoint %s disabled after failing since %s; %d finance mails queued",
        endpoint_id,
        since.isoformat(),
        len(planned),
    )
