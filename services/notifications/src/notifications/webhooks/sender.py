"""The background task that sends due webhook deliveries: one transaction per delivery, SKIP LOCKED, so several
replicas (worker roles) send side by side without sending one attempt twice."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

import asyncpg
import httpx
from fastapi import FastAPI

from notifications.config import NotificationsSettings
from notifications.emails.models import domain_of
from notifications.webhooks.addresses import GuardedTransport, Resolver, system_resolve
from notifications.webhooks.models import RetrySchedule
from notifications.webhooks.service import SendPolicy, deliver_next
from vikar_shared.clock import Clock
from vikar_shared.db import transaction
from vikar_shared.http.app import BackgroundTask

log = logging.getLogger(__name__)


def send_policy(settings: NotificationsSettings) -> SendPolicy:
    return SendPolicy(
        schedule=RetrySchedule(tuple(settings.webhook_retry_schedule_seconds)),
        disable_after=timedelta(days=settings.webhook_disable_after_days),
        message_id_domain=domain_of(settings.smtp_from),
    )


def resolver_of(app: FastAPI) -> Resolver:
    """The app's resolver (``app.state.webhook_resolver``; tests put a fake there), the system's by default."""
    resolver: Resolver = getattr(app.state, "webhook_resolver", system_resolve)
    return resolver


def make_webhook_sender(settings: NotificationsSettings) -> BackgroundTask:
    keys = settings.webhook_sealer()
    policy = send_policy(settings)

    async def send_webhooks(app: FastAPI, stop: asyncio.Event) -> None:
        pool: asyncpg.Pool = app.state.pool
        transport = GuardedTransport(resolver_of(app), allow_insecure=settings.webhooks_allow_insecure_urls())
        async with httpx.AsyncClient(
            transport=transport, follow_redirects=False, timeout=settings.webhook_timeout_seconds
        ) as client:
            while not stop.is_set():
                clock: Clock = app.state.clock
                try:
                    async with transaction(pool) as conn:
                        sent = await deliver_next(conn, client, keys, policy, clock=clock)
                except Exception:
                    # The delivery's transaction rolled back: it is still pending and comes again.
                    log.exception("webhook sender failed; retrying")
                    sent = False
                if not sent:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), timeout=settings.webhook_poll_interval_seconds)

    return send_webhooks
