"""The worker's Stripe sync job: carries each issued invoice and credit note to Stripe, after the issuing
transaction (which queued it in ``stripe_syncs``).

Runs in roles ``worker`` and ``all`` while ``stripe_sync_enabled``: one document at a time
(:func:`invoicing.stripe_sync.service.sync_next`; several workers share the queue with
``for update skip locked``), waiting ``stripe_sync_poll_seconds`` when none is due. A Stripe failure is recorded
on the document and retried later; a database failure is logged and the loop goes on after the poll wait."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg
from fastapi import FastAPI

from invoicing.config import InvoicingSettings
from invoicing.stripe_sync import service
from invoicing.stripe_sync.client import StripeGateway

log = logging.getLogger(__name__)


def gateway_from(settings: InvoicingSettings) -> StripeGateway:
    """The Stripe gateway the settings describe (``stripe_api_base``, ``stripe_secret_key``, timeouts, tries)."""
    return StripeGateway(
        api_base=settings.stripe_api_base,
        secret_key=settings.stripe_secret_key.get_secret_value(),
        timeout_seconds=settings.stripe_timeout_seconds,
        tries=settings.stripe_call_tries,
        backoff_seconds=settings.stripe_call_backoff_seconds,
        backoff_max_seconds=settings.stripe_call_backoff_max_seconds,
    )


def policy_from(settings: InvoicingSettings) -> service.SyncPolicy:
    return service.SyncPolicy(
        retry_seconds=settings.stripe_sync_retry_seconds,
        retry_max_seconds=settings.stripe_sync_retry_max_seconds,
        mismatch_retry_seconds=settings.stripe_sync_mismatch_retry_seconds,
        lease_seconds=settings.stripe_sync_lease_seconds,
        secret=settings.stripe_secret_key.get_secret_value(),
    )


async def sync_to_stripe(app: FastAPI, stop: asyncio.Event) -> None:
    """Background task (``vikar_shared.runtime.lifespan.BackgroundTask``): syncs due documents until ``stop``
    is set. Does nothing when ``stripe_sync_enabled`` is false."""
    settings: InvoicingSettings = app.state.settings
    if not settings.stripe_sync_enabled:
        return
    pool: asyncpg.Pool = app.state.pool
    gateway = gateway_from(settings)
    policy = policy_from(settings)

    try:
        while not stop.is_set():
            try:
                outcome = await service.sync_next(pool, gateway, policy)
            except Exception:
                log.exception("stripe sync failed; trying again after the poll interval")
                outcome = None
            if outcome is None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=settings.stripe_sync_poll_seconds)
    finally:
        await gateway.close()
