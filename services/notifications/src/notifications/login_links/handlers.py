"""Kafka handler for LoginLinkRequested; runs inside the consumer's inbox transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import asyncpg

from notifications.emails.models import MailContext
from notifications.login_links.service import plan_login_link_email
from vikar_shared.events.envelope import Envelope, EventData
from vikar_shared.events.timesheet import LoginLinkRequested
from vikar_shared.messaging.consumer import Handler


def login_link_handlers(context: MailContext) -> Mapping[type[EventData], Handler]:
    async def on_login_link_requested(conn: asyncpg.Connection, envelope: Envelope, data: LoginLinkRequested) -> None:
        await plan_login_link_email(conn, envelope.id, data, context, datetime.now(UTC))

    return {LoginLinkRequested: on_login_link_requested}
