"""Wires the notifications service: consumers, the e-mail sender, the admin endpoints."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from notifications.config import NotificationsSettings
from notifications.digest.endpoints import router as digest_router  # issue 14 (part A)
from notifications.digest.tasks import DIGEST_SCHEDULE, digest_builder  # issue 14 (part A)
from notifications.emails.documents import DocumentFetcher
from notifications.emails.endpoints import addresses_router
from notifications.emails.endpoints import router as emails_router
from notifications.emails.mailer import Mailer
from notifications.emails.sender import make_sender
from notifications.problem_codes import router as problem_pages
from notifications.reminders.endpoints import router as reminders_router
from notifications.reminders.run import reminder_schedule
from notifications.webhooks.endpoints import router as webhooks_router  # issue 14, part D
from notifications.webhooks.sender import make_webhook_sender  # issue 14, part D
from notifications.worker import agency_name, build_consumers, mail_context
from vikar_shared.clock import Clock
from vikar_shared.http.app import create_service_app
from vikar_shared.runtime import Role
from vikar_shared.scheduling import Schedule, scheduler_task

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def create_app(
    settings: NotificationsSettings | None = None,
    role: Role = Role.ALL,
    *,
    mailer: Mailer | None = None,
    clock: Clock | None = None,
    documents: DocumentFetcher | None = None,
) -> FastAPI:
    """``clock`` (default: the settings' clock) is the one the consumers, the sender and the endpoints read;
    ``documents`` (default: over HTTP, :func:`notifications.emails.sender.document_fetcher`) fetches attachments."""
    settings = settings or NotificationsSettings()
    clock = clock or settings.clock()
    # Issue 14 part C: the approval reminder ladder's daily run (the worker role's scheduler).
    schedules: list[Schedule] = [reminder_schedule(mail_context(settings), agency_name(settings)), DIGEST_SCHEDULE]
    app = create_service_app(
        settings,
        title="Vikarmodel notifications",
        description="E-mails to people around a placement; today: hours awaiting a company's approval.",
        routers=[emails_router, addresses_router, digest_router, problem_pages, reminders_router, webhooks_router],
        migrations=MIGRATIONS,
        consumers=build_consumers(settings, clock),
        background=[
            make_sender(settings, mailer, documents),
            make_webhook_sender(settings),
            # Time-driven work (vikar_shared.scheduling): the reminder ladder's daily run, the Monday digest.
            scheduler_task(schedules, poll_seconds=lambda app: settings.scheduler_poll_seconds),
            # Issue 14 (part A): builds the digests the schedule (or a consultant) asked for.
            digest_builder(settings),
        ],
        clock=clock,
        role=role,
    )
    app.state.schedules = schedules  # part C: tests run them with vikar_shared.scheduling.run_due
    return app
