"""Co-financing use cases. Today: the draft statement of a month; issued statements come later."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from invoicing.co_financing import repository
from invoicing.co_financing.models import CoFinancingDraft, draft_statement
from invoicing.periods import parse_month
from vikar_shared.auth import Principal
from vikar_shared.errors import not_found


async def preview_statement(
    conn: asyncpg.Connection, viewer: Principal, municipality_id: UUID, month_text: str
) -> CoFinancingDraft:
    if not viewer.may_see_municipality(municipality_id):
        raise not_found("municipality")
    name = await repository.municipality_name(conn, municipality_id)
    if name is None:
        raise not_found("municipality")
    month = parse_month(month_text)
    lines = await repository.co_financing_lines(conn, municipality_id, month.first_day, month.next_first_day)
    return draft_statement(municipality_id, name, month, lines)
