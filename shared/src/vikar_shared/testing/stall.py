"""What an in-process service was doing when a test gave up waiting for it.

A wait that times out on a consumer's work (``wait_until``) says only *that* nothing happened. This
module says *why*: where each of the service's asyncio tasks is suspended (the whole ``await`` chain,
innermost last), what each of its consumers' partitions has committed against the log's end, and
what every session on the service's database is doing and waiting for (``pg_stat_activity``, ungranted
``pg_locks``). Every probe has its own short timeout, so a hung dependency cannot hang the report.

:func:`serve_in_process` registers its app here for the test's duration; :func:`describe_served_apps`
is what ``wait_until`` appends to its failure.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from pathlib import Path
from typing import Any, TypeVar

from fastapi import FastAPI

_SERVED: list[FastAPI] = []
_PROBE_SECONDS = 3.0
T = TypeVar("T")


def register(app: FastAPI) -> None:
    _SERVED.append(app)


def unregister(app: FastAPI) -> None:
    if app in _SERVED:
        _SERVED.remove(app)


async def _probe(awaitable: Awaitable[T]) -> T | str:
    try:
        return await asyncio.wait_for(awaitable, _PROBE_SECONDS)
    except Exception as exc:  # a diagnosis reports what failed, it never raises
        return f"<probe failed: {exc!r}>"


_FRAME = ("cr_frame", "gi_frame", "ag_frame")
_AWAITED = ("cr_await", "gi_yieldfrom", "ag_await")


def _first(obj: Any, names: tuple[str, ...]) -> Any:
    return next((v for v in (getattr(obj, n, None) for n in names) if v is not None), None)


def await_chain(task: asyncio.Task[Any]) -> str:
    """``file:function:line > … > innermost`` of a suspended task (``Task.get_stack`` gives only the outer frame)."""
    steps: list[str] = []
    awaited: Any = task.get_coro()
    while awaited is not None and len(steps) < 40:
        frame = _first(awaited, _FRAME)
        if frame is not None:
            steps.append(f"{Path(frame.f_code.co_filename).name}:{frame.f_code.co_name}:{frame.f_lineno}")
        awaited = _first(awaited, _AWAITED)
    return " > ".join(steps) or "<no frame>"


def _tasks() -> list[str]:
    current = asyncio.current_task()
    lines = []
    for task in sorted(asyncio.all_tasks(), key=lambda t: t.get_name()):
        if task is current or task.done():
            continue
        lines.append(f"  task {task.get_name()}: {await_chain(task)}")
    return lines


async def _consumers(app: FastAPI) -> list[str]:
    lines: list[str] = []
    for name, consumer in (getattr(app.state, "consumers", None) or {}).items():
        lines.append(f"  consumer {name}: retrying without progress for {consumer.stalled_seconds():.1f} s")
    broker = getattr(app.state, "broker", None)
    for subscriber in getattr(broker, "subscribers", []) if broker is not None else []:
        client = getattr(subscriber, "consumer", None)
        if client is None:
            lines.append(f"  subscriber {subscriber}: no client (not started)")
            continue
        assigned = sorted(client.assignment(), key=lambda tp: (tp.topic, tp.partition))
        group = getattr(client, "_group_id", None)
        lines.append(f"  group {group}: {len(assigned)} partition(s) assigned")
        ends = await _probe(client.end_offsets(assigned)) if assigned else {}
        for tp in assigned:
            committed = await _probe(client.committed(tp))
            position = await _probe(client.position(tp))
            end = ends.get(tp) if isinstance(ends, dict) else ends
            lines.append(f"    {tp.topic}[{tp.partition}]: committed {committed}, position {position}, log end {end}")
    return lines


async def _database(app: FastAPI) -> list[str]:
    pool = getattr(app.state, "pool", None)
    if pool is None:
        return ["  database: no pool"]
    sessions = await _probe(
        pool.fetch(
            """select pid, state, wait_event_type, wait_event,
                      coalesce(round(extract(epoch from now() - xact_start)::numeric, 1)::text || ' s', 'none') as xact,
                      left(regexp_replace(query, '\\s+', ' ', 'g'), 160) as query
               from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()
               order by pid"""
        )
    )
    if isinstance(sessions, str):
        return [f"  database sessions: {sessions}"]
    lines = [
        f"  pg {r['pid']} {r['state']} wait={r['wait_event_type']}/{r['wait_event']} "
        f"transaction={r['xact']}: {r['query']}"
        for r in sessions
    ]
    waiting = await _probe(
        pool.fetch(
            """select l.pid, l.locktype, l.mode, l.classid, l.objid, pg_blocking_pids(l.pid) as blockers
               from pg_locks l join pg_stat_activity a on a.pid = l.pid
               where not l.granted and a.datname = current_database()"""
        )
    )
    if isinstance(waiting, str):
        lines.append(f"  ungranted locks: {waiting}")
    else:
        lines += [
            f"  lock wait: pg {r['pid']} wants {r['mode']} {r['locktype']} {r['classid']}/{r['objid']}, "
            f"blocked by {list(r['blockers'])}"
            for r in waiting
        ]
    return lines


async def describe(app: FastAPI) -> str:
    """A multi-line report of ``app``'s tasks, consumers and database sessions (never raises)."""
    lines = [f"in-process app {app.title!r}:"]
    for part in (_consumers(app), _database(app)):
        result = await _probe(part)
        lines += result if isinstance(result, list) else [f"  {result}"]
    return "\n".join(lines)


async def describe_served_apps() -> str:
    """:func:`describe` of every app :func:`serve_in_process` runs now, then every pending asyncio task."""
    if not _SERVED:
        return ""
    parts = [await describe(app) for app in list(_SERVED)]
    parts.append("asyncio tasks (await chain, innermost last):\n" + "\n".join(_tasks()))
    return "\n".join(parts)
