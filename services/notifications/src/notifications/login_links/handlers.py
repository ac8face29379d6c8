"""Kafka handlers for login-link requests, both with the link sealed; run inside the consumer's inbox transaction:
placement's ``placement.login_link_requested`` v1 (the identity owner, issue 7) and timesheet's
``timesheet.login_link_requested`` v2 (requests still in flight from before login moved to placement).

Version 1 (the link in clear, retired) has no handler: the shared consumer skips and counts it
(``consumer_skips``), so an old one in the log is never mailed and never crashes the consumer."""

from __future__ import annotations

from collections.abc import Mapping

import asyncpg

from notifications.emails.models import MailContext
from notifications.login_links.service import plan_login_link_email
from vikar_shared.clock import Clock
from vikar_shared.events.envelope import Envelope, EventData
from vikar_shared.events.placement import PageLoginLinkRequested
from vikar_shared.events.timesheet import LoginLinkRequestedV2
from vikar_shared.messaging.consumer import Handler


def login_link_handlers(context: MailContext, clock: Clock) -> Mapping[type[EventData], Handler]:
    """``clock`` decides whether a link expired before its e-mail was planned."""

    async def on_login_link_requested(conn: asyncpg.Connection, envelope: Envelope, data: LoginLinkRequestedV2) -> None:
        await plan_login_link_email(conn, envelope.id, data, context, clock.now())

    async def on_page_login_link_requested(
        conn: asyncpg.Connection, envelope: Envelope, data: PageLoginLinkRequested
    ) -> None:
        await plan_login_link_email(conn, envelope.id, data, context, clock.now())

    return {PageLoginLinkRequested: on_page_login_link_requested, LoginLinkRequestedV2: on_login_link_requested}
