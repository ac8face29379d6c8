"""The worker's document job: renders the PDF of each newly issued invoice, after the issuing transaction.

Issuing only queues the invoice (``invoice_documents_due``, in the issuing transaction), so it never waits
for rendering. This job (roles ``worker`` and ``all``) takes one due invoice at a time with
``for update skip locked`` (several workers share the queue, none renders the same invoice at once), renders
and stores it and deletes the queue row in one transaction: a crash before the commit leaves the row, and
the next run renders it again, storing one document. A render that fails is retried after
``min(2^attempts, 300)`` seconds; the error's class is logged and kept, no personal data."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from uuid import UUID

import asyncpg
from fastapi import FastAPI

from invoicing.documents import repository, service
from vikar_shared.clock import Clock
from vikar_shared.db import transaction

log = logging.getLogger(__name__)
MAX_RETRY_SECONDS = 300


async def _render_one(pool: asyncpg.Pool, clock: Clock) -> bool:
    """One due invoice rendered (True), or nothing due (False). Raises what the render raised, after
    putting the invoice back on the queue for later."""
    claimed: UUID | None = None
    try:
        async with transaction(pool) as conn:
            claimed = await repository.claim_due(conn)
            if claimed is None:
                return False
            await service.render_due(conn, claimed, now=clock.now())
        return True
    except Exception as error:
        if claimed is not None:
            async with transaction(pool) as conn:
                tries = await repository.attempts(conn, claimed)
                delay = timedelta(seconds=min(2**tries, MAX_RETRY_SECONDS))
                await repository.retry_later(conn, claimed, type(error).__name__, delay)
        raise


async def render_invoice_documents(app: FastAPI, stop: asyncio.Event) -> None:
    """Background task (``vikar_shared.runtime.lifespan.BackgroundTask``): renders due documents until
    ``stop`` is set, waiting ``document_poll_seconds`` when none is due."""
    pool: asyncpg.Pool = app.state.pool
    poll: float = app.state.settings.document_poll_seconds
    while not stop.is_set():
        try:
            rendered = await _render_one(pool, app.state.clock)
        except Exception:
            log.exception("invoice document render failed; retrying later")
            rendered = False
        if not rendered:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=poll)
