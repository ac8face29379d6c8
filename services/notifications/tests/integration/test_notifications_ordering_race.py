"""HoursSubmitted and CompanyRegistered handled at the same time still produce the e-mails."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from pathlib import Path

import asyncpg
import pytest

from notifications.app import MIGRATIONS
from notifications.companies.service import register_company
from notifications.emails.models import MailContext
from notifications.submissions.service import record_submission
from vikar_shared.db import create_pool
from vikar_shared.events.timesheet import HoursSubmitted, SubmittedEntry
from vikar_shared.testing.events import company_registered

CONTEXT = MailContext(portal_base_url="https://portal.example.dk", message_id_domain="vikarmodel.dk")


@pytest.fixture
async def pool(make_database: Callable[[str, Path], Awaitable[str]]) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(await make_database("notifications", MIGRATIONS))
    yield pool
    await pool.close()


async def test_company_registered_while_a_submission_is_uncommitted_still_mails_it(pool: asyncpg.Pool) -> None:
    company_id = uuid.uuid4()
    hours = HoursSubmitted(
        submission_id=uuid.uuid4(),
        placement_id=uuid.uuid4(),
        company_id=company_id,
        citizen_name="Mette Hansen",
        submitted_by="c",
        entries=[SubmittedEntry(entry_id=uuid.uuid4(), work_date=date(2026, 1, 12), minutes=60)],
    )
    company = company_registered(company_id, ("anne@example.dk", "Anne"), ("bo@example.dk", "Bo"), name="Bager")
    async with pool.acquire() as hours_conn:
        hours_tx = hours_conn.transaction()
        await hours_tx.start()
        assert await record_submission(hours_conn, uuid.uuid4(), hours, CONTEXT) == 0  # company unknown yet

        async def register() -> int:
            async with pool.acquire() as conn, conn.transaction():
                return await register_company(conn, company, CONTEXT)

        registering = asyncio.create_task(register())
        await asyncio.sleep(0.5)
        assert not registering.done(), "the company must wait for the in-flight submission of the same company"
        await hours_tx.commit()
        assert await registering == 2
    assert await pool.fetchval("select count(*) from outgoing_emails") == 2
    assert await pool.fetchval("select count(*) from submissions where emails_planned_at is null") == 0
