"""SQL the login-link mail needs: the names to greet with, from the companies read model."""

from __future__ import annotations

import uuid

import asyncpg

from notifications.login_links.models import Addressee


async def addressee(conn: asyncpg.Connection, company_id: uuid.UUID, email: str) -> Addressee:
    row = await conn.fetchrow(
        """select (select name from company_approvers where company_id = $1 and email = $2) as approver_name,
                  (select name from companies where company_id = $1) as company_name""",
        company_id,
        email,
    )
    assert row is not None
    return Addressee(approver_name=row["approver_name"], company_name=row["company_name"])
