"""The companies read model as other domains of this service see it: named functions over ``repository``
(which only ``service`` otherwise imports), so the companies tables keep one writer."""

from __future__ import annotations

import uuid
from datetime import date

import asyncpg

from notifications.companies import repository
from notifications.companies.models import Approver
from notifications.directory.models import Recipient


async def lock_company(conn: asyncpg.Connection, company_id: uuid.UUID) -> None:
    """Serialises, until the transaction ends, everything that plans mail for the company (its approvers
    arriving, its hours arriving), so no submission is mailed twice or missed."""
    await repository.lock_company(conn, company_id)


async def approvers_of(conn: asyncpg.Connection, company_id: uuid.UUID) -> list[Approver]:
    """The company's approvers as last announced (empty until placement has named any)."""
    return await repository.approvers_of(conn, company_id)


async def names(conn: asyncpg.Connection, company_id: uuid.UUID, email: str) -> tuple[str | None, str | None]:
    """(the approver's name, the company's name) for greeting in a mail; either None until announced."""
    return await repository.names(conn, company_id, email)


async def billing_contact(conn: asyncpg.Connection, company_id: uuid.UUID) -> Recipient | None:
    """Who receives the company's invoices, credit notes and payment reminders (None: none named yet)."""
    return await repository.billing_contact(conn, company_id)


async def backup_approvers_on(conn: asyncpg.Connection, company_id: uuid.UUID, day: date) -> list[Recipient]:
    """The company's backup approvers whose date range holds ``day`` (issue 14: told at escalation)."""
    return [
        Recipient(b.email, b.name, b.language)
        for b in await repository.backup_approvers(conn, company_id)
        if b.in_force_on(day)
    ]


async def company_name(conn: asyncpg.Connection, company_id: uuid.UUID) -> str | None:
    return await repository.company_name(conn, company_id)
