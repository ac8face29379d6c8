"""``/readyz`` per role: what a process of each role needs before it counts as ready.

=========  ===============================================================================
role       checks (each ``"ok"`` or ``"unavailable: <reason>"``)
=========  ===============================================================================
api        ``database``
worker     ``database``, ``kafka`` (the producer reaches the brokers), ``consumers`` (every
           consumer's subscriber started and in its group, and none has retried one event
           for longer than ``consumer_stall_seconds`` (30 s) because a dependency is down; a replica
           with no partition assigned is ready: it stands by)
relay      ``database``, ``kafka``, ``outbox`` (the leading relay made progress in the last
           ``relay_stall_seconds`` (30 s), or no row has waited that long: ``"unavailable: no progress for
           <s> s, oldest unsent row <s> s old"`` otherwise); ``relay`` says ``leader`` or
           ``standby`` (information, not a failure: a standby relay is ready to take over)
all        all of the above
=========  ===============================================================================

The answer is ``200 {"status": "ready", "role": ..., "checks": {...}}`` or 503 with
``"status": "not-ready"``, naming the failing check.
"""

from __future__ import annotations

import asyncio
from typing import Any

from vikar_shared.outbox_backlog import outbox_backlog
from vikar_shared.runtime.roles import Role

TIMEOUT_SECONDS = 2.0


def _unavailable(exc: BaseException) -> str:
    return f"unavailable: {type(exc).__name__}"


async def _database(state: Any) -> str:
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS):
            await state.pool.fetchval("select 1")
        return "ok"
    except Exception as exc:  # a readiness probe reports, it does not raise
        return _unavailable(exc)


async def _kafka(state: Any) -> str:
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS):
            await state.producer.client.fetch_all_metadata()
        return "ok"
    except Exception as exc:
        return _unavailable(exc)


async def outbox_check(state: Any) -> str:
    """The leading relay is not stuck: it published (or found nothing to publish) within its
    ``stall_seconds``, or else no unsent row is older than that (a standby relay: always ``ok``)."""
    leadership = getattr(state, "relay_leadership", None)
    if leadership is None or not leadership.leading:
        return "ok"
    relay = leadership.relay
    idle = relay.seconds_since_progress()
    if idle <= relay.stall_seconds:
        return "ok"
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS):
            age = (await outbox_backlog(state.pool)).oldest_age_seconds
    except Exception as exc:
        return _unavailable(exc)
    if age is None or age <= relay.stall_seconds:
        return "ok"
    return f"unavailable: no progress for {idle:.0f} s, oldest unsent row {age:.0f} s old"


def consumers_check(state: Any) -> str:
    broker = getattr(state, "broker", None)
    if broker is None:
        return "unavailable: not started"
    idle = [
        str(getattr(sub, "group_id", "") or "?")
        for sub in broker.subscribers
        if not getattr(sub, "running", False) or getattr(sub, "consumer", None) is None
    ]
    if idle:
        return "unavailable: not started: " + ", ".join(sorted(idle))
    stuck = [
        f"{c.name} ({c.stalled_seconds():.0f} s)"
        for c in (getattr(state, "consumers", None) or {}).values()
        if c.stalled_seconds() > c.stall_seconds
    ]
    return "ok" if not stuck else "unavailable: no progress, retrying one event: " + ", ".join(sorted(stuck))


async def readiness(role: Role, state: Any) -> tuple[bool, dict[str, Any]]:
    """``(ready, body)`` for a process of ``role`` whose ``app.state`` is ``state``."""
    checks: dict[str, str] = {"database": await _database(state)}
    if role.uses_kafka:
        checks["kafka"] = await _kafka(state)
    if role.runs_relay and getattr(state, "relay_leadership", None) is not None:
        checks["outbox"] = await outbox_check(state)
    if role.runs_consumers and state.settings.run_consumers:
        checks["consumers"] = consumers_check(state)
    ready = all(v == "ok" for v in checks.values())
    body: dict[str, Any] = {"status": "ready" if ready else "not-ready", "role": role.value, "checks": checks}
    leadership = getattr(state, "relay_leadership", None)
    if role.runs_relay and leadership is not None:
        body["relay"] = "leader" if leadership.leading else "standby"
    return ready, body
