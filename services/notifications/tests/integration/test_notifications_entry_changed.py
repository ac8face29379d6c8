"""EntryChanged (a submitted entry changed before any decision): no e-mail of its own, never a second
approval mail; a submission still waiting for its approvers is mailed with the changed values."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import asyncpg

from notifications.app import create_app
from vikar_shared.events.timesheet import EntryChanged, HoursSubmitted, SubmittedEntry
from vikar_shared.testing.events import company_registered
from vikar_shared.testing.plugin import publish_events, serve_in_process, wait_until

# A mail, if one were made for the change, has this long to show up.
GRACE_SECONDS = 2.0
MONDAY, TUESDAY = date(2026, 1, 12), date(2026, 1, 13)


def _hours(company_id: uuid.UUID) -> HoursSubmitted:
    return HoursSubmitted(
        submission_id=uuid.uuid4(),
        placement_id=uuid.uuid4(),
        company_id=company_id,
        citizen_name="Mette Hansen",
        submitted_by="anna.consultant",
        entries=[
            SubmittedEntry(entry_id=uuid.uuid4(), work_date=MONDAY, minutes=240),
            SubmittedEntry(entry_id=uuid.uuid4(), work_date=TUESDAY, minutes=60),
        ],
    )


def _changed(hours: HoursSubmitted, minutes: int) -> EntryChanged:
    entry = hours.entries[0]
    return EntryChanged(
        entry_id=entry.entry_id,
        submission_id=hours.submission_id,
        placement_id=hours.placement_id,
        company_id=hours.company_id,
        version=2,
        work_date=entry.work_date,
        minutes=minutes,
        previous_work_date=entry.work_date,
        previous_minutes=entry.minutes,
        changed_by="anna.consultant",
        changed_at=datetime.now(UTC),
    )


async def _handled(pool: asyncpg.Pool, event_id: uuid.UUID) -> None:
    async def done() -> bool:
        # notifications.login_links reads the same topic and records the event as skipped: ask the
        # consumer that handles it.
        return bool(
            await pool.fetchval(
                "select count(*) from inbox where consumer = 'notifications.hours' and event_id = $1", event_id
            )
        )

    await wait_until(done, what=f"event {event_id} handled")


async def _text_to(mailbox: Any, address: str) -> str:
    [summary] = await mailbox.messages_to(address)
    return str((await mailbox.message(summary["ID"]))["Text"]).replace("\r\n", "\n")


async def test_a_change_after_the_approval_mail_mails_nobody_again(
    make_settings: Any, mailbox: Any, unique_address: Callable[[str], str], kafka: str, kafka_namespace: str
) -> None:
    anne = unique_address("anne")
    company_id = uuid.uuid4()
    app = create_app(await make_settings())
    async with serve_in_process(app):
        pool: asyncpg.Pool = app.state.pool
        await publish_events(kafka, kafka_namespace, [(company_registered(company_id, (anne, "Anne")), company_id)])
        hours = _hours(company_id)
        await publish_events(kafka, kafka_namespace, [(hours, hours.placement_id)])

        async def mailed() -> bool:
            return bool(await mailbox.count_to(anne) == 1)

        await wait_until(mailed, what="the approval mail")
        [changed] = await publish_events(kafka, kafka_namespace, [(_changed(hours, 180), hours.placement_id)])
        await _handled(pool, changed.id)
        await asyncio.sleep(GRACE_SECONDS)

        assert await mailbox.count_to(anne) == 1
        assert await pool.fetchval("select count(*) from outgoing_emails") == 1
        # Handled by the hours consumer, not skipped as a type it does not know.
        skipped = "select count(*) from consumer_skips where consumer = 'notifications.hours' and event_type like $1"
        assert await pool.fetchval(skipped, "%entry_changed%") == 0
        assert re.search(r"I alt +5:00\n", await _text_to(mailbox, anne))


async def test_a_submission_waiting_for_its_approvers_is_mailed_with_the_changed_hours(
    make_settings: Any, mailbox: Any, unique_address: Callable[[str], str], kafka: str, kafka_namespace: str
) -> None:
    anne = unique_address("anne")
    company_id = uuid.uuid4()
    app = create_app(await make_settings())
    async with serve_in_process(app):
        pool: asyncpg.Pool = app.state.pool
        hours = _hours(company_id)
        [_, changed] = await publish_events(
            kafka, kafka_namespace, [(hours, hours.placement_id), (_changed(hours, 180), hours.placement_id)]
        )
        await _handled(pool, changed.id)
        assert await pool.fetchval("select count(*) from outgoing_emails") == 0

        await publish_events(kafka, kafka_namespace, [(company_registered(company_id, (anne, "Anne")), company_id)])

        async def mailed() -> bool:
            return bool(await mailbox.count_to(anne) == 1)

        await wait_until(mailed, what="the approval mail")
        text = await _text_to(mailbox, anne)
        assert re.search(r"mandag 12\. januar 2026 +3:00\n", text), text
        assert re.search(r"tirsdag 13\. januar 2026 +1:00\n", text)
        assert re.search(r"I alt +4:00\n", text)
        assert await pool.fetchval("select total_minutes from submissions") == 240
