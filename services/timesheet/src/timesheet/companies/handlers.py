"""Kafka handlers for the companies read model; they run inside the inbox transaction."""

from __future__ import annotations

import asyncpg

from timesheet.companies import repository
from timesheet.companies.models import unique_approvers
from vikar_shared.events.envelope import Envelope
from vikar_shared.events.placement import CompanyRegistered, CompanyUpdated


async def _store(conn: asyncpg.Connection, envelope: Envelope, data: CompanyRegistered | CompanyUpdated) -> None:
    # Both events carry the company whole: the approver list given replaces the one stored.
    if await repository.upsert_company(conn, data.company_id, data.name, as_of=envelope.occurred_at):
        approvers = unique_approvers((a.email, a.name) for a in data.approvers)
        await repository.replace_approvers(conn, data.company_id, approvers)


async def on_company_registered(conn: asyncpg.Connection, envelope: Envelope, data: CompanyRegistered) -> None:
    await _store(conn, envelope, data)


async def on_company_updated(conn: asyncpg.Connection, envelope: Envelope, data: CompanyUpdated) -> None:
    await _store(conn, envelope, data)
