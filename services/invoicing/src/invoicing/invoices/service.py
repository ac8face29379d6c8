"""Invoice use cases. Today: the draft of a month; issuing through Stripe comes later."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from invoicing.invoices import repository
from invoicing.invoices.models import InvoiceDraft, draft_invoice
from invoicing.periods import parse_month
from vikar_shared.auth import Principal
from vikar_shared.errors import not_found


async def preview_invoice(
    conn: asyncpg.Connection, viewer: Principal, company_id: UUID, month_text: str
) -> InvoiceDraft:
    if not viewer.may_see_company(company_id) or not await repository.company_known(conn, company_id):
        raise not_found("company")
    month = parse_month(month_text)
    lines = await repository.billable_lines(conn, company_id, month.first_day, month.next_first_day)
    pending = await repository.count_pending_entries(conn, company_id, month.first_day, month.next_first_day)
    return draft_invoice(company_id, month, lines, pending)
