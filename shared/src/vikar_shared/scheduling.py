"""Time-driven work that survives restarts and runs once per slot with several replicas (issue 14).

A :class:`Schedule` names a job, when its slots fall (:class:`Daily` at a local time of the agency's zone,
on some weekdays, or :class:`Every` N minutes) and the coroutine that does the work. The runner
(:func:`scheduler_task`, a background task of the ``worker``/``all`` roles) wakes every ``poll_seconds`` of
real time and asks the app's clock (``app.state.clock``, injectable: tests move a ``FixedClock`` instead of
sleeping) for the latest slot at or before now. That slot is claimed by inserting ``(job, slot)`` into
``scheduled_runs`` (shared migration ``20261216_00_scheduled_runs.sql``) and the job runs **in the same
transaction**: a second replica's insert waits for the first and then finds the row, so the slot runs once;
a crash rolls the claim back with the work, and the next poll runs it again. Missed slots (the service was
down for days) are not replayed one by one: only the latest runs, and a job must therefore cover
everything due up to its slot (a reminder run looks at every entry still pending).

A job's work is what it writes in that transaction (outbox rows, mails in the mail outbox): it must not
call out to other systems itself, or a rolled-back run would have told someone already.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

import asyncpg
from fastapi import FastAPI

from vikar_shared.clock import AGENCY_TIMEZONE, Clock
from vikar_shared.db import transaction

log = logging.getLogger(__name__)

Job = Callable[[asyncpg.Connection, FastAPI, datetime], Awaitable[Mapping[str, Any] | None]]
"""``await job(conn, app, slot)`` does the slot's work on ``conn`` (inside the claiming transaction) and may
return a JSON-able summary (counts) stored with the run. ``slot`` is an aware UTC datetime."""


@dataclass(frozen=True)
class Daily:
    """A slot every day at ``at`` (agency local time, ``Europe/Copenhagen``, summer time included) on the
    ``weekdays`` given (0 = Monday … 6 = Sunday; default every day)."""

    at: time
    weekdays: frozenset[int] = frozenset(range(7))

    def latest(self, now: datetime) -> datetime | None:
        local = now.astimezone(AGENCY_TIMEZONE)
        for back in range(8):
            day = local.date() - timedelta(days=back)
            if day.weekday() not in self.weekdays:
                continue
            slot = datetime.combine(day, self.at, tzinfo=AGENCY_TIMEZONE)
            if slot <= local:
                return slot.astimezone(UTC)
        return None


@dataclass(frozen=True)
class Every:
    """A slot every ``minutes`` minutes, aligned to whole multiples since the Unix epoch (UTC)."""

    minutes: int

    def __post_init__(self) -> None:
        if self.minutes < 1:
            raise ValueError("Every needs at least one minute")

    def latest(self, now: datetime) -> datetime:
        step = self.minutes * 60
        seconds = int(now.timestamp()) // step * step
        return datetime.fromtimestamp(seconds, tz=UTC)


@dataclass(frozen=True)
class Schedule:
    job: str
    when: Daily | Every
    run: Job = field(compare=False)
    enabled: Callable[[FastAPI], bool] = field(default=lambda app: True, compare=False)


@dataclass(frozen=True)
class Ran:
    job: str
    slot: datetime
    summary: Mapping[str, Any]


async def run_due(app: FastAPI, schedules: Iterable[Schedule], *, now: datetime | None = None) -> list[Ran]:
    """One pass: every enabled schedule's latest slot at or before ``now`` (default: ``app.state.clock``'s
    now) that has not run yet is claimed and run, each in its own transaction. Returns what ran. A job that
    raises rolls its claim back (logged; the slot runs again at the next pass) and the other jobs still run."""
    clock: Clock = app.state.clock
    pool: asyncpg.Pool = app.state.pool
    at = now or clock.now()
    ran: list[Ran] = []
    for schedule in schedules:
        if not schedule.enabled(app):
            continue
        slot = schedule.when.latest(at)
        if slot is None:
            continue
        try:
            done = await run_slot(pool, app, schedule, slot, started_at=at)
        except Exception:
            log.exception("scheduled job failed; its slot runs again", extra={"fields": {"job": schedule.job}})
            continue
        if done is not None:
            ran.append(done)
    return ran


async def run_slot(
    pool: asyncpg.Pool, app: FastAPI, schedule: Schedule, slot: datetime, *, started_at: datetime
) -> Ran | None:
    """Claims ``(schedule.job, slot)`` and runs the job in the claiming transaction; None when the slot ran
    before (or another replica ran it meanwhile)."""
    async with transaction(pool) as conn:
        claimed = await conn.fetchval(
            """insert into scheduled_runs (job, slot, started_at) values ($1, $2, $3)
               on conflict (job, slot) do nothing returning true""",
            schedule.job,
            slot,
            started_at,
        )
        if not claimed:
            return None
        summary = dict(await schedule.run(conn, app, slot) or {})
        await conn.execute(
            """update scheduled_runs set summary = $3::jsonb, finished_at = clock_timestamp()
               where job = $1 and slot = $2""",
            schedule.job,
            slot,
            json.dumps(summary, default=str),
        )
    log.info("scheduled job ran", extra={"fields": {"job": schedule.job, "slot": slot.isoformat(), **summary}})
    return Ran(schedule.job, slot, summary)


async def last_runs(conn: asyncpg.Connection, job: str, limit: int = 10) -> list[dict[str, Any]]:
    """The latest runs of ``job``, newest first: slot, started_at, finished_at, summary."""
    rows = await conn.fetch(
        """select slot, started_at, finished_at, summary from scheduled_runs
           where job = $1 order by slot desc limit $2""",
        job,
        limit,
    )
    return [
        {**dict(r), "summary": json.loads(r["summary"]) if isinstance(r["summary"], str) else r["summary"]}
        for r in rows
    ]


def scheduler_task(
    schedules: Sequence[Schedule], *, poll_seconds: Callable[[FastAPI], float] = lambda app: 15.0
) -> Callable[[FastAPI, asyncio.Event], Coroutine[Any, Any, None]]:
    """The background task running :func:`run_due` every ``poll_seconds(app)`` of real time until stopped."""

    async def run_schedules(app: FastAPI, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await run_due(app, schedules)
            except Exception:
                log.exception("scheduler pass failed; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=poll_seconds(app))

    return run_schedules
