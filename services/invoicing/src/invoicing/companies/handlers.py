"""Kafka handlers of the companies read model; each runs inside the inbox transaction of its event."""

from __future__ import annotations

import asyncpg

from invoicing.companies import service
from vikar_shared.events.envelope import Envelope
from vikar_shared.events.placement import CompanyRegistered, CompanyUpdated


async def on_company_registered(conn: asyncpg.Connection, envelope: Envelope, data: CompanyRegistered) -> None:
    await service.record_company(conn, data)


async def on_company_updated(conn: asyncpg.Connection, envelope: Envelope, data: CompanyUpdated) -> None:
    await service.record_company(conn, data)
