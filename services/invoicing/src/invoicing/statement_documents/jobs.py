"""The worker's statement document job (mirrors :mod:`invoicing.documents.jobs`): renders the PDF and the Peppol
UBL of each newly issued statement, after the issuing transaction.

Issuing queues the statement (``statement_documents_due``, by a trigger in the issuing transaction). This job
(roles ``worker`` and ``all``) takes one due statement at a time with ``for update skip locked``, renders the PDF
and the UBL, validates the UBL with the official artefacts and stores both, deleting the queue row, in one
transaction (:func:`invoicing.statement_documents.service.render_due`): a crash before the commit leaves the row
and the next run stores each document once. A UBL that fails the rules is not stored (the PDF is) and is tried
again later with ``last_error`` naming the rule ids; a render that raises is retried after
``min(2^attempts, 300)`` seconds with the error's class kept and logged: no personal data."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from uuid import UUID

import asyncpg
from fastapi import FastAPI

from invoicing.statement_documents import repository, service
from invoicing.statement_documents.models import retry_seconds
from vikar_shared.clock import Clock
from vikar_shared.db import transaction

log = logging.getLogger(__name__)
# Added to an error render_one has logged (with the statement id), so the job's loop does not log it again.
_LOGGED = "logged by invoicing.statement_documents.jobs.render_one"


async def render_one(pool: asyncpg.Pool, clock: Clock) -> UUID | None:
    """One due statement handled (its id), or None when nothing is due. Raises what a renderer raised, after
    putting the statement back on the queue for later and logging the failure with the statement's id and the
    error's class (never its message: a renderer's message may quote the statement)."""
    claimed: UUID | None = None
    try:
        async with transaction(pool) as conn:
            claimed = await repository.claim_due(conn)
            if claimed is None:
                return None
            await service.render_due(conn, claimed, now=clock.now())
        return claimed
    except Exception as error:
        if claimed is not None:
            async with transaction(pool) as conn:
                pending = await repository.due(conn, claimed)
                delay = timedelta(seconds=retry_seconds(pending.attempts if pending else 0))
                await repository.retry_later(conn, claimed, type(error).__name__, delay)
            log.error(
                "statement %s: document render failed (%s); retrying in %d s",
                claimed,
                type(error).__name__,
                delay.total_seconds(),
            )
            error.add_note(_LOGGED)
        raise


async def render_statement_documents(app: FastAPI, stop: asyncio.Event) -> None:
    """Background task (``vikar_shared.runtime.lifespan.BackgroundTask``): renders due statement documents until
    ``stop`` is set, waiting ``statement_document_poll_seconds`` when none is due."""
    pool: asyncpg.Pool = app.state.pool
    poll: float = app.state.settings.statement_document_poll_seconds
    while not stop.is_set():
        try:
            handled = await render_one(pool, app.state.clock)
        except Exception as error:
            if _LOGGED not in getattr(error, "__notes__", ()):  # render_one logged a render failure with its id
                # The class only: a message could quote the statement.
                log.error("statement document job failed (%s); retrying later", type(error).__name__)
            handled = None
        if handled is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=poll)
