"""HoursSubmitted + CompanyRegistered over real Kafka → one e-mail per approver in Mailpit, never two."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import asyncpg

from notifications.app import create_app
from notifications.emails.models import message_id_for
from vikar_shared.auth.principal import Role
from vikar_shared.events.envelope import Envelope
from vikar_shared.events.placement import Approver, CompanyUpdated
from vikar_shared.events.timesheet import HoursSubmitted, SubmittedEntry
from vikar_shared.messaging.kafka import make_producer
from vikar_shared.testing.events import company_registered
from vikar_shared.testing.plugin import bearer, publish_events, serve_in_process, wait_until

# A duplicate, if one were made, has this long to show up after the first e-mail arrived.
DUPLICATE_GRACE_SECONDS = 2.0


def _hours(company_id: uuid.UUID, entries: list[SubmittedEntry] | None = None) -> HoursSubmitted:
    return HoursSubmitted(
        submission_id=uuid.uuid4(),
        placement_id=uuid.uuid4(),
        company_id=company_id,
        citizen_name="Mette Hansen",
        submitted_by="consultant-1",
        entries=entries
        or [
            SubmittedEntry(entry_id=uuid.uuid4(), work_date=date(2026, 1, 13), minutes=75),
            SubmittedEntry(entry_id=uuid.uuid4(), work_date=date(2026, 1, 12), minutes=150),
            SubmittedEntry(entry_id=uuid.uuid4(), work_date=date(2026, 1, 14), minutes=45),
        ],
    )


async def _wait_for_one_each(mailbox: Any, *addresses: str) -> None:
    async def arrived() -> bool:
        return all([await mailbox.count_to(a) >= 1 for a in addresses])

    await wait_until(arrived, what=f"an e-mail to each of {addresses}")


async def _assert_still_one_each(mailbox: Any, *addresses: str) -> None:
    await asyncio.sleep(DUPLICATE_GRACE_SECONDS)
    assert [await mailbox.count_to(a) for a in addresses] == [1] * len(addresses)


async def test_submission_mails_each_approver_once_with_entries_total_and_link(
    make_settings: Any, mailbox: Any, unique_address: Callable[[str], str], kafka: str, kafka_namespace: str
) -> None:
    anne, bo = unique_address("anne"), unique_address("bo")
    company_id = uuid.uuid4()
    app = create_app(await make_settings())
    async with serve_in_process(app) as client:
        await publish_events(
            kafka, kafka_namespace, [(company_registered(company_id, (anne, "Anne Jensen"), (bo, "Bo")), company_id)]
        )
        [envelope] = await publish_events(kafka, kafka_namespace, [(_hours(company_id), uuid.uuid4())])

        await _wait_for_one_each(mailbox, anne, bo)
        await _assert_still_one_each(mailbox, anne, bo)

        [summary] = await mailbox.messages_to(anne)
        assert summary["Subject"] == "Timer venter på godkendelse: Mette Hansen"
        assert f"<{summary['MessageID']}>" == message_id_for(envelope.id, anne, "vikarmodel.dk")
        text = (await mailbox.message(summary["ID"]))["Text"].replace("\r\n", "\n")
        assert text.startswith("Hej Anne Jensen,\n")
        assert re.search(r"mandag 12\. januar 2026 +2:30\n", text)
        assert re.search(r"tirsdag 13\. januar 2026 +1:15\n", text)
        assert re.search(r"onsdag 14\. januar 2026 +0:45\n", text)
        assert re.search(r"I alt +4:30\n", text)
        assert "https://portal.example.dk/portal/pending" in text
        # Issue 14: the agency registered the hours (a consultant submits them), the footer says why, an HTML part.
        assert "Vikarmodellen har registreret timer for Mette Hansen, som venter på jeres godkendelse:" in text
        assert "har indsendt" not in text
        assert "Du får denne mail fra Vikarmodellen, fordi du godkender timer for Bager Hansen ApS." in text
        html = (await mailbox.message(summary["ID"]))["HTML"]
        assert '<html lang="da">' in html and "4:30" in html
        assert "fordi du godkender timer for Bager Hansen ApS." in html
        [to_bo] = await mailbox.messages_to(bo)
        assert (await mailbox.message(to_bo["ID"]))["Text"].startswith("Hej Bo,")

        response = await client.get("/emails", params={"status": "sent"}, headers=bearer(Role.ADMIN))
        assert response.status_code == 200
        items = response.json()["items"]
        assert sorted(i["recipient"] for i in items) == sorted([anne, bo])
        assert {i["event_id"] for i in items} == {str(envelope.id)}
        assert all(i["attempts"] == 1 and i["sent_at"] is not None for i in items)
        one = await client.get(f"/emails/{items[0]['id']}", headers=bearer(Role.ADMIN))
        assert one.status_code == 200
        assert one.json()["subject"] == "Timer venter på godkendelse: Mette Hansen"
        pending = await client.get("/emails", params={"status": "pending"}, headers=bearer(Role.ADMIN))
        assert pending.json()["items"] == []


async def test_the_same_envelope_delivered_twice_mails_each_approver_once(
    make_settings: Any, mailbox: Any, unique_address: Callable[[str], str], kafka: str, kafka_namespace: str
) -> None:
    anne, bo = unique_address("anne"), unique_address("bo")
    company_id = uuid.uuid4()
    app = create_app(await make_settings())
    async with serve_in_process(app):
        await publish_events(
            kafka, kafka_namespace, [(company_registered(company_id, (anne, "Anne"), (bo, "Bo")), company_id)]
        )
        hours = _hours(company_id)
        envelope = Envelope.wrap(hours, source="timesheet", subject=hours.placement_id)
        raw = envelope.model_dump_json().encode()
        producer = make_producer(kafka, "test-duplicate-publisher")
        await producer.start()
        try:
            for _ in range(2):
                await producer.send_and_wait(
                    kafka_namespace + hours.topic, value=raw, key=str(hours.placement_id).encode()
                )
        finally:
            await producer.stop()

        await _wait_for_one_each(mailbox, anne, bo)
        await _assert_still_one_each(mailbox, anne, bo)
        pool: asyncpg.Pool = app.state.pool
        assert await pool.fetchval("select count(*) from outgoing_emails where event_id = $1", envelope.id) == 2


async def test_hours_submitted_before_the_company_is_known_are_mailed_once_when_it_arrives(
    make_settings: Any, mailbox: Any, unique_address: Callable[[str], str], kafka: str, kafka_namespace: str
) -> None:
    anne, bo = unique_address("anne"), unique_address("bo")
    company_id = uuid.uuid4()
    app = create_app(await make_settings())
    async with serve_in_process(app):
        pool: asyncpg.Pool = app.state.pool
        [envelope] = await publish_events(kafka, kafka_namespace, [(_hours(company_id), uuid.uuid4())])

        async def stored() -> bool:
            return bool(await pool.fetchval("select count(*) from submissions where event_id = $1", envelope.id))

        await wait_until(stored, what="the submission to be stored")
        assert await pool.fetchval("select count(*) from outgoing_emails") == 0
        assert await mailbox.count_to(anne) == 0

        company = company_registered(company_id, (anne, "Anne"), (bo, "Bo"))
        await publish_events(kafka, kafka_namespace, [(company, company_id)])
        await _wait_for_one_each(mailbox, anne, bo)

        # The company announced again (a new event): the submission was already mailed.
        await publish_events(kafka, kafka_namespace, [(company, company_id)])

        async def registered_twice() -> bool:
            return bool(
                await pool.fetchval("select count(*) from inbox where consumer = 'notifications.companies'") == 2
            )

        await wait_until(registered_twice, what="the second CompanyRegistered to be handled")
        await _assert_still_one_each(mailbox, anne, bo)
        assert await pool.fetchval("select count(*) from outgoing_emails") == 2


async def test_company_updated_replaces_the_approvers_later_submissions_are_mailed_to(
    make_settings: Any, mailbox: Any, unique_address: Callable[[str], str], kafka: str, kafka_namespace: str
) -> None:
    anne, carl = unique_address("anne"), unique_address("carl")
    company_id = uuid.uuid4()
    app = create_app(await make_settings())
    async with serve_in_process(app):
        await publish_events(kafka, kafka_namespace, [(company_registered(company_id, (anne, "Anne")), company_id)])
        updated = CompanyUpdated(
            company_id=company_id,
            name="Bager Hansen ApS",
            cvr="12345674",
            approvers=[Approver(email=carl, name="Carl")],
        )
        await publish_events(kafka, kafka_namespace, [(updated, company_id)])
        pool: asyncpg.Pool = app.state.pool

        async def replaced() -> bool:
            return bool(
                await pool.fetchval("select count(*) from inbox where consumer = 'notifications.companies'") == 2
            )

        await wait_until(replaced, what="the CompanyUpdated to be handled")
        await publish_events(kafka, kafka_namespace, [(_hours(company_id), uuid.uuid4())])
        await _wait_for_one_each(mailbox, carl)
        await asyncio.sleep(DUPLICATE_GRACE_SECONDS)
        assert await mailbox.count_to(anne) == 0
        assert await mailbox.count_to(carl) == 1


async def test_an_english_approver_gets_the_english_mail_with_the_correction_marked(
    make_settings: Any, mailbox: Any, unique_address: Callable[[str], str], kafka: str, kafka_namespace: str
) -> None:
    eve = unique_address("eve")
    company_id = uuid.uuid4()
    company = company_registered(company_id)
    company = company.model_copy(update={"approvers": [Approver(email=eve, name="Eve Smith", language="en")]})
    hours = _hours(
        company_id,
        [
            SubmittedEntry(entry_id=uuid.uuid4(), work_date=date(2026, 1, 12), minutes=150),
            SubmittedEntry(
                entry_id=uuid.uuid4(), work_date=date(2026, 1, 9), minutes=-60, corrects_entry_id=uuid.uuid4()
            ),
        ],
    )
    app = create_app(await make_settings())
    async with serve_in_process(app):
        await publish_events(kafka, kafka_namespace, [(company, company_id)])
        await publish_events(kafka, kafka_namespace, [(hours, uuid.uuid4())])
        await _wait_for_one_each(mailbox, eve)

        [summary] = await mailbox.messages_to(eve)
        assert summary["Subject"] == "Hours await your approval: Mette Hansen"
        message = await mailbox.message(summary["ID"])
        text = message["Text"].replace("\r\n", "\n")
        assert text.startswith("Dear Eve Smith,\n\nVikarmodellen has registered hours for Mette Hansen")
        assert re.search(r"Friday 9 January 2026 +correction: −1:00\n", text)
        assert re.search(r"Monday 12 January 2026 +2:30\n", text)
        assert re.search(r"Total +1:30\n", text)
        assert "You receive this mail from Vikarmodellen because you approve hours for Bager Hansen ApS." in text
        assert '<html lang="en">' in message["HTML"]
        assert "<em>correction: −1:00</em>" in message["HTML"]
