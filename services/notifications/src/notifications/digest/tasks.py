"""The digest's schedule (Monday 07:00) and its builder task (issue 14, part A)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI

from notifications.config import NotificationsSettings
from notifications.digest import service
from notifications.emails.models import MailContext, domain_of
from vikar_shared.auth import Role
from vikar_shared.auth.tokens import mint_token
from vikar_shared.clock import Clock
from vikar_shared.db import transaction
from vikar_shared.http.app import BackgroundTask
from vikar_shared.scheduling import Daily, Schedule

log = logging.getLogger(__name__)
JOB = "consultant-digest"


async def _plan(conn: asyncpg.Connection, app: FastAPI, slot: datetime) -> dict[str, int]:
    return await service.plan_weekly(conn, slot)


DIGEST_SCHEDULE = Schedule(JOB, Daily(at=time(7, 0), weekdays=frozenset({0})), _plan)


def placement_fetch(settings: NotificationsSettings) -> service.PlacementFetch:
    """Fetches ``GET {placement_base_url}/consultant-digest`` with a 5-minute service token (never stored)."""

    async def fetch(consultant: str, week: str) -> Mapping[str, Any]:
        kid, key = next(iter(settings.jwt_keys.items()))
        token = mint_token(
            secret=key.get_secret_value(),
            kid=kid,
            subject="service:notifications",
            role=Role.SERVICE,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            ttl=timedelta(minutes=5),  # real time: placement checks the token against its own clock
        )
        async with httpx.AsyncClient(
            base_url=settings.placement_base_url, timeout=settings.digest_fetch_timeout_seconds
        ) as client:
            answer = await client.get(
                "/consultant-digest",
                params={"consultant": consultant, "week": week},
                headers={"Authorization": f"Bearer {token}"},
            )
        answer.raise_for_status()
        body: Mapping[str, Any] = answer.json()
        return body

    return fetch


async def build_due(app: FastAPI, settings: NotificationsSettings) -> int:
    """Builds every due request, each in its own transaction and at most once a pass; returns how many were
    handled."""
    clock: Clock = app.state.clock
    context = MailContext(
        portal_base_url=settings.portal_base_url or settings.public_base_url,
        message_id_domain=domain_of(settings.smtp_from),
    )
    seen: set[int] = set()
    while True:
        now = clock.now()
        async with transaction(app.state.pool) as conn:
            request = await service.build_one(
                conn,
                placement_fetch(settings),
                context,
                now=now,
                default_ladder=settings.default_ladder(),
                calendar=settings.working_days(),
                retry_base_seconds=settings.digest_retry_base_seconds,
                retry_max_seconds=settings.digest_retry_max_seconds,
            )
        # Each request at most once a pass (a failed one with no backoff waits for the next pass).
        if request is None or request.id in seen:
            return len(seen)
        seen.add(request.id)


def digest_builder(settings: NotificationsSettings) -> BackgroundTask:
    async def build_digests(app: FastAPI, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await build_due(app, settings)
            except Exception:
                log.exception("consultant digest pass failed; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=settings.digest_poll_seconds)

    return build_digests
