"""Issue 14 groundwork, tested by part C: the pending-hours read model (submitted, changed, approved, rejected,
read by company, placement and cut-off, each redelivery harmless) and the slot scheduler (a job that crashes
rolls its claim back with its work, so the slot runs again; a slot runs once)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import asyncpg
from fastapi import FastAPI

from notifications.app import create_app
from notifications.pending import reads
from vikar_shared.clock import AGENCY_TIMEZONE, FixedClock
from vikar_shared.events.envelope import Envelope, EventData
from vikar_shared.events.timesheet import EntryApproved, EntryChanged, EntryRejected, HoursSubmitted, SubmittedEntry
from vikar_shared.messaging.kafka import make_producer
from vikar_shared.scheduling import Daily, Every, Schedule, last_runs, run_due
from vikar_shared.testing.plugin import serve_in_process, wait_until


async def _publish(kafka: str, namespace: str, events: list[tuple[EventData, object, datetime]]) -> list[uuid.UUID]:
    producer = make_producer(kafka, "test-publisher")
    await producer.start()
    ids = []
    try:
        for data, key, at in events:
            envelope = Envelope.wrap(data, source="timesheet", subject=key, occurred_at=at)
            await producer.send_and_wait(
                namespace + data.topic, value=envelope.model_dump_json().encode(), key=str(key).encode()
            )
            ids.append(envelope.id)
    finally:
        await producer.stop()
    return ids


async def _handled(pool: asyncpg.Pool, ids: list[uuid.UUID]) -> None:
    async def done() -> bool:
        return bool(
            # Named consumer: notifications.login_links reads timesheet's topic too, and its skip is no handling.
            await pool.fetchval(
                "select count(distinct event_id) from inbox where consumer = 'notifications.hours'"
                " and event_id = any($1::uuid[])",
                ids,
            )
            == len(ids)
        )

    await wait_until(done, what="timesheet's events handled")


async def test_pending_entries_follow_submission_change_approval_and_rejection(
    make_settings: Any, kafka: str, kafka_namespace: str
) -> None:
    company, other_company = uuid.uuid4(), uuid.uuid4()
    placement, other_placement = uuid.uuid4(), uuid.uuid4()
    a, b, c, d = (uuid.uuid4() for _ in range(4))
    first_at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    later_at = datetime(2026, 3, 4, 9, tzinfo=UTC)
    submitted = HoursSubmitted(
        submission_id=uuid.uuid4(),
        placement_id=placement,
        company_id=company,
        citizen_name="  Mette\nHansen ",
        submitted_by="anna",
        entries=[
            SubmittedEntry(entry_id=a, work_date=date(2026, 2, 23), minutes=450),
            SubmittedEntry(entry_id=b, work_date=date(2026, 2, 24), minutes=135),
            # Issue 14: a rejected entry submitted again carries its version; without one it is timesheet's 1.
            SubmittedEntry(entry_id=c, work_date=date(2026, 2, 25), minutes=60, version=3),
        ],
    )
    other = HoursSubmitted(
        submission_id=uuid.uuid4(),
        placement_id=other_placement,
        company_id=other_company,
        citizen_name="Ali Nielsen",
        submitted_by="anna",
        entries=[SubmittedEntry(entry_id=d, work_date=date(2026, 3, 3), minutes=240)],
    )
    app = create_app(await make_settings(scheduler_poll_seconds=3600))
    async with serve_in_process(app):
        pool: asyncpg.Pool = app.state.pool
        ids = await _publish(
            kafka,
            kafka_namespace,
            [(submitted, placement, first_at), (submitted, placement, first_at), (other, other_placement, later_at)],
        )
        await _handled(pool, ids)
        async with pool.acquire() as conn:
            entries = await reads.pending_entries(conn, company_id=company)
            assert [(e.entry_id, e.minutes, e.citizen_name, e.submitted_at, e.version) for e in entries] == [
                (a, 450, "Mette Hansen", first_at, 1),
                (b, 135, "Mette Hansen", first_at, 1),
                (c, 60, "Mette Hansen", first_at, 3),
            ]
            assert sorted(await reads.companies_with_pending(conn)) == sorted([company, other_company])
            assert [e.entry_id for e in await reads.pending_entries(conn, submitted_before=first_at)] == [a, b, c]
            assert [e.entry_id for e in await reads.pending_entries(conn, placement_ids=[other_placement])] == [d]
            hours = await reads.placement_hours(conn, [placement, other_placement])
            assert hours[placement].last_work_date == date(2026, 2, 25)
            assert hours[other_placement].last_submitted_at == later_at

        changed_at = datetime(2026, 3, 5, 10, tzinfo=UTC)
        ids = await _publish(
            kafka,
            kafka_namespace,
            [
                (
                    EntryChanged(
                        entry_id=a,
                        submission_id=submitted.submission_id,
                        placement_id=placement,
                        company_id=company,
                        version=2,
                        work_date=date(2026, 2, 26),
                        minutes=420,
                        previous_work_date=date(2026, 2, 23),
                        previous_minutes=450,
                        changed_by="anna",
                        changed_at=changed_at,
                    ),
                    placement,
                    changed_at,
                ),
                (
                    EntryApproved(
                        entry_id=b,
                        placement_id=placement,
                        company_id=company,
                        work_date=date(2026, 2, 24),
                        minutes=135,
                        approved_by="ib",
                        approved_at=changed_at,
                    ),
                    placement,
                    changed_at,
                ),
                (
                    EntryRejected(
                        entry_id=c,
                        placement_id=placement,
                        company_id=company,
                        work_date=date(2026, 2, 25),
                        minutes=60,
                        reason="Not at work",
                        rejected_by="ib",
                        rejected_at=changed_at,
                    ),
                    placement,
                    changed_at,
                ),
                (
                    EntryApproved(
                        entry_id=d,
                        placement_id=other_placement,
                        company_id=other_company,
                        work_date=date(2026, 3, 3),
                        minutes=240,
                        approved_by="deemed-approval",
                        approved_at=changed_at,
                        status_reason="deemed_approved",
                    ),
                    other_placement,
                    changed_at,
                ),
            ],
        )
        await _handled(pool, ids)
        async with pool.acquire() as conn:
            [left] = await reads.pending_entries(conn)
            # Changed: new date, minutes and version, still on the ladder from its submission.
            assert (left.entry_id, left.work_date, left.minutes, left.submitted_at, left.changed_at, left.version) == (
                a,
                date(2026, 2, 26),
                420,
                first_at,
                changed_at,
                2,
            )
            assert await reads.companies_with_pending(conn) == [company]


def _app_clock(app: FastAPI) -> FixedClock:
    clock = app.state.clock
    assert isinstance(clock, FixedClock)
    return clock


async def test_a_crashing_job_rolls_its_claim_back_and_its_slot_runs_again(make_settings: Any) -> None:
    calls: list[datetime] = []
    crash = [True]

    async def job(conn: asyncpg.Connection, app: FastAPI, slot: datetime) -> Mapping[str, Any]:
        calls.append(slot)
        await conn.execute(
            "insert into company_reminder_settings (company_id, reminder_working_days, follow_up_working_days,"
            " escalation_working_days, updated_by) values ($1, 1, 2, 3, 'job')",
            uuid.uuid4(),
        )
        if crash[0]:
            raise RuntimeError("the job crashed halfway")
        return {"wrote": 1}

    daily = Schedule("test-daily", Daily(at=time(7), weekdays=frozenset(range(5))), job)
    clock = FixedClock(datetime.combine(date(2026, 4, 7), time(7, 30), tzinfo=AGENCY_TIMEZONE))
    app = create_app(await make_settings(scheduler_poll_seconds=3600), clock=clock)
    async with serve_in_process(app):
        pool: asyncpg.Pool = app.state.pool
        assert await run_due(app, [daily]) == []  # crashed: nothing ran
        assert await pool.fetchval("select count(*) from scheduled_runs where job = 'test-daily'") == 0
        assert await pool.fetchval("select count(*) from company_reminder_settings") == 0  # its work rolled back
        crash[0] = False
        [ran] = await run_due(app, [daily])
        slot = datetime.combine(date(2026, 4, 7), time(7), tzinfo=AGENCY_TIMEZONE)
        assert ran.slot == slot and ran.summary == {"wrote": 1}
        assert calls == [slot, slot]
        assert await run_due(app, [daily]) == []  # claimed: never again
        assert await pool.fetchval("select count(*) from company_reminder_settings") == 1
        [run] = await last_runs(pool, "test-daily")
        assert run["summary"] == {"wrote": 1} and run["finished_at"] is not None
        # The next slot is the next working day's; the weekend has none of its own (Friday's ran).
        _app_clock(app).set(datetime.combine(date(2026, 4, 11), time(9), tzinfo=AGENCY_TIMEZONE))
        [friday] = await run_due(app, [daily])
        assert friday.slot == datetime.combine(date(2026, 4, 10), time(7), tzinfo=AGENCY_TIMEZONE)
        assert await run_due(app, [daily]) == []
        # Every N minutes: a slot per aligned interval; a disabled schedule never runs.
        every = Schedule("test-every", Every(minutes=15), job)
        off = Schedule("test-off", Every(minutes=15), job, enabled=lambda app: False)
        [first] = await run_due(app, [every, off])
        _app_clock(app).advance(minutes=14)
        assert first.slot == datetime.combine(date(2026, 4, 11), time(9), tzinfo=AGENCY_TIMEZONE)
        assert await run_due(app, [every]) == []  # 09:14: still the 09:00 slot
        _app_clock(app).advance(minutes=16)
        [second] = await run_due(app, [every])
        assert second.slot - first.slot == timedelta(minutes=30)  # 09:30
        assert await pool.fetchval("select count(*) from scheduled_runs where job = 'test-off'") == 0
