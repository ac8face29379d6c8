"""The daily schedule of payment reminders (a background task of the ``worker``/``all`` roles).

``payment-reminders``: 08:00 agency time, Monday to Friday (:class:`vikar_shared.scheduling.Daily`), each slot
once with several replicas (``scheduled_runs``); nothing on a day the agency's working-day calendar
(``settings.working_days()``: Danish public holidays and the closed days) is closed. Enabled by
``INVOICING_PAYMENT_REMINDERS_ENABLED``; the rules are :class:`invoicing.payment_reminders.models.ReminderPolicy`
from the ``payment_reminder_*`` settings (``settings.payment_reminder_policy()``). The run only writes
(reminders, history, outbox rows)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime, time
from typing import Any

import asyncpg
from fastapi import FastAPI

from invoicing.config import InvoicingSettings
from invoicing.payment_reminders import service
from vikar_shared.clock import agency_date
from vikar_shared.scheduling import Daily, Schedule, scheduler_task

JOB = "payment-reminders"


def _settings(app: FastAPI) -> InvoicingSettings:
    settings: InvoicingSettings = app.state.settings
    return settings


async def run(conn: asyncpg.Connection, app: FastAPI, slot: datetime) -> Mapping[str, Any]:
    settings = _settings(app)
    today = agency_date(slot)
    if not settings.working_days().is_working_day(today):
        return {"skipped": "closed day", "day": today.isoformat()}
    return await service.issue_due(conn, settings.payment_reminder_policy(), today)


SCHEDULES = [
    Schedule(
        job=JOB,
        when=Daily(at=time(8, 0), weekdays=frozenset(range(5))),
        run=run,
        enabled=lambda app: _settings(app).payment_reminders_enabled,
    )
]

_scheduler = scheduler_task(SCHEDULES, poll_seconds=lambda app: _settings(app).payment_reminder_poll_seconds)


async def payment_reminder_schedule(app: FastAPI, stop: asyncio.Event) -> None:
    """The background task: :data:`SCHEDULES` every ``payment_reminder_poll_seconds`` until ``stop``."""
    await _scheduler(app, stop)
