"""The worker's Stripe webhook job: processes the events the webhook stored, after the request answered.

Roles ``worker`` and ``all``. The job takes one due inbox row at a time with ``for update skip locked``
(several workers share the inbox; none processes the same event at once) and books its effects and the
row's new state in one transaction (:func:`invoicing.stripe_webhooks.service.process`): a crash before the
commit leaves the row, and the next run processes it again, booking nothing twice.

A failure the database or the broker causes (``vikar_shared.transient.is_transient``, or an unexpected
error) leaves the row for a later try after ``min(2^attempts, 300)`` seconds; after
:data:`~invoicing.stripe_webhooks.models.MAX_ATTEMPTS` tries, or at once for a failure no retry cures (a
domain rule, a payload we cannot read, a fact we cannot book such as an amount beyond 10^12 øre or a payment
dated after tomorrow, data the database refuses: asyncpg ``DataError``), the row is flagged for finance with
``outcome`` error. Only the error's class (and a domain error's code, a Stripe fact's rule) is logged and
kept, never the payload."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

import asyncpg
from fastapi import FastAPI

from invoicing.config import InvoicingSettings
from invoicing.ledger.endpoints import seller_of
from invoicing.stripe_webhooks import repository, service
from invoicing.stripe_webhooks.models import MAX_ATTEMPTS, PayloadError, StripeFactError, event_of, retry_seconds
from vikar_shared.clock import Clock
from vikar_shared.db import transaction
from vikar_shared.errors import DomainError
from vikar_shared.transient import is_transient

log = logging.getLogger(__name__)
# Failures no retry cures: a domain rule, a payload whose facts we cannot read or book, or data the database
# refuses (asyncpg's DataError: SQLSTATE class 22, e.g. a number out of range, text that is no valid value).
PERMANENT = (DomainError, PayloadError, StripeFactError, KeyError, TypeError, ValueError, asyncpg.DataError)


def _error_name(error: BaseException) -> str:
    """The error's class, and a domain error's code: what is logged and kept (never a message)."""
    name = type(error).__name__
    if isinstance(error, DomainError):
        return f"{name}:{error.code}"
    return f"{name}:{error.rule}" if isinstance(error, StripeFactError) else name


async def process_one(pool: asyncpg.Pool, clock: Clock, settings: InvoicingSettings) -> bool:
    """One due inbox row processed (True), or none due (False). Raises what processing raised, after
    putting the row back for a later try or flagging it."""
    claimed: str | None = None
    try:
        async with transaction(pool) as conn:
            row = await repository.claim_due(conn)
            if row is None:
                return False
            claimed, payload, _ = row
            handled = await service.process(
                conn, event_of(payload), now=clock.now(), today=clock.today(), seller=seller_of(settings)
            )
            await repository.finish(conn, claimed, handled)
        return True
    except Exception as error:
        if claimed is not None:
            name = _error_name(error)
            async with transaction(pool) as conn:
                tries = await repository.attempts(conn, claimed) + 1
                if (isinstance(error, PERMANENT) and not is_transient(error)) or tries >= MAX_ATTEMPTS:
                    await repository.flag_failed(conn, claimed, name)
                    log.error("stripe webhook event %s flagged after %s (attempt %d)", claimed, name, tries)
                    return True
                await repository.retry_later(conn, claimed, name, timedelta(seconds=retry_seconds(tries)))
        raise


async def process_stripe_webhooks(app: FastAPI, stop: asyncio.Event) -> None:
    """Background task (``vikar_shared.runtime.lifespan.BackgroundTask``): processes due inbox rows until
    ``stop`` is set, waiting ``stripe_webhook_poll_seconds`` when none is due."""
    pool: asyncpg.Pool = app.state.pool
    settings: InvoicingSettings = app.state.settings
    while not stop.is_set():
        try:
            processed = await process_one(pool, app.state.clock, settings)
        except Exception as error:
            log.warning("stripe webhook event failed with %s; retrying later", _error_name(error))
            processed = False
        if not processed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=settings.stripe_webhook_poll_seconds)
