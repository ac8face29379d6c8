"""Wires the notifications service: consumers, the e-mail sender, the admin endpoints."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from notifications.config import NotificationsSettings
from notifications.digest.endpoints import router as digest_router  # issue 14 (part A)
from notifications.digest.tasks import digest_builder, digest_scheduler  # issue 14 (part A)
from notifications.emails.endpoints import router as emails_router
from notifications.emails.mailer import Mailer
from notifications.emails.sender import make_sender
from notifications.problem_codes import router as problem_pages
from notifications.worker import build_consumers
from vikar_shared.clock import Clock
from vikar_shared.http.app import create_service_app
from vikar_shared.runtime import Role

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def create_app(
    settings: NotificationsSettings | None = None,
    role: Role = Role.ALL,
    *,
    mailer: Mailer | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    """``clock`` (default: the settings' clock) is the one the consumers, the sender and the endpoints read."""
    settings = settings or NotificationsSettings()
    clock = clock or settings.clock()
    return create_service_app(
        settings,
        title="Vikarmodel notifications",
        description="E-mails to people around a placement; today: hours awaiting a company's approval.",
        routers=[emails_router, digest_router, problem_pages],  # digest_router: issue 14 (part A)
        migrations=MIGRATIONS,
        consumers=build_consumers(settings, clock),
        background=[
            make_sender(settings, mailer),
            # Issue 14 (part A): the consultant digest's Monday schedule and its builder.
            digest_scheduler(),
            digest_builder(settings),
        ],
        clock=clock,
        role=role,
    )
