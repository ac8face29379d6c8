"""Issue 14 (part A): the consultant digest end to end. Placement (a real server on its own database, its relay
publishing to this test's topics) owns the staff directory, the placements and the follow-ups; notifications,
with a FixedClock, plans the Monday digest, fetches placement's /consultant-digest with a service token, adds the
pending hours past the ladder and the placements without hours, and mails once (Mailpit's API). A failed fetch
leaves the request planned (no half mail); a second run of the same week's slot mails nothing more."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx

from notifications.app import create_app
from notifications.digest.models import digest_event_id
from notifications.digest.tasks import DIGEST_SCHEDULE, build_due
from placement.app import MIGRATIONS as PLACEMENT_MIGRATIONS
from placement.app import create_app as create_placement
from placement.config import PlacementSettings
from vikar_shared.auth import Role
from vikar_shared.clock import FixedClock
from vikar_shared.events.timesheet import HoursSubmitted, SubmittedEntry
from vikar_shared.scheduling import run_due
from vikar_shared.testing.plugin import bearer, publish_events, serve_in_process, serve_over_http, wait_until

ADMIN = bearer(Role.ADMIN, sub="admin-1")


def _next_monday_after(days: int) -> date:
    day = datetime.now(UTC).date() + timedelta(days=days)
    return day + timedelta(days=(7 - day.weekday()) % 7)


async def _placement_world(client: httpx.AsyncClient, consultant: str, email: str, monday: date) -> dict[str, str]:
    """The consultant in placement's staff directory (English), a company, two active placements of theirs
    started 60 days before ``monday`` (Mette: hours pending; Ole: no hours) and an opening they reported."""
    mine = bearer(Role.CONSULTANT, sub=consultant)
    r = await client.post(
        "/staff",
        headers=ADMIN,
        json={"subject": consultant, "name": "Anna Konsulent", "email": email, "role": "consultant", "language": "en"},
    )
    assert r.status_code == 201, r.text
    m = await client.post("/municipalities", json={"name": "Aalborg"}, headers=ADMIN)
    mid = m.json()["id"]
    terms = {"effective_from": "2024-01-01", "co_financing_rate_ore_per_hour": 6500, "eligibility_threshold_weeks": 26}
    assert (await client.post(f"/municipalities/{mid}/terms", headers=ADMIN, json=terms)).status_code == 201
    c = await client.post(
        "/companies",
        headers=mine,
        json={
            "name": "Bager Hansen",
            "cvr": "12345674",
            "approvers": [{"email": f"ib-{consultant}@bager.example", "name": "Ib"}],
        },
    )
    company = c.json()["id"]
    start = (monday - timedelta(days=60)).isoformat()
    placements = {}
    for name, cpr in (("Mette Jensen", "010190-1234"), ("Ole Hansen", "150285-2345")):
        referral = await client.post(
            "/referrals",
            headers=mine,
            json={
                "cpr": cpr,
                "name": name,
                "municipality_id": mid,
                "referred_on": "2026-02-01",
                "weeks_unemployed": 60,
            },
        )
        assert referral.status_code == 201, referral.text
        p = await client.post(
            "/placements",
            headers=mine,
            json={
                "referral_id": referral.json()["id"],
                "company_id": company,
                "start_date": start,
                "bill_rate_ore_per_hour": 18_550,
            },
        )
        assert p.status_code == 201, p.text
        assert (await client.post(f"/placements/{p.json()['id']}/activate", headers=mine)).status_code == 200
        placements[name] = p.json()["id"]
    return {"company": company, **placements}


async def test_the_monday_digest_is_built_once_and_a_failed_fetch_leaves_it_planned(
    make_settings: Any,
    make_database: Any,
    kafka: str,
    kafka_namespace: str,
    mailbox: Any,
    unique_address: Callable[[str], str],
) -> None:
    consultant = f"anna-{uuid.uuid4().hex[:8]}"
    email = unique_address("anna")
    monday = _next_monday_after(21)
    placement_settings = PlacementSettings(
        database_url=await make_database("placement", PLACEMENT_MIGRATIONS),
        kafka_bootstrap=kafka,
        kafka_namespace=kafka_namespace,
    )
    placement_app = create_placement(placement_settings)
    placement_app.state.clock = FixedClock(datetime.combine(monday, time(8), tzinfo=UTC))
    async with serve_over_http(placement_app) as placement_url:
        async with httpx.AsyncClient(base_url=placement_url, timeout=10) as client:
            world = await _placement_world(client, consultant, email, monday)
        settings = await make_settings(placement_base_url=placement_url, digest_poll_seconds=3600.0)
        app = create_app(settings)
        clock = FixedClock(datetime.combine(monday - timedelta(days=1), time(12), tzinfo=UTC))  # Sunday first
        app.state.clock = clock
        async with serve_in_process(app) as notifications:
            pool = app.state.pool
            # Hours Mette worked 20 days back, submitted now (real time): weeks before the clock's Monday.
            worked = monday - timedelta(days=20)
            entries = [SubmittedEntry(entry_id=uuid.uuid4(), work_date=worked, minutes=m) for m in (150, 75)]
            hours = HoursSubmitted(
                submission_id=uuid.uuid4(),
                placement_id=uuid.UUID(world["Mette Jensen"]),
                company_id=uuid.UUID(world["company"]),
                citizen_name="Mette Jensen",
                submitted_by=consultant,
                entries=entries,
            )
            await publish_events(kafka, kafka_namespace, [(hours, hours.placement_id)])

            async def directory_ready() -> bool:
                staff = await pool.fetchval("select count(*) from staff where subject = $1", consultant)
                placed = await pool.fetchval(
                    "select count(*) from placements where consultant_id = $1 and status = 'active'", consultant
                )
                waiting = await pool.fetchval(
                    "select count(*) from pending_entries where placement_id = $1", hours.placement_id
                )
                return bool(staff == 1 and placed == 2 and waiting == 2)

            await wait_until(directory_ready, what="the directory, placements and pending hours in notifications")

            # Monday 09:00 in Copenhagen: the slot plans one request per active consultant (run here, or by the
            # app's own scheduler task if it polls first: the slot runs once either way).
            clock.set(datetime.combine(monday, time(8), tzinfo=UTC))
            await run_due(app, [DIGEST_SCHEDULE])
            week = f"{monday.isocalendar().year}-W{monday.isocalendar().week:02d}"

            async def planned() -> bool:
                return bool(
                    await pool.fetchval("select count(*) from digest_requests where consultant_id = $1", consultant)
                )

            await wait_until(planned, what="the Monday digest request")
            [request] = await pool.fetch(
                "select status, attempts from digest_requests where consultant_id = $1 and week = $2", consultant, week
            )
            assert (request["status"], request["attempts"]) == ("planned", 0)

            # Placement unreachable: the request stays planned with a later attempt, and no mail is written.
            dead = settings.model_copy(update={"placement_base_url": "http://127.0.0.1:9"})
            await build_due(app, dead)
            row = await pool.fetchrow(
                "select status, attempts, last_error, next_attempt_at from digest_requests where consultant_id = $1",
                consultant,
            )
            assert (row["status"], row["attempts"]) == ("planned", 1) and row["last_error"]
            assert row["next_attempt_at"] == clock.now() + timedelta(seconds=60)  # digest_retry_base_seconds
            assert await pool.fetchval("select count(*) from outgoing_emails where recipient = $1", email) == 0
            await build_due(app, settings)  # not yet due again
            assert await pool.fetchval("select count(*) from outgoing_emails where recipient = $1", email) == 0

            clock.advance(minutes=2)
            await build_due(app, settings)
            row = await pool.fetchrow("select status from digest_requests where consultant_id = $1", consultant)
            assert row["status"] == "built"

            async def arrived() -> bool:
                return bool(await mailbox.count_to(email) >= 1)

            await wait_until(arrived, what=f"the digest to {email}")
            [summary] = await mailbox.messages_to(email)
            message = await mailbox.message(summary["ID"])
            assert message["Subject"] == f"Your week at Vikarmodellen: {week}"
            text, html = message["Text"], message["HTML"]
            # Placement's part: the overdue day-7 and day-30 follow-ups of both placements, names only.
            assert "Mette Jensen at Bager Hansen: day-7 follow-up" in text
            assert "Ole Hansen at Bager Hansen: day-30 follow-up" in text
            # Notifications' part: Mette's 225 minutes pending past the ladder; Ole without hours for 14 days.
            assert "225 minutes" in text and "Mette Jensen, week" in text
            assert "Ole Hansen (no hours yet)" in text
            assert "because you are a consultant at Vikarmodellen" in text and "Vikarmodellen" in html
            assert "<li>Ole Hansen (no hours yet)</li>" in html
            assert "1234" not in text.replace(week, "")  # no CPR
            stored = await pool.fetchrow("select event_id, message_id from outgoing_emails where recipient = $1", email)
            assert stored["event_id"] == digest_event_id(consultant, week)

            # The same week's slot again (a second replica, a restart): nothing more planned, built or mailed.
            assert await run_due(app, [DIGEST_SCHEDULE]) == []
            from notifications.digest import service

            async with pool.acquire() as conn:
                again = await service.plan_weekly(conn, datetime.combine(monday, time(6), tzinfo=UTC))
            assert again == {"planned": 0}
            assert await build_due(app, settings) == 0
            await asyncio.sleep(1.0)
            assert await mailbox.count_to(email) == 1

            # On demand: the consultant for themselves (planned once that day), not for another; an admin names one.
            own = bearer(Role.CONSULTANT, sub=consultant)
            r = await notifications.post("/digests", headers=own, json={})
            assert (r.status_code, r.json()) == (202, {"consultant": consultant, "week": week, "planned": True})
            assert (await notifications.post("/digests", headers=own, json={})).json()["planned"] is False
            other = await notifications.post(
                "/digests", headers=bearer(Role.CONSULTANT, sub="bo"), json={"consultant": consultant}
            )
            assert other.status_code == 403
            admin = await notifications.post("/digests", headers=ADMIN, json={})
            assert admin.status_code == 422 and admin.json()["errors"][0]["field"] == "consultant"
            finance = await notifications.post(
                "/digests", headers=bearer(Role.FINANCE, sub="fie"), json={"consultant": consultant}
            )
            assert finance.status_code == 403
            # Nobody to send to: a subject not in the staff directory is 404, and nothing is planned for it.
            for headers, body in (
                (ADMIN, {"consultant": "nobody-here"}),
                (bearer(Role.CONSULTANT, sub="not-in-directory"), {}),
            ):
                unknown = await notifications.post("/digests", headers=headers, json=body)
                assert (unknown.status_code, unknown.json()["code"]) == (404, "consultant-not-found"), unknown.text
            assert (
                await app.state.pool.fetchval(
                    "select count(*) from digest_requests where consultant_id in ('nobody-here', 'not-in-directory')"
                )
                == 0
            )
            await build_due(app, settings)

            async def second() -> bool:
                return bool(await mailbox.count_to(email) >= 2)

            await wait_until(second, what="the on-demand digest")
            ids = {(await mailbox.message(m["ID"]))["MessageID"] for m in await mailbox.messages_to(email)}
            assert len(ids) == 2
