"""Deemed approval across services (issue 14, part C): hours submitted in timesheet wait in notifications; the
company opted in to deemed approval after 4 working days; notifications' reminder run on that day (its clock moved
forward, timesheet's left alone) asks timesheet, which approves the entries as deemed approved (the reason on the
entry and in ``EntryApproved``), and the approver is told by mail (checked in Mailpit). The request names entries at
their versions, so clocks that disagree (timesheet's database ahead of the hosts' clocks) change nothing, and an
entry changed before timesheet handled the request is left alone and asked about at the next run at its new
version. Both services run in this process on their own databases over the real Kafka in a namespace of this
test's own."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx

from notifications.app import MIGRATIONS as NOTIFICATIONS_MIGRATIONS
from notifications.app import create_app as notifications_app
from notifications.config import NotificationsSettings
from timesheet.app import MIGRATIONS as TIMESHEET_MIGRATIONS
from timesheet.app import create_app as timesheet_app
from timesheet.config import TimesheetSettings
from vikar_shared.auth.principal import Role
from vikar_shared.clock import AGENCY_TIMEZONE, FixedClock, agency_date
from vikar_shared.events.placement import Approver, CompanyRegistered, PlacementCreated
from vikar_shared.scheduling import run_due
from vikar_shared.testing.plugin import StackSettings, bearer, publish_events, serve_in_process, wait_until


async def test_pending_hours_past_the_deadline_are_deemed_approved_in_timesheet_and_the_approver_is_told(
    make_database: Callable[[str, Path], Awaitable[str]], kafka: str, kafka_namespace: str, mailpit: StackSettings
) -> None:
    common: dict[str, Any] = {
        "kafka_bootstrap": kafka,
        "kafka_namespace": kafka_namespace,
        "consumer_retry_backoff_seconds": 0.01,
    }
    settings = NotificationsSettings(
        database_url=await make_database("notifications", NOTIFICATIONS_MIGRATIONS),
        smtp_host=mailpit.smtp_host,
        smtp_port=mailpit.smtp_port,
        portal_base_url="https://portal.example.dk",
        sender_poll_interval_seconds=0.05,
        scheduler_poll_seconds=3600,
        **common,
    )
    clock = FixedClock(datetime.now(AGENCY_TIMEZONE))
    notifications = notifications_app(settings, clock=clock)
    timesheet = timesheet_app(
        TimesheetSettings(database_url=await make_database("timesheet", TIMESHEET_MIGRATIONS), **common)
    )
    approver = f"approver-{uuid.uuid4().hex}@example.dk"
    company = uuid.uuid4()
    today = agency_date(clock.now())
    placement = PlacementCreated(
        placement_id=uuid.uuid4(),
        citizen_id=uuid.uuid4(),
        citizen_name="Mette Hansen",
        referral_id=uuid.uuid4(),
        municipality_id=uuid.uuid4(),
        co_financing_eligible=True,
        company_id=company,
        start_date=today - timedelta(days=30),
        end_date=None,
        bill_rate_ore_per_hour=15_000,
    )
    registered = CompanyRegistered(
        company_id=company, name="Bager Test ApS", cvr="12345678", approvers=[Approver(email=approver, name="Ib")]
    )
    async with serve_in_process(notifications) as notes, serve_in_process(timesheet) as hours:
        await publish_events(kafka, kafka_namespace, [(registered, company), (placement, placement.placement_id)])

        async def known() -> bool:
            in_timesheet = await timesheet.state.pool.fetchval(
                "select count(*) from placements where placement_id = $1", placement.placement_id
            )
            in_notifications = await notifications.state.pool.fetchval(
                "select count(*) from company_approvers where company_id = $1", company
            )
            return bool(in_timesheet == 1 and in_notifications == 1)

        await wait_until(known, what="the placement in timesheet and the approver in notifications")
        ladder = await notes.put(
            f"/companies/{company}/reminder-settings",
            json={
                "reminder_working_days": 1,
                "follow_up_working_days": 2,
                "escalation_working_days": 3,
                "deemed_approval": True,
                "deemed_approval_working_days": 4,
            },
            headers=bearer(Role.CONSULTANT, sub="anna"),
        )
        assert ladder.status_code == 200, ladder.text
        submitted = await hours.post(
            f"/placements/{placement.placement_id}/entries",
            json={
                "entries": [
                    {"work_date": (today - timedelta(days=2)).isoformat(), "minutes": 450},
                    {"work_date": (today - timedelta(days=1)).isoformat(), "minutes": 135},
                    {"work_date": (today - timedelta(days=3)).isoformat(), "minutes": 60},
                ]
            },
            headers=bearer(Role.CONSULTANT, sub="anna"),
        )
        assert submitted.status_code == 201, submitted.text
        *entry_ids, later_id = [e["id"] for e in submitted.json()["entries"]]

        async def pending() -> bool:
            count = await notifications.state.pool.fetchval(
                "select count(*) from pending_entries where company_id = $1", company
            )
            return bool(count == 3)

        await wait_until(pending, what="the hours pending in notifications")
        # Timesheet's database clock an hour ahead of the hosts' (submitted_at is its now(); the pending read
        # model has the HoursSubmitted envelope's time): no timestamp is compared, so nothing is left out.
        await timesheet.state.pool.execute("update entries set submitted_at = submitted_at + interval '1 hour'")
        reminders = [s for s in notifications.state.schedules if s.job == "approval-reminders"]
        due_day = settings.working_days().add_working_days(today, 4)
        clock.set(datetime.combine(due_day, time(7, 5), tzinfo=AGENCY_TIMEZONE))
        async with notifications.state.pool.acquire() as holder:
            # Notifications has not yet seen the change (its pending row is held), so the run asks about the
            # entry at version 1; timesheet already has version 2 and leaves it alone.
            held = holder.transaction()
            await held.start()
            try:
                await holder.execute(
                    "select 1 from pending_entries where entry_id = $1 for update", uuid.UUID(later_id)
                )
                changed = await hours.put(
                    f"/entries/{later_id}",
                    json={"work_date": (today - timedelta(days=3)).isoformat(), "minutes": 75, "expected_version": 1},
                    headers=bearer(Role.CONSULTANT, sub="anna"),
                )
                assert changed.status_code == 200, changed.text
                [ran] = await run_due(notifications, reminders)
                assert ran.summary["deemed_approval_due"] == 1
                [asked] = await notifications.state.pool.fetch(
                    "select envelope from outbox where envelope->>'type' = 'notifications.deemed_approval_due'"
                )
                assert sorted((e["entry_id"], e["version"]) for e in asked["envelope"]["data"]["entries"]) == sorted(
                    (i, 1) for i in [*entry_ids, later_id]
                )

                async def first_approved() -> bool:
                    found = [await hours.get(f"/entries/{i}", headers=bearer(Role.ADMIN)) for i in entry_ids]
                    return all(f.json()["status"] == "approved" for f in found)

                await wait_until(first_approved, what="the unchanged entries deemed approved")
            finally:
                await held.commit()
        later = (await hours.get(f"/entries/{later_id}", headers=bearer(Role.ADMIN))).json()
        assert (later["status"], later["version"], later["minutes"]) == ("submitted", 2, 75)

        async def seen_changed() -> bool:
            version = await notifications.state.pool.fetchval(
                "select version from pending_entries where entry_id = $1", uuid.UUID(later_id)
            )
            return bool(version == 2)

        await wait_until(seen_changed, what="notifications seeing the change")
        # The next run asks again, about that entry only, at its new version; timesheet approves it.
        next_day = settings.working_days().add_working_days(due_day, 1)
        clock.set(datetime.combine(next_day, time(7, 5), tzinfo=AGENCY_TIMEZONE))
        [ran] = await run_due(notifications, reminders)
        assert ran.summary["deemed_approval_due"] == 1
        [_, again] = await notifications.state.pool.fetch(
            "select envelope from outbox where envelope->>'type' = 'notifications.deemed_approval_due' order by id"
        )
        assert again["envelope"]["data"]["entries"] == [{"entry_id": later_id, "version": 2}]
        entry_ids.append(later_id)

        async def entries() -> list[dict[str, Any]]:
            found = []
            for entry_id in entry_ids:
                answer: httpx.Response = await hours.get(f"/entries/{entry_id}", headers=bearer(Role.ADMIN))
                found.append(answer.json())
            return found

        async def approved() -> bool:
            return all(e["status"] == "approved" for e in await entries())

        await wait_until(approved, what="the entries deemed approved in timesheet")
        assert [(e["status_reason"], e["decided_by"]) for e in await entries()] == [
            ("deemed_approved", "deemed-approval")
        ] * 3
        events = await timesheet.state.pool.fetch(
            "select envelope from outbox where envelope->>'type' = 'timesheet.entry_approved'"
        )
        assert sorted(
            (e["envelope"]["subject"], e["envelope"]["data"]["status_reason"], e["envelope"]["data"]["approved_by"])
            for e in events
        ) == sorted((i, "deemed_approved", "deemed-approval") for i in entry_ids)

        async def told() -> bool:
            async with httpx.AsyncClient(base_url=mailpit.mailpit_url) as client:
                found = await client.get("/api/v1/search", params={"query": f"to:{approver}", "limit": 50})
                subjects = [m["Subject"] for m in found.json()["messages"]]
            return "Timer anset for godkendt hos Bager Test ApS" in subjects

        await wait_until(told, what="the approver told of the deemed approval")

        async def no_longer_pending() -> bool:
            count = await notifications.state.pool.fetchval(
                "select count(*) from pending_entries where company_id = $1", company
            )
            return bool(count == 0)

        await wait_until(no_longer_pending, what="notifications seeing the approvals")
