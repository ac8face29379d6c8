"""SQL of the webhook tables (``20261216_40_webhooks.sql``); ``service`` is its one caller."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from notifications.webhooks.models import Attempt, Delivery, DeliveryStatus, DisabledReason, Endpoint
from vikar_shared.sealing import Sealed

_ENDPOINT_COLUMNS = (
    "id, url, description, event_types, enabled, disabled_reason, disabled_at, created_by, created_at, updated_at, "
    "last_success_at, failing_since"
)
_DELIVERY_COLUMNS = (
    "id, endpoint_id, event_id, event_type, status, attempts, next_attempt_at, created_at, delivered_at, "
    "last_status_code, last_error"
)


def _endpoint(row: asyncpg.Record) -> Endpoint:
    return Endpoint(
        id=row["id"],
        url=row["url"],
        description=row["description"],
        event_types=tuple(row["event_types"]),
        enabled=row["enabled"],
        disabled_reason=DisabledReason(row["disabled_reason"]) if row["disabled_reason"] else None,
        disabled_at=row["disabled_at"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        last_success_at=row["last_success_at"],
        failing_since=row["failing_since"],
    )


def _delivery(row: asyncpg.Record) -> Delivery:
    return Delivery(
        id=row["id"],
        endpoint_id=row["endpoint_id"],
        event_id=row["event_id"],
        event_type=row["event_type"],
        status=DeliveryStatus(row["status"]),
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        created_at=row["created_at"],
        delivered_at=row["delivered_at"],
        last_status_code=row["last_status_code"],
        last_error=row["last_error"],
    )


async def insert_endpoint(
    conn: asyncpg.Connection,
    *,
    endpoint_id: uuid.UUID,
    url: str,
    description: str | None,
    event_types: Sequence[str],
    sealed: Sealed,
    created_by: str,
    now: datetime,
) -> Endpoint:
    row = await conn.fetchrow(
        "insert into webhook_endpoints (id, url, description, event_types, secret_sealed, created_by, created_at,"
        f" updated_at) values ($1, $2, $3, $4, $5::jsonb, $6, $7, $7) returning {_ENDPOINT_COLUMNS}",
        endpoint_id,
        url,
        description,
        list(event_types),
        sealed.model_dump_json(),
        created_by,
        now,
    )
    assert row is not None
    return _endpoint(row)


async def endpoint(conn: asyncpg.Connection, endpoint_id: uuid.UUID, *, lock: bool = False) -> Endpoint | None:
    row = await conn.fetchrow(
        f"select {_ENDPOINT_COLUMNS} from webhook_endpoints where id = $1" + (" for update" if lock else ""),
        endpoint_id,
    )
    return _endpoint(row) if row else None


async def endpoints(conn: asyncpg.Connection) -> list[Endpoint]:
    rows = await conn.fetch(f"select {_ENDPOINT_COLUMNS} from webhook_endpoints order by created_at, id")
    return [_endpoint(r) for r in rows]


async def sealed_secret(conn: asyncpg.Connection, endpoint_id: uuid.UUID) -> Sealed:
    raw = await conn.fetchval("select secret_sealed from webhook_endpoints where id = $1", endpoint_id)
    return Sealed.model_validate(json.loads(raw) if isinstance(raw, str) else raw)


async def update_endpoint(conn: asyncpg.Connection, endpoint_id: uuid.UUID, now: datetime, **changes: Any) -> Endpoint:
    """Sets ``changes`` (column → value; ``secret_sealed`` as a Sealed) and ``updated_at``."""
    columns: list[str] = []
    values: list[Any] = []
    for column, value in changes.items():
        values.append(value.model_dump_json() if isinstance(value, Sealed) else value)
        cast = "::jsonb" if isinstance(value, Sealed) else ""
        columns.append(f"{column} = ${len(values) + 2}{cast}")
    row = await conn.fetchrow(
        f"update webhook_endpoints set updated_at = $2{''.join(', ' + c for c in columns)} where id = $1 "
        f"returning {_ENDPOINT_COLUMNS}",
        endpoint_id,
        now,
        *values,
    )
    assert row is not None
    return _endpoint(row)


async def delete_endpoint(conn: asyncpg.Connection, endpoint_id: uuid.UUID) -> bool:
    return await conn.fetchval("delete from webhook_endpoints where id = $1 returning true", endpoint_id) is not None


async def insert_deliveries(
    conn: asyncpg.Connection, *, event_id: uuid.UUID, event_type: str, body: str, now: datetime
) -> int:
    """One pending delivery per endpoint subscribed to ``event_type``, enabled or not: a disabled endpoint's wait
    and go out once it is enabled again (the sender takes enabled endpoints' only), so no event is lost to a
    finance system while its endpoint is paused. An existing one is left alone."""
    result: str = await conn.execute(
        "insert into webhook_deliveries (endpoint_id, event_id, event_type, body, next_attempt_at, created_at) "
        "select id, $1, $2, $3, $4, $4 from webhook_endpoints where $2 = any(event_types) "
        "on conflict (endpoint_id, event_id) do nothing",
        event_id,
        event_type,
        body,
        now,
    )
    return int(result.rsplit(" ", 1)[-1])


async def claim_due(conn: asyncpg.Connection, now: datetime) -> tuple[Delivery, int, str, str] | None:
    """The oldest due pending delivery of an enabled endpoint, locked (SKIP LOCKED: replicas take others), with
    its failures since the last success or replay, its body and the endpoint's URL."""
    row = await conn.fetchrow(
        f"select {', '.join('d.' + c.strip() for c in _DELIVERY_COLUMNS.split(','))}, d.failures, d.body, e.url "
        "from webhook_deliveries d join webhook_endpoints e on e.id = d.endpoint_id "
        "where d.status = 'pending' and d.next_attempt_at <= $1 and e.enabled "
        "order by d.next_attempt_at, d.id limit 1 for update of d skip locked",
        now,
    )
    if row is None:
        return None
    return _delivery(row), row["failures"], row["body"], row["url"]


async def record_attempt(
    conn: asyncpg.Connection,
    delivery_id: int,
    *,
    attempted_at: datetime,
    status_code: int | None,
    error: str | None,
    duration_ms: int,
    status: DeliveryStatus,
    next_attempt_at: datetime,
) -> None:
    await conn.execute(
        "insert into webhook_attempts (delivery_id, attempted_at, status_code, error, duration_ms) "
        "values ($1, $2, $3, $4, $5)",
        delivery_id,
        attempted_at,
        status_code,
        error,
        duration_ms,
    )
    await conn.execute(
        "update webhook_deliveries set attempts = attempts + 1, status = $2, next_attempt_at = $3, "
        "last_status_code = $4, last_error = $5, "
        "failures = case when $2 = 'delivered' then 0 else failures + 1 end, "
        "delivered_at = case when $2 = 'delivered' then $6 else delivered_at end where id = $1",
        delivery_id,
        status.value,
        next_attempt_at,
        status_code,
        error,
        attempted_at,
    )


async def endpoint_succeeded(conn: asyncpg.Connection, endpoint_id: uuid.UUID, now: datetime) -> None:
    await conn.execute(
        "update webhook_endpoints set last_success_at = $2, failing_since = null where id = $1", endpoint_id, now
    )


async def endpoint_failed(conn: asyncpg.Connection, endpoint_id: uuid.UUID, now: datetime) -> datetime:
    """Marks the start of the failure (if not failing yet); returns since when it fails."""
    since: datetime = await conn.fetchval(
        "update webhook_endpoints set failing_since = coalesce(failing_since, $2) where id = $1 "
        "returning failing_since",
        endpoint_id,
        now,
    )
    return since


async def deliveries(
    conn: asyncpg.Connection, endpoint_id: uuid.UUID, status: DeliveryStatus | None, limit: int
) -> list[Delivery]:
    rows = await conn.fetch(
        f"select {_DELIVERY_COLUMNS} from webhook_deliveries where endpoint_id = $1 "
        "and ($2::text is null or status = $2) order by id desc limit $3",
        endpoint_id,
        status.value if status else None,
        limit,
    )
    return [_delivery(r) for r in rows]


async def delivery(conn: asyncpg.Connection, delivery_id: int, *, lock: bool = False) -> Delivery | None:
    row = await conn.fetchrow(
        f"select {_DELIVERY_COLUMNS} from webhook_deliveries where id = $1" + (" for update" if lock else ""),
        delivery_id,
    )
    return _delivery(row) if row else None


async def attempts(conn: asyncpg.Connection, delivery_id: int) -> list[Attempt]:
    rows = await conn.fetch(
        "select attempted_at, status_code, error, duration_ms from webhook_attempts where delivery_id = $1 order by id",
        delivery_id,
    )
    return [Attempt(r["attempted_at"], r["status_code"], r["error"], r["duration_ms"]) for r in rows]


async def make_pending(conn: asyncpg.Connection, delivery_id: int, now: datetime) -> None:
    await conn.execute(
        "update webhook_deliveries set status = 'pending', failures = 0, next_attempt_at = $2 where id = $1",
        delivery_id,
        now,
    )
