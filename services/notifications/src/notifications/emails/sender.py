"""The background task that drains the mail outbox; one transaction per e-mail."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg
from fastapi import FastAPI

from notifications.config import NotificationsSettings
from notifications.emails.documents import DocumentFetcher, HttpDocumentFetcher, service_token_minter
from notifications.emails.mailer import Mailer, SmtpMailer
from notifications.emails.models import RetryPolicy
from notifications.emails.service import deliver_next, purge_expired_secrets
from vikar_shared.clock import Clock
from vikar_shared.db import transaction
from vikar_shared.http.app import BackgroundTask

log = logging.getLogger(__name__)


def smtp_mailer(settings: NotificationsSettings) -> SmtpMailer:
    return SmtpMailer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_from,
        timeout_seconds=settings.smtp_timeout_seconds,
        username=settings.smtp_username,
        password=settings.smtp_password,
        starttls=settings.smtp_starttls,
    )


def retry_policy(settings: NotificationsSettings) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=settings.sender_max_attempts,
        base_seconds=settings.sender_retry_base_seconds,
        max_seconds=settings.sender_retry_max_seconds,
    )


def document_fetcher(settings: NotificationsSettings) -> HttpDocumentFetcher:
    """Fetches attachments from ``service_base_urls`` with a fresh 5-minute ``service`` token per document, signed
    with the first of ``jwt_keys`` (the keys every service verifies with)."""
    return HttpDocumentFetcher(
        base_urls=settings.service_base_urls,
        token=service_token_minter(
            {kid: key.get_secret_value() for kid, key in settings.jwt_keys.items()},
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        ),
        timeout_seconds=settings.document_fetch_timeout_seconds,
    )


def make_sender(
    settings: NotificationsSettings, mailer: Mailer | None = None, documents: DocumentFetcher | None = None
) -> BackgroundTask:
    chosen: Mailer = mailer or smtp_mailer(settings)
    policy = retry_policy(settings)
    keys = settings.login_link_sealer()
    fetcher: DocumentFetcher = documents or document_fetcher(settings)

    async def send_pending_emails(app: FastAPI, stop: asyncio.Event) -> None:
        pool: asyncpg.Pool = app.state.pool
        while not stop.is_set():
            clock: Clock = app.state.clock
            try:
                async with transaction(pool) as conn:
                    delivered = await deliver_next(
                        conn, chosen, settings.smtp_from, policy, keys, clock=clock, documents=fetcher
                    )
                if not delivered:
                    # Idle: sealed links that expired while waiting for a retry go now, not when next due.
                    async with transaction(pool) as conn:
                        await purge_expired_secrets(conn, clock=clock)
            except Exception:
                # The row's transaction rolled back, so it is still pending and comes again.
                log.exception("e-mail sender failed; retrying")
                delivered = False
            if not delivered:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=settings.sender_poll_interval_seconds)

    return send_pending_emails
