"""One approval reminder run, timed: 10,000 pending entries across 500 companies (issue 14).

A fresh notifications database (cloned from the migrated template; dropped afterwards unless ``--keep``) is seeded
with COPY as the consumers would have left it: per company its name, two approvers (one English), a backup
approver in force and four placements (a consultant of 20 responsible for each); the pending entries spread over
the companies, submitted 3, 5 or 8 working days before the run's day (so a third of the companies reach the
reminder, a third the follow-up and a third the escalation), a tenth of the companies opted in to deemed approval
after 8 days. Then, with the app served in-process (Kafka namespace of its own, deleted afterwards) and its clock
fixed on the run's day at 07:05:

decide+queue: ``vikar_shared.scheduling.run_due`` of the ``approval-reminders`` schedule: reading everything
              pending, the ladders, recording the steps, rendering and queueing the mails, writing the deemed
              approval requests, in one transaction (seconds; checked: one mail per addressee, one request per
              opted-in company).
send:         the app's sender drains the mail outbox into Mailpit (mails/s, until every row is sent).

    bench/notify [--entries 10000] [--companies 500] [--keep] [--no-send]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time

import asyncpg

from notifications.app import MIGRATIONS, create_app
from notifications.config import NotificationsSettings
from vikar_shared.clock import AGENCY_TIMEZONE, FixedClock
from vikar_shared.messaging.kafka import delete_topics
from vikar_shared.scheduling import run_due
from vikar_shared.testing.plugin import StackSettings, clone_database, drop_database, serve_in_process

RUN_DAY = date(2026, 4, 22)  # a Wednesday; the entries were submitted before and after Easter
STEP_AGES = (3, 5, 8)
CONSULTANTS = 20
PLACEMENTS_PER_COMPANY = 4


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


async def seed(pool: asyncpg.Pool, entries: int, companies: int, settings: NotificationsSettings) -> dict[str, int]:
    rng = random.Random(14)
    calendar = settings.working_days()
    ages_to_day: dict[int, date] = {}
    for age in STEP_AGES:
        day = RUN_DAY
        while calendar.working_days_between(day, RUN_DAY) < age:
            day -= timedelta(days=1)
        ages_to_day[age] = day
    staff = [
        (
            uuid.uuid4(),
            f"bench-consultant-{i}",
            f"Konsulent {i}",
            f"konsulent-{i}@bench.example",
            "consultant",
            True,
            "da",
        )
        for i in range(CONSULTANTS)
    ]
    company_rows, approver_rows, backup_rows, placement_rows, entry_rows, ladder_rows = [], [], [], [], [], []
    company_ids = [uuid.uuid4() for _ in range(companies)]
    placements: dict[uuid.UUID, list[tuple[uuid.UUID, str]]] = {}
    for n, company in enumerate(company_ids):
        company_rows.append((company, f"Virksomhed {n} ApS"))
        approver_rows.append((company, f"godkender-{n}@bench.example", f"Godkender {n}", "da"))
        approver_rows.append((company, f"approver-{n}@bench.example", f"Approver {n}", "en"))
        backup_rows.append((company, 0, f"backup-{n}@bench.example", f"Backup {n}", date(2026, 1, 1), None, None))
        placements[company] = []
        for p in range(PLACEMENTS_PER_COMPANY):
            placement, name = uuid.uuid4(), f"Borger {n}-{p}"
            placements[company].append((placement, name))
            placement_rows.append(
                (
                    placement,
                    company,
                    uuid.uuid4(),
                    name,
                    uuid.uuid4(),
                    staff[(n + p) % CONSULTANTS][1],
                    "active",
                    date(2026, 1, 5),
                )
            )
        if n % 10 == 0:
            ladder_rows.append((company, 3, 5, 7, True, 8, "bench"))
    for i in range(entries):
        company = company_ids[i % companies]
        placement, name = placements[company][(i // companies) % PLACEMENTS_PER_COMPANY]
        submitted_day = ages_to_day[STEP_AGES[(i % companies) % 3]]
        submitted_at = datetime.combine(submitted_day, clock_time(10), tzinfo=AGENCY_TIMEZONE).astimezone(UTC)
        work_date = submitted_day - timedelta(days=1 + rng.randrange(10))
        entry_rows.append(
            (
                uuid.uuid4(),
                uuid.uuid4(),
                company,
                placement,
                name,
                work_date,
                15 * rng.randrange(4, 33),
                None,
                submitted_at,
                submitted_at,
                1,
            )
        )
    async with pool.acquire() as conn:
        await conn.copy_records_to_table(
            "staff", records=staff, columns=["staff_id", "subject", "name", "email", "role", "active", "language"]
        )
        await conn.copy_records_to_table("companies", records=company_rows, columns=["company_id", "name"])
        await conn.copy_records_to_table(
            "company_approvers", records=approver_rows, columns=["company_id", "email", "name", "language"]
        )
        await conn.copy_records_to_table(
            "company_backup_approvers",
            records=backup_rows,
            columns=["company_id", "position", "email", "name", "valid_from", "valid_to", "language"],
        )
        await conn.copy_records_to_table(
            "placements",
            records=placement_rows,
            columns=[
                "placement_id",
                "company_id",
                "citizen_id",
                "citizen_name",
                "municipality_id",
                "consultant_id",
                "status",
                "start_date",
            ],
        )
        await conn.copy_records_to_table(
            "pending_entries",
            records=entry_rows,
            columns=[
                "entry_id",
                "submission_id",
                "company_id",
                "placement_id",
                "citizen_name",
                "work_date",
                "minutes",
                "corrects_entry_id",
                "submitted_at",
                "changed_at",
                "version",
            ],
        )
        await conn.copy_records_to_table(
            "company_reminder_settings",
            records=ladder_rows,
            columns=[
                "company_id",
                "reminder_working_days",
                "follow_up_working_days",
                "escalation_working_days",
                "deemed_approval",
                "deemed_approval_working_days",
                "updated_by",
            ],
        )
        await conn.execute("analyze")
    deemed_due = sum(1 for n in range(0, companies, 10) if STEP_AGES[n % 3] >= 8)
    return {
        "entries": len(entry_rows),
        "companies": len(company_rows),
        "opted_in": len(ladder_rows),
        "deemed_due": deemed_due,
    }


async def run(stack: StackSettings, entries: int, companies: int, keep: bool, send: bool) -> None:
    dsn = await clone_database(stack, "notifications", MIGRATIONS)
    namespace = f"bench{uuid.uuid4().hex[:8]}."
    settings = NotificationsSettings(
        database_url=dsn,
        kafka_bootstrap=stack.kafka_bootstrap,
        kafka_namespace=namespace,
        smtp_host=stack.smtp_host,
        smtp_port=stack.smtp_port,
        portal_base_url="https://portal.example.dk",
        sender_poll_interval_seconds=0.05,
        scheduler_poll_seconds=3600,
    )
    clock = FixedClock(datetime.combine(RUN_DAY - timedelta(days=30), clock_time(12), tzinfo=AGENCY_TIMEZONE))
    app = create_app(settings, clock=clock)
    print(_load())
    try:
        async with serve_in_process(app):
            pool: asyncpg.Pool = app.state.pool
            await pool.execute("delete from outgoing_emails")  # whatever the start-up pass may have planned
            seeded = await seed(pool, entries, companies, settings)
            print(
                f"seeded {seeded['entries']:,} pending entries across {seeded['companies']:,} companies "
                f"({seeded['opted_in']} opted in to deemed approval)"
            )
            clock.set(datetime.combine(RUN_DAY, clock_time(7, 5), tzinfo=AGENCY_TIMEZONE))
            started = time.perf_counter()
            reminders = [s for s in app.state.schedules if s.job == "approval-reminders"]  # not the digest
            [ran] = await run_due(app, reminders)
            decided = time.perf_counter() - started
            queued = int(await pool.fetchval("select count(*) from outgoing_emails"))
            due = int(
                await pool.fetchval(
                    "select count(*) from outbox where envelope->>'type' = 'notifications.deemed_approval_due'"
                )
            )
            print(
                f"decide+queue: {decided:.2f} s for {ran.summary['pending_entries']:,} entries "
                f"({ran.summary['pending_entries'] / decided:,.0f} entries/s): {ran.summary['steps_reached']:,} "
                f"steps, {queued:,} mails queued for {ran.summary['companies_mailed']} companies, {due} deemed "
                "approval requests"
            )
            # Each company: 2 approvers; escalating thirds add the backup and its placements' consultants.
            assert due == seeded["deemed_due"], due  # the opted-in companies whose entries waited 8 days
            if send:
                sent_started = time.perf_counter()
                while True:
                    left = int(await pool.fetchval("select count(*) from outgoing_emails where status = 'pending'"))
                    if not left:
                        break
                    await asyncio.sleep(0.2)
                seconds = time.perf_counter() - sent_started
                failed = int(await pool.fetchval("select count(*) from outgoing_emails where status = 'failed'"))
                print(
                    f"send: {queued:,} mails through Mailpit in {seconds:.1f} s = {queued / seconds:,.0f} mails/s "
                    f"(one sender, {failed} failed)"
                )
    finally:
        print(_load())
        await delete_topics(stack.kafka_bootstrap, namespace)
        if keep:
            print(f"database kept: {dsn}")
        else:
            await drop_database(stack, dsn)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--companies", type=int, default=500)
    parser.add_argument("--keep", action="store_true", help="keep the database (its DSN is printed)")
    parser.add_argument("--no-send", action="store_true", help="time the run only, not the sender")
    args = parser.parse_args()
    asyncio.run(run(StackSettings(), args.entries, args.companies, args.keep, not args.no_send))


if __name__ == "__main__":
    main()
