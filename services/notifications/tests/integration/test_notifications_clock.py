"""Notifications reads the time from the app's clock (issue 7, item 2): in a system whose clock is set a
month back (``VIKAR_CLOCK_OFFSET``, as timesheet's that issued the link), a login link valid by that clock
is mailed, one expired by it is not, and the mail is dated by it. The machine's clock would call both
links expired."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from notifications.app import create_app
from vikar_shared.clock import ShiftedClock
from vikar_shared.events.timesheet import LoginLinkRequestedV2, login_link_seal_context
from vikar_shared.sealing import SealingKeys, dev_sealing_keys
from vikar_shared.testing.plugin import publish_events, serve_in_process, wait_until

KEYS = SealingKeys(dev_sealing_keys())


def _request(email: str, expires_at: datetime) -> tuple[LoginLinkRequestedV2, str]:
    link = f"https://portal.example.dk/portal/login/{uuid.uuid4().hex}"
    request = LoginLinkRequestedV2(
        request_id=uuid.uuid4(),
        company_id=uuid.uuid4(),
        email=email,
        sealed_link=KEYS.seal(link, context=login_link_seal_context(email)),
        expires_at=expires_at,
    )
    return request, link


async def test_links_expire_and_mails_are_dated_by_the_configured_clock(
    make_settings: Any, mailbox: Any, unique_address: Callable[[str], str], kafka: str, kafka_namespace: str
) -> None:
    late, fresh = unique_address("late"), unique_address("fresh")
    app = create_app(await make_settings(VIKAR_CLOCK_OFFSET="-P30D"))
    clock = app.state.clock
    assert isinstance(clock, ShiftedClock) and clock.offset == timedelta(days=-30)
    async with serve_in_process(app):
        expired, _ = _request(late, clock.now() - timedelta(seconds=1))
        valid, link = _request(fresh, clock.now() + timedelta(minutes=15))
        assert valid.expires_at < datetime.now(UTC)  # by the machine's clock it expired long ago
        await publish_events(kafka, kafka_namespace, [(expired, "same-key"), (valid, "same-key")])

        async def arrived() -> bool:
            return bool(await mailbox.count_to(fresh) >= 1)

        await wait_until(arrived, what=f"a login e-mail to {fresh}")
        [summary] = await mailbox.messages_to(fresh)
        message = await mailbox.message(summary["ID"])

        assert link in message["Text"]
        dated = datetime.fromisoformat(message["Date"].replace("Z", "+00:00"))
        assert abs(dated - clock.now()) < timedelta(minutes=5)
        assert await mailbox.count_to(late) == 0
        assert await app.state.pool.fetchval("select count(*) from outgoing_emails where recipient = $1", late) == 0
