"""The approval reminder ladder (issue 14, part C) with the injectable clock: the run climbs the ladder over two
weeks across a weekend and Easter 2026 (Maundy Thursday, Good Friday, Easter Monday), one mail per addressee per
step checked in Mailpit (recipients, subject, the pending minutes), escalation to the backup approver in force
and the responsible consultant; the same slot run twice, or by two replicas at once, mails once; deemed approval
on (the run asks timesheet, the approvers hear what was deemed approved) and off (nothing asked)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

import asyncpg

from notifications.app import create_app
from notifications.emails.models import message_id_for
from notifications.reminders.mail import ladder_event_id
from notifications.reminders.models import Step
from notifications.reminders.run import JOB
from vikar_shared.auth.principal import Role
from vikar_shared.clock import AGENCY_TIMEZONE, FixedClock
from vikar_shared.events.envelope import Envelope, EventData
from vikar_shared.events.placement import (
    Approver,
    BackupApprover,
    CompanyRegistered,
    PlacementCreated,
    StaffMemberChanged,
)
from vikar_shared.events.timesheet import (
    DeemedEntry,
    EntriesDeemedApproved,
    EntryChanged,
    HoursSubmitted,
    SubmittedEntry,
)
from vikar_shared.messaging.kafka import make_producer
from vikar_shared.scheduling import last_runs, run_due
from vikar_shared.testing.plugin import bearer, serve_in_process, wait_until


def _reminders(app: Any) -> list[Any]:
    """The reminder run alone (the app's schedules hold the Monday digest too)."""
    return [s for s in app.state.schedules if s.job == "approval-reminders"]


def local(day: date, at: time = time(7, 5)) -> datetime:
    return datetime.combine(day, at, tzinfo=AGENCY_TIMEZONE)


async def publish(
    kafka: str, namespace: str, events: list[tuple[EventData, object, datetime | None]], *, times: int = 1
) -> None:
    """Publishes events as the owning service's relay would, each at the ``occurred_at`` given (None: now);
    ``times`` > 1 sends each envelope again (a relay's redelivery: the same event id)."""
    producer = make_producer(kafka, "test-publisher")
    await producer.start()
    try:
        for data, key, occurred_at in events:
            envelope = Envelope.wrap(data, source=data.topic.split(".")[0], subject=key, occurred_at=occurred_at)
            for _ in range(times):
                await producer.send_and_wait(
                    namespace + data.topic, value=envelope.model_dump_json().encode(), key=str(key).encode()
                )
    finally:
        await producer.stop()


class World:
    """One company with two approvers (Danish, English), a backup approver in force in April and one whose range
    ended, a consultant responsible for one of its two placements."""

    def __init__(self, address: Callable[[str], str]) -> None:
        self.company_id = uuid.uuid4()
        self.approver_da = address("approver-da")
        self.approver_en = address("approver-en")
        self.backup = address("backup")
        self.backup_expired = address("backup-old")
        self.consultant = address("consultant")
        self.consultant_subject = f"consultant-{uuid.uuid4().hex[:8]}"
        self.placement_1 = uuid.uuid4()
        self.placement_2 = uuid.uuid4()

    def setup_events(self) -> list[tuple[EventData, object, datetime | None]]:
        company = CompanyRegistered(
            company_id=self.company_id,
            name="Bager Test ApS",
            cvr="12345678",
            approvers=[
                Approver(email=self.approver_da, name="Ib Bager"),
                Approver(email=self.approver_en, name="Jane Baker", language="en"),
            ],
            backup_approvers=[
                BackupApprover(email=self.backup, name="Bo Backup", valid_from=date(2026, 4, 1)),
                BackupApprover(email=self.backup_expired, name="Old Backup", valid_to=date(2026, 3, 1)),
            ],
        )
        staff = StaffMemberChanged(
            staff_id=uuid.uuid4(),
            subject=self.consultant_subject,
            name="Anna Konsulent",
            email=self.consultant,
            role="consultant",
            active=True,
        )
        placements = [
            PlacementCreated(
                placement_id=placement,
                citizen_id=uuid.uuid4(),
                citizen_name=name,
                referral_id=uuid.uuid4(),
                municipality_id=uuid.uuid4(),
                co_financing_eligible=True,
                company_id=self.company_id,
                start_date=date(2026, 1, 5),
                end_date=None,
                bill_rate_ore_per_hour=15_000,
                consultant_id=consultant,
            )
            for placement, name, consultant in (
                (self.placement_1, "Mette Hansen", self.consultant_subject),
                (self.placement_2, "Ali Nielsen", None),
            )
        ]
        return [(company, self.company_id, None), (staff, staff.staff_id, None)] + [
            (p, p.placement_id, None) for p in placements
        ]

    def submission(
        self, placement: uuid.UUID, citizen: str, days: list[tuple[date, int]], at: datetime
    ) -> tuple[HoursSubmitted, list[uuid.UUID]]:
        entries = [SubmittedEntry(entry_id=uuid.uuid4(), work_date=d, minutes=m) for d, m in days]
        event = HoursSubmitted(
            submission_id=uuid.uuid4(),
            placement_id=placement,
            company_id=self.company_id,
            citizen_name=citizen,
            submitted_by="consultant",
            entries=entries,
        )
        return event, [e.entry_id for e in entries]


async def _known(pool: asyncpg.Pool, world: World) -> bool:
    return bool(
        await pool.fetchval(
            """select (select count(*) from company_approvers where company_id = $1) = 2
                  and (select count(*) from company_backup_approvers where company_id = $1) = 2
                  and (select count(*) from placements where company_id = $1) = 2
                  and exists (select 1 from staff where subject = $2)""",
            world.company_id,
            world.consultant_subject,
        )
    )


async def _pending(pool: asyncpg.Pool, company_id: uuid.UUID) -> int:
    return int(await pool.fetchval("select count(*) from pending_entries where company_id = $1", company_id))


async def _ladder_mails(pool: asyncpg.Pool, recipients: list[str]) -> list[tuple[str, str]]:
    rows = await pool.fetch(
        """select recipient, kind from outgoing_emails
           where recipient = any($1::text[]) and kind <> 'hours_submitted' order by id""",
        recipients,
    )
    return [(r["recipient"], r["kind"]) for r in rows]


async def test_the_ladder_over_two_weeks_with_easter_mails_each_step_once(
    make_settings: Any, mailbox: Any, unique_address: Callable[[str], str], kafka: str, kafka_namespace: str
) -> None:
    world = World(unique_address)
    everyone = [world.approver_da, world.approver_en, world.backup, world.backup_expired, world.consultant]
    clock = FixedClock(local(date(2026, 3, 29), time(12)))  # a Sunday: the start-up pass finds nothing
    app = create_app(await make_settings(scheduler_poll_seconds=3600), clock=clock)
    async with serve_in_process(app):
        pool: asyncpg.Pool = app.state.pool
        await publish(kafka, kafka_namespace, world.setup_events())
        await wait_until(lambda: _known(pool, world), what="the company, its backups, placements and consultant")
        # Submitted Monday 30 March 10:00: 7:30 and 2:15 of Mette's.
        first, first_ids = world.submission(
            world.placement_1,
            "Mette Hansen",
            [(date(2026, 3, 23), 450), (date(2026, 3, 24), 135)],
            local(date(2026, 3, 30), time(10)),
        )
        second, second_ids = world.submission(
            world.placement_2, "Ali Nielsen", [(date(2026, 4, 7), 240)], local(date(2026, 4, 8), time(9))
        )
        clock.set(local(date(2026, 3, 30), time(10)))
        await publish(kafka, kafka_namespace, [(first, first.placement_id, clock.now())])

        async def first_pending() -> bool:
            return await _pending(pool, world.company_id) == 2

        await wait_until(first_pending, what="the first submission pending")

        planned: dict[date, list[tuple[str, str]]] = {}
        skipped: list[date] = []
        no_slot: list[date] = []
        seen = 0
        day = date(2026, 3, 31)
        while day <= date(2026, 4, 17):
            if day == date(2026, 4, 8):
                clock.set(local(day, time(9)))
                await publish(kafka, kafka_namespace, [(second, second.placement_id, clock.now())])

                async def both_pending() -> bool:
                    return await _pending(pool, world.company_id) == 3

                await wait_until(both_pending, what="the second submission pending")
            clock.set(local(day))
            if day == date(2026, 4, 9):  # two replicas at once: the slot runs once
                results = await asyncio.gather(run_due(app, _reminders(app)), run_due(app, _reminders(app)))
                ran = [r for result in results for r in result]
            else:
                ran = await run_due(app, _reminders(app))
            assert await run_due(app, _reminders(app)) == []  # the same slot again: nothing
            if not ran:
                no_slot.append(day)
            elif "skipped" in ran[0].summary:
                skipped.append(day)
            assert len(ran) <= 1
            mails = await _ladder_mails(pool, everyone)
            if mails[seen:]:
                planned[day] = sorted(mails[seen:])
            seen = len(mails)
            day += timedelta(days=1)

        # Weekends have no slot; the Easter holidays' slots run and do nothing.
        assert no_slot == [date(2026, 4, 4), date(2026, 4, 5), date(2026, 4, 11), date(2026, 4, 12)]
        assert skipped == [date(2026, 4, 2), date(2026, 4, 3), date(2026, 4, 6)]

        def to(kind: str, *who: str) -> list[tuple[str, str]]:
            return sorted((w, kind) for w in who)

        approvers = (world.approver_da, world.approver_en)
        assert planned == {
            # Mette's entries: 3 working days after Monday 30 March skipping Easter is Tuesday 7 April.
            date(2026, 4, 7): to("approval_reminder", *approvers),
            date(2026, 4, 9): to("approval_follow_up", *approvers),
            # Ali's entry (submitted 8 April) reaches its reminder on the 13th, its follow-up on the 15th.
            date(2026, 4, 13): to("approval_reminder", *approvers),
            date(2026, 4, 14): to("approval_escalation", *approvers, world.backup, world.consultant),
            date(2026, 4, 15): to("approval_follow_up", *approvers),
        }
        steps = await pool.fetch(
            "select entry_id, step, slot from ladder_steps where company_id = $1 order by slot, step",
            world.company_id,
        )
        reached = {(r["entry_id"], r["step"]): r["slot"].astimezone(AGENCY_TIMEZONE).date() for r in steps}
        assert reached[(first_ids[0], "escalation")] == date(2026, 4, 14)
        assert reached[(second_ids[0], "reminder")] == date(2026, 4, 13)
        assert (second_ids[0], "escalation") not in reached  # 20 April
        runs = {r["slot"].astimezone(AGENCY_TIMEZONE).date(): r["summary"] for r in await last_runs(pool, JOB, 30)}
        assert runs[date(2026, 4, 7)]["mails_queued"] == 2 and runs[date(2026, 4, 14)]["mails_queued"] == 4

        # Every mail reaches Mailpit once, with the Message-ID derived from (company, step, slot).
        async def delivered() -> bool:
            return bool(
                await pool.fetchval(
                    "select count(*) = 0 from outgoing_emails where recipient = any($1::text[]) and status <> 'sent'",
                    everyone,
                )
            )

        await wait_until(delivered, what="every ladder mail sent")
        da_messages = [m for m in await mailbox.messages_to(world.approver_da) if not m["Subject"].startswith("Timer")]
        assert len(da_messages) == 5
        slot_7 = datetime.combine(date(2026, 4, 7), time(7), tzinfo=AGENCY_TIMEZONE)
        reminder_id = message_id_for(
            ladder_event_id(world.company_id, Step.REMINDER, slot_7), world.approver_da, "vikarmodel.dk"
        )
        [first_reminder] = [m for m in da_messages if f"<{m['MessageID']}>" == reminder_id]
        body = (await mailbox.message(first_reminder["ID"]))["Text"]
        assert first_reminder["Subject"] == "Påmindelse: timer venter på godkendelse hos Bager Test ApS"
        assert "Mette Hansen" in body and "7:30" in body and "2:15" in body and "Venter i alt: 9:45" in body
        assert "Uge 13 (2026)" in body and "https://portal.example.dk/portal/pending" in body
        assert "Ali Nielsen" not in body  # not submitted yet on 7 April
        assert "fordi du godkender timer for Bager Test ApS" in body

        en = [m for m in await mailbox.messages_to(world.approver_en) if m["Subject"].startswith("Follow-up")]
        assert len(en) == 2
        texts = [(await mailbox.message(m["ID"]))["Text"] for m in en]
        # 9 April: Mette's 9:45 and Ali's 4:00 pending, by ISO week and citizen.
        assert any("Pending in all: 13:45" in t and "Week 15 (2026)" in t and "Ali Nielsen" in t for t in texts)

        [escalated] = await mailbox.messages_to(world.consultant)
        assert escalated["Subject"] == "Eskalering: timer hos Bager Test ApS er ikke godkendt"
        text = (await mailbox.message(escalated["ID"]))["Text"]
        assert "Venter i alt: 13:45" in text and "konsulent for en borger i job hos Bager Test ApS" in text
        [backup] = await mailbox.messages_to(world.backup)
        assert backup["Subject"] == escalated["Subject"]
        assert await mailbox.count_to(world.backup_expired) == 0


async def _due_events(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "select envelope from outbox where envelope->>'type' = 'notifications.deemed_approval_due' order by id"
    )
    return [json.loads(r["envelope"]) if isinstance(r["envelope"], str) else r["envelope"] for r in rows]


async def test_deemed_approval_on_asks_timesheet_and_tells_the_approvers_off_asks_nothing(
    make_settings: Any, mailbox: Any, unique_address: Callable[[str], str], kafka: str, kafka_namespace: str
) -> None:
    """Christmas 2026: 24 and 31 December closed (the default setting), 25 and 26 public holidays. A ladder of
    1/2/3 working days with deemed approval after 4: entries submitted Monday 21 December are due on Tuesday 29
    December. The company without deemed approval (the default ladder is off) is never asked about."""
    opted, other = World(unique_address), World(unique_address)
    clock = FixedClock(local(date(2026, 12, 20), time(12)))
    app = create_app(await make_settings(scheduler_poll_seconds=3600), clock=clock)
    async with serve_in_process(app) as client:
        pool: asyncpg.Pool = app.state.pool
        await publish(kafka, kafka_namespace, opted.setup_events() + other.setup_events())
        await wait_until(lambda: _known(pool, opted), what="the opted-in company")
        await wait_until(lambda: _known(pool, other), what="the other company")
        answer = await client.put(
            f"/companies/{opted.company_id}/reminder-settings",
            json={
                "reminder_working_days": 1,
                "follow_up_working_days": 2,
                "escalation_working_days": 3,
                "deemed_approval": True,
                "deemed_approval_working_days": 4,
            },
            headers=bearer(Role.CONSULTANT, sub="anna"),
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["updated_by"] == "anna" and answer.json()["deemed_approval_working_days"] == 4
        other_ladder = await client.put(
            f"/companies/{other.company_id}/reminder-settings",
            json={"reminder_working_days": 1, "follow_up_working_days": 2, "escalation_working_days": 3},
            headers=bearer(Role.ADMIN, sub="root"),
        )
        assert other_ladder.json()["deemed_approval"] is False
        submitted = local(date(2026, 12, 21), time(10))
        clock.set(submitted)
        opted_hours, opted_ids = opted.submission(
            opted.placement_1, "Mette Hansen", [(date(2026, 12, 14), 480), (date(2026, 12, 15), 60)], submitted
        )
        other_hours, _ = other.submission(other.placement_1, "Mette Hansen", [(date(2026, 12, 14), 300)], submitted)
        await publish(
            kafka,
            kafka_namespace,
            [(opted_hours, opted_hours.placement_id, submitted), (other_hours, other_hours.placement_id, submitted)],
        )

        async def pending() -> bool:
            return await _pending(pool, opted.company_id) == 2 and await _pending(pool, other.company_id) == 1

        await wait_until(pending, what="both companies' hours pending")
        asked_on: dict[date, int] = {}
        day = date(2026, 12, 22)
        changed_at = local(date(2026, 12, 29), time(15))
        while day <= date(2027, 1, 5):
            if day == date(2026, 12, 30):
                # Changed after the request (a new version: timesheet left it alone): asked again at its new
                # version, that entry only.
                change = EntryChanged(
                    entry_id=opted_ids[1],
                    submission_id=opted_hours.submission_id,
                    placement_id=opted.placement_1,
                    company_id=opted.company_id,
                    version=2,
                    work_date=date(2026, 12, 15),
                    minutes=75,
                    previous_work_date=date(2026, 12, 15),
                    previous_minutes=60,
                    changed_by="anna",
                    changed_at=changed_at,
                )
                await publish(kafka, kafka_namespace, [(change, opted.placement_1, changed_at)])

                async def changed() -> bool:
                    return bool(
                        await pool.fetchval(
                            "select minutes = 75 from pending_entries where entry_id = $1", opted_ids[1]
                        )
                    )

                await wait_until(changed, what="the change in the pending read model")
            clock.set(local(day))
            await run_due(app, _reminders(app))
            asked_on[day] = len(await _due_events(pool))
            day += timedelta(days=1)
        # Working days after 21 Dec: 22, 23, (24 closed, 25-27), 28, 29 -> due on the 29th, asked once; the entry
        # changed on the 29th after the request is asked about again on the 30th, and never after.
        assert [d for d, n in asked_on.items() if n == 1] == [date(2026, 12, 29)]
        assert next(d for d, n in asked_on.items() if n == 2) == date(2026, 12, 30)
        assert set(asked_on.values()) == {0, 1, 2}
        due, again = await _due_events(pool)
        # Versions, not timestamps: the first request names both entries at their first version (a submission
        # without a version is timesheet's version 1), the second the changed entry at its new version only.
        assert again["data"]["entries"] == [{"entry_id": str(opted_ids[1]), "version": 2}]
        assert "entry_ids" not in due["data"] and "submitted_before" not in due["data"]
        assert due["data"]["company_id"] == str(opted.company_id)
        assert due["data"]["entries"] == [{"entry_id": str(i), "version": 1} for i in sorted(opted_ids)]
        assert due["data"]["working_days"] == 4
        # The other company climbed its ladder to escalation but was never deemed approved.
        assert (
            await pool.fetchval(
                "select count(*) from ladder_steps where company_id = $1 and step = 'deemed_approval'", other.company_id
            )
            == 0
        )
        assert (
            await pool.fetchval(
                "select count(*) from ladder_steps where company_id = $1 and step = 'escalation'", other.company_id
            )
            == 1
        )

        # Timesheet answers: the approvers hear what was deemed approved, once per approver.
        answered = EntriesDeemedApproved(
            company_id=opted.company_id,
            due_event_id=uuid.UUID(due["id"]),
            deemed_approved_at=clock.now(),
            entries=[
                DeemedEntry(
                    entry_id=opted_ids[0],
                    placement_id=opted.placement_1,
                    citizen_name="Mette Hansen",
                    work_date=date(2026, 12, 14),
                    minutes=480,
                ),
                DeemedEntry(
                    entry_id=opted_ids[1],
                    placement_id=opted.placement_1,
                    citizen_name="Mette Hansen",
                    work_date=date(2026, 12, 15),
                    minutes=60,
                ),
            ],
        )
        await publish(kafka, kafka_namespace, [(answered, opted.company_id, None)], times=2)

        async def told() -> bool:
            da = await mailbox.messages_to(opted.approver_da)
            en = await mailbox.messages_to(opted.approver_en)
            return any(m["Subject"].startswith("Timer anset") for m in da) and any(
                m["Subject"].startswith("Hours deemed approved") for m in en
            )

        await wait_until(told, what="the deemed-approved mails")
        [danish] = [m for m in await mailbox.messages_to(opted.approver_da) if m["Subject"].startswith("Timer anset")]
        assert danish["Subject"] == "Timer anset for godkendt hos Bager Test ApS"
        text = (await mailbox.message(danish["ID"]))["Text"]
        assert "8:00" in text and "1:00" in text and "Anset for godkendt i alt: 9:00" in text
        assert (
            await pool.fetchval(
                "select count(*) from outgoing_emails where kind = 'deemed_approved' and recipient = any($1::text[])",
                [opted.approver_da, opted.approver_en],
            )
            == 2
        )  # two deliveries of one event (publisher retried): the approvers are told once
        assert await mailbox.count_to(opted.backup) == 1  # the escalation only
