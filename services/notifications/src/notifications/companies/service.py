"""Use cases of the companies read model."""

from __future__ import annotations

import asyncpg

from notifications.companies import repository
from notifications.companies.models import unique_approvers
from notifications.emails.models import MailContext
from notifications.submissions.service import plan_waiting_approval_emails
from vikar_shared.events.placement import CompanyRegistered, CompanyUpdated


async def register_company(
    conn: asyncpg.Connection, data: CompanyRegistered | CompanyUpdated, context: MailContext
) -> int:
    """Upserts the company and its approvers (an update replaces the list), then mails any submission
    that was waiting for them.

    Returns how many e-mails were planned."""
    await repository.lock_company(conn, data.company_id)
    await repository.upsert_company(conn, data.company_id, data.name)
    await repository.replace_approvers(
        conn, data.company_id, unique_approvers((a.email, a.name) for a in data.approvers)
    )
    return await plan_waiting_approval_emails(conn, data.company_id, context)
