"""``Idempotency-Key`` on creating requests, with the semantics of the IETF httpapi draft
(draft-ietf-httpapi-idempotency-key-header):

- the first request with a key runs; its response (status, body, location) is stored **in the same
  database transaction as its effects**, so either both are committed or neither is;
- the same key again with the same fingerprint (method, path and body; JSON bodies canonicalised)
  replays the stored response, status and body, with ``Idempotent-Replayed: true``;
- the same key with another fingerprint is a 422 problem+json (``idempotency-key-reused``);
- a request whose key is still in flight (its transaction not yet ended) is a 409 problem+json
  (``idempotency-key-in-flight``) at once, never a wait;
- a request that fails (any error, so its transaction rolls back) stores nothing: the key stays free and
  a retry runs again;
- keys are scoped to the caller (a digest of role, subject, company and municipality; a portal session
  acts as its approver) and kept at least ``idempotency_retention_hours`` (24 h minimum); the purge
  task deletes older ones, and an older key found before the purge ran counts as unused.

Use ``return await answer_once(pool, idem, 201, lambda conn: service.create(conn, ...))``, or where the
answer takes more than one call::

    async with idempotent(pool, idem) as run:
        if run.replay is not None:
            return run.replay
        ... effects on run.conn ...
        out = Model(...)
        await run.complete(201, out)
    return out

The key itself is at most 255 visible ASCII characters (a structured-field string in quotes is also
accepted, its quotes dropped); anything else is a 422 naming the header.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import asyncpg
from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response

from vikar_shared.auth.dependencies import CurrentPrincipal
from vikar_shared.auth.principal import Principal
from vikar_shared.db import transaction
from vikar_shared.errors import conflict, invalid

if TYPE_CHECKING:
    from fastapi import FastAPI

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
MIN_RETENTION = timedelta(hours=24)
PURGE_INTERVAL_SECONDS = 3600.0
_REPLAYED_HEADERS = ("content-type", "location")
HEADER_DESCRIPTION = (
    "Makes the request safe to retry (IETF httpapi Idempotency-Key draft): the same key with the same "
    "method, path and body replays the first response (status and body, header `Idempotent-Replayed: true`); "
    "the same key with another body is 422 `idempotency-key-reused`; a key still in flight is 409 "
    "`idempotency-key-in-flight`. Keys are per caller, kept at least 24 hours; at most 255 visible ASCII "
    "characters, e.g. a UUID."
)


@dataclass(frozen=True)
class IdempotencyRequest:
    """What one request brings: its key (None without the header), the caller's scope, its fingerprint."""

    key: str | None
    scope: str
    fingerprint: str
    retention: timedelta = MIN_RETENTION

    @property
    def lock_id(self) -> int:
        digest = hashlib.sha256(f"idempotency\x1f{self.scope}\x1f{self.key}".encode()).digest()
        return int.from_bytes(digest[:8], "big", signed=True)


def caller_scope(principal: Principal) -> str:
    """A digest of who is calling, so one caller's keys never meet another's (and no identity is stored)."""
    parts = [principal.role.value, principal.subject, str(principal.company_id), str(principal.municipality_id)]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def parse_key(raw: str | None) -> str | None:
    """The key as given (sf-string quotes dropped); 422 ``idempotency-key-invalid`` when unusable."""
    if raw is None:
        return None
    text = raw.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    if not 1 <= len(text) <= MAX_KEY_LENGTH or not all("\x21" <= c <= "\x7e" for c in text):
        raise invalid(
            HEADER,
            "idempotency-key-invalid",
            f"{HEADER} must be 1 to {MAX_KEY_LENGTH} visible ASCII characters (for example a UUID)",
        )
    return text


def fingerprint(method: str, path: str, body: bytes) -> str:
    """sha256 over method, path and body; a JSON body is canonicalised (key order, spacing) first."""
    canonical = body
    with contextlib.suppress(ValueError, RecursionError, UnicodeDecodeError):
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), canonical):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def retention_of(request: Request) -> timedelta:
    hours = getattr(request.app.state.settings, "idempotency_retention_hours", 24)
    return max(MIN_RETENTION, timedelta(hours=hours))


async def request_for(
    request: Request, principal: Principal, raw_key: str | None, *, body: bytes | None = None
) -> IdempotencyRequest:
    """Builds the idempotency request for any caller (the portal passes its session's principal, and
    the form it already parsed as ``body``, since a parsed form's stream cannot be read again)."""
    key = parse_key(raw_key)
    if key is None:
        # Without a key nothing is claimed or stored: no scope or fingerprint to compute.
        return IdempotencyRequest(key=None, scope="", fingerprint="")
    if body is None:
        body = await request.body()
    return IdempotencyRequest(
        key=key,
        scope=caller_scope(principal),
        fingerprint=fingerprint(request.method, request.url.path, body),
        retention=retention_of(request),
    )


async def _from_header(
    request: Request,
    principal: CurrentPrincipal,
    idempotency_key: Annotated[str | None, Header(alias=HEADER, description=HEADER_DESCRIPTION)] = None,
) -> IdempotencyRequest:
    return await request_for(request, principal, idempotency_key)


