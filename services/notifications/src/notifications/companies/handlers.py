"""Kafka handlers for placement events; each runs inside the consumer's inbox transaction."""

from __future__ import annotations

from collections.abc import Mapping

import asyncpg

from notifications.companies.service import register_company
from notifications.emails.models import MailContext
from vikar_shared.events.envelope import Envelope, EventData
from vikar_shared.events.placement import CompanyRegistered, CompanyUpdated
from vikar_shared.messaging.consumer import Handler


def company_handlers(context: MailContext) -> Mapping[type[EventData], Handler]:
    async def on_company_registered(conn: asyncpg.Connection, envelope: Envelope, data: CompanyRegistered) -> None:
        await register_company(conn, data, context)

    async def on_company_updated(conn: asyncpg.Connection, envelope: Envelope, data: CompanyUpdated) -> None:
        await register_company(conn, data, context)

    return {CompanyRegistered: on_company_registered, CompanyUpdated: on_company_updated}
