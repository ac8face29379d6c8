"""Migration 20261202_60 (issue 10, F6) on a database that holds companies from before it: a company with
approver rows (its list came with an event handled since 20261202_50) is known; one without (announced before
20261202_50 and unchanged since) is unknown, so the portal accepts its approvers' signed claim until its list
comes; a company event stores the list and makes it known."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg

from invoicing.app import MIGRATIONS
from invoicing.companies import repository
from invoicing.companies import service as companies
from vikar_shared.identity.approvers import Approver
from vikar_shared.testing.plugin import DatabaseBefore

MIGRATION = "20261202_60_company_approvers_known.sql"


async def test_companies_with_approver_rows_are_known_the_others_unknown_until_their_next_event(
    database_before: Callable[[str, Path, str], Awaitable[DatabaseBefore]],
) -> None:
    db = await database_before("invoicing", MIGRATIONS, MIGRATION)
    conn = await asyncpg.connect(db.dsn)
    try:
        old, listed = uuid.uuid4(), uuid.uuid4()
        for company, name in ((old, "Bager Hansen ApS"), (listed, "Smed Olsen A/S")):
            await conn.execute(
                "insert into companies (company_id, name, cvr, payment_terms_days) values ($1, $2, '12345674', 14)",
                company,
                name,
            )
        await conn.execute(
            "insert into company_approvers (company_id, email, name) values ($1, 'chef@smed.dk', 'Chef')", listed
        )
        assert await db.apply() == [MIGRATION]

        assert await companies.known_approvers(conn, old) is None
        assert await companies.known_approvers(conn, listed) == [Approver(email="chef@smed.dk", name="Chef")]
        assert await companies.known_approvers(conn, uuid.uuid4()) is None  # a company never announced

        # The old company's next event brings its list (here: none at all) and it is known from then on.
        await repository.replace_approvers(conn, old, [])
        assert await companies.known_approvers(conn, old) == []
    finally:
        await conn.close()
