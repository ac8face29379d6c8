"""Use cases of the companies read model."""

from __future__ import annotations

import asyncpg

from notifications.companies import repository
from notifications.companies.models import unique_approvers
from notifications.directory.models import BackupApprover, Recipient, language_or_danish
from notifications.emails.models import MailContext, normalise_address, single_line
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
        conn, data.company_id, unique_approvers((a.email, a.name, a.language) for a in data.approvers)
    )
    contact = data.billing_contact
    await repository.set_billing_contact(
        conn,
        data.company_id,
        None
        if contact is None or not normalise_address(contact.email)
        else Recipient(
            normalise_address(contact.email), single_line(contact.name), language_or_danish(contact.language)
        ),
    )
    await repository.replace_backup_approvers(
        conn,
        data.company_id,
        [
            BackupApprover(
                normalise_address(b.email),
                single_line(b.name),
                b.valid_from,
                b.valid_to,
                language_or_danish(b.language),
            )
            for b in data.backup_approvers
            if normalise_address(b.email)
        ],
    )
    return await plan_waiting_approval_emails(conn, data.company_id, context)
