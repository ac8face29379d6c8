"""Issue 14: notifications killed with SIGKILL in the middle of sending and restarted loses no mail and sends none
twice under two different ``Message-ID`` s (a mail cut off mid-send may come again, with the same one).

Five approvers and 62 submissions make 310 approval mails; the kill comes once some of them reached Mailpit and
many still wait. Runs on a system of its own (its mails and rows stay out of the shared system's tests)."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta

import httpx
import pytest

from e2e.slice import CONSULTANT, ok, register_world, submit
from e2e.system import System, start_system, stop_system
from vikar_shared.testing.plugin import StackSettings, wait_until

pytestmark = pytest.mark.e2e

APPROVERS = 5
DAYS = 31  # October 2026, each day on both placements: 62 submissions


@pytest.fixture(scope="module")
def own_system(postgres: StackSettings, kafka: str, mailpit: StackSettings) -> Iterator[System]:
    running = start_system(postgres)
    try:
        yield running
    finally:
        stop_system(running)


async def _ours(system: System, domain: str) -> list[dict[str, object]]:
    """Every message Mailpit holds for ``domain`` (paged: the search answers 50 at a time by default)."""
    found: list[dict[str, object]] = []
    async with httpx.AsyncClient(base_url=system.stack.mailpit_url, timeout=10) as api:
        while True:
            r = await api.get("/api/v1/search", params={"query": f"to:{domain}", "start": len(found), "limit": 200})
            r.raise_for_status()
            page = r.json()["messages"]
            found.extend(page)
            if len(page) < 200:
                return found


async def test_notifications_killed_mid_send_loses_no_mail_and_never_sends_one_under_two_ids(
    own_system: System,
) -> None:
    system = own_system
    world = await register_world(system)
    domain = f"crash-{uuid.uuid4().hex[:8]}.example"
    approvers = [{"email": f"godkender{i}@{domain}", "name": f"Godkender {i}"} for i in range(APPROVERS)]
    async with httpx.AsyncClient(base_url=system.url("placement"), timeout=10) as placement:
        for approver in approvers:
            ok(await placement.post(f"/companies/{world.company_id}/approvers", headers=CONSULTANT, json=approver), 201)

    async def approvers_known() -> bool:
        n = await system.fetchval(
            "notifications",
            "select count(*) from company_approvers where company_id = $1 and email like $2",
            uuid.UUID(world.company_id),
            f"%@{domain}",
        )
        return n == APPROVERS

    await wait_until(approvers_known, what="notifications to learn the five approvers")

    days = [date(2026, 10, 1) + timedelta(days=d) for d in range(DAYS)]
    for day in days:  # one submission per placement and day: each mailed to the five approvers
        for placement_id in (world.eligible_placement, world.ineligible_placement):
            await submit(system, placement_id, [(day.isoformat(), 60)])
    expected = 2 * DAYS * APPROVERS

    async def some_sent() -> bool:
        return len(await _ours(system, domain)) >= 20

    await wait_until(some_sent, what="the first approval mails in Mailpit", timeout=60)
    notifications = system.services["notifications"]
    notifications.kill()
    at_kill = len(await _ours(system, domain))
    assert at_kill < expected, "every mail was out before the kill; it proves nothing"
    await asyncio.to_thread(notifications.start)

    async def all_sent() -> bool:
        n = await system.fetchval(
            "notifications",
            "select count(*) from outgoing_emails where recipient like $1 and status = 'sent'",
            f"%@{domain}",
        )
        return n == expected

    await wait_until(all_sent, what=f"all {expected} approval mails sent after the restart", timeout=120)
    conn = await system.db("notifications")
    try:
        rows = await conn.fetch(
            "select recipient, message_id, event_id from outgoing_emails where recipient like $1", f"%@{domain}"
        )
    finally:
        await conn.close()
    assert len(rows) == expected and len({r["message_id"] for r in rows}) == expected
    assert len({(r["event_id"], r["recipient"]) for r in rows}) == expected
    messages = await _ours(system, domain)
    ids = Counter(str(m["MessageID"]).strip("<>") for m in messages)
    planned = {str(r["message_id"]).strip("<>") for r in rows}
    # Nothing lost: every planned mail arrived. Nothing twice under another id: Mailpit holds no Message-ID that
    # was not planned; a mail cut off by the kill may have come twice, always with its one Message-ID.
    assert set(ids) == planned
    assert len(messages) - len(ids) <= 1, f"resent more than the one mail in flight: {len(messages) - len(ids)}"
    print(f"mails at the kill: {at_kill} of {expected}; duplicates after the restart: {len(messages) - len(ids)}")
