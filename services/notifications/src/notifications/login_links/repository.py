"""SQL the login-link mail needs: the names to greet with, from the companies read model."""

from __future__ import annotations

import uuid

import asyncpg

from notifications.login_links.models import Addressee


async def addressee(conn: asyncpg.Connection, company_id: uuid.UUID | None, email: str) -> Addressee:
    """The approver's and the company's names, when the read model knows them (never for no company)."""
    if company_id is None:
        return Addressee(approver_name=None, company_name=None)
    row = await conn.fetchrow(
        """select (select name from company_approvers where company_id = $1 and email = $2) as approver_name,
                  (select name from companies where company_id = $1) as company_name""",
        company_id,
        email,
    )
    assert row is not None
    return Addressee(approver_name=row["approver_name"], company_name=row["company_name"])