Idempotency = Annotated[IdempotencyRequest, Depends(_from_header)]
"""The endpoint dependency: documents the header in the route's OpenAPI and reads it."""


@dataclass
class IdempotentRun:
    """One request's transaction: ``replay`` is set when the key was used before with the same body."""

    conn: asyncpg.Connection
    request: IdempotencyRequest
    replay: Response | None = None
    completed: bool = field(default=False)

    async def complete(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        """Stores the JSON response ``body`` (a model or anything JSON-encodable) with the effects."""
        if self.request.key is None:
            self.completed = True  # nothing to store: spare the encoding
            return
        content = json.dumps(jsonable_encoder(body), separators=(",", ":")).encode()
        await self._store(status, content, {"content-type": "application/json", **(headers or {})})

    async def complete_response(self, response: Response) -> None:
        """Stores a response as built (the portal's 303 redirects)."""
        headers = {k: v for k, v in response.headers.items() if k.lower() in _REPLAYED_HEADERS}
        await self._store(response.status_code, bytes(response.body), headers)

    async def _store(self, status: int, content: bytes, headers: dict[str, str]) -> None:
        self.completed = True
        if self.request.key is None:
            return
        await self.conn.execute(
            """insert into idempotency_keys (scope, key, fingerprint, status, body, headers)
               values ($1, $2, $3, $4, $5, $6)
               on conflict (scope, key) do update
               set fingerprint = excluded.fingerprint, status = excluded.status, body = excluded.body,
                   headers = excluded.headers, created_at = now()""",
            self.request.scope,
            self.request.key,
            self.request.fingerprint,
            status,
            content,
            headers,
        )


async def _claim(conn: asyncpg.Connection, request: IdempotencyRequest) -> Response | None:
    """Takes the key for this transaction, or answers from what an earlier request stored."""
    if not await conn.fetchval("select pg_try_advisory_xact_lock($1)", request.lock_id):
        raise conflict(
            "idempotency-key-in-flight",
            f"A request with this {HEADER} is still being processed; retry once it has finished",
        )
    # Read after the lock: a request that held it has committed (or rolled back) by now.
    row = await conn.fetchrow(
        """select fingerprint, status, body, headers, created_at < now() - $3::interval as expired
           from idempotency_keys where scope = $1 and key = $2""",
        request.scope,
        request.key,
        request.retention,
    )
    if row is None or row["expired"]:
        return None
    if row["fingerprint"] != request.fingerprint:
        raise invalid(
            HEADER,
            "idempotency-key-reused",
            f"This {HEADER} was used for a different request (method, path or body); use a new key",
        )
    headers: dict[str, str] = {**row["headers"], REPLAYED_HEADER: "true"}
    return Response(content=bytes(row["body"]), status_code=row["status"], headers=headers)


async def claim(conn: asyncpg.Connection, request: IdempotencyRequest) -> IdempotentRun:
    """Inside the caller's transaction (which must also hold the effects): takes the key, or sets
    ``replay``. Errors: 409 ``idempotency-key-in-flight``, 422 ``idempotency-key-reused``."""
    replay = await _claim(conn, request) if request.key is not None else None
    return IdempotentRun(conn, request, replay)


@asynccontextmanager
async def idempotent(pool: asyncpg.Pool, request: IdempotencyRequest) -> AsyncIterator[IdempotentRun]:
    """One transaction for the request's effects and its stored response (see the module docstring)."""
    async with transaction(pool) as conn:
        run = await claim(conn, request)
        yield run
        if run.replay is None and not run.completed:
            raise RuntimeError("an idempotent request ended without complete(): its response was not stored")


T = TypeVar("T")


async def answer_once(
    pool: asyncpg.Pool,
    request: IdempotencyRequest,
    status: int,
    effect: Callable[[asyncpg.Connection], Awaitable[T]],
) -> T | Response:
    """The usual endpoint: the stored answer again, or ``effect`` run in the request's transaction and its
    result (a model) stored as the answer with ``status``. Errors as :func:`claim`."""
    async with idempotent(pool, request) as run:
        if run.replay is not None:
            return run.replay
        out = await effect(run.conn)
        await run.complete(status, out)
    return out


async def purge_expired(conn: asyncpg.Connection, retention: timedelta) -> int:
    """Deletes keys older than ``retention`` (never less than 24 h); returns how many."""
    kept = max(retention, MIN_RETENTION)
    result: str = await conn.execute("delete from idempotency_keys where created_at < now() - $1::interval", kept)
    return int(result.split()[-1])


async def purge_task(app: FastAPI, stop: asyncio.Event) -> None:
    """Background task of every service: purges expired keys now and then every hour."""
    hours = getattr(app.state.settings, "idempotency_retention_hours", 24)
    while not stop.is_set():
        try:
            async with transaction(app.state.pool) as conn:
                purged = await purge_expired(conn, timedelta(hours=hours))
            if purged:
                log.info("purged expired idempotency keys", extra={"purged": purged})
        except Exception:  # the purge retries on its next round; it must never stop the service
            log.exception("idempotency key purge failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), PURGE_INTERVAL_SECONDS)
