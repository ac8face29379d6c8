"""The portal's history says when hours were deemed approved (issue 14, part C), beside who decided."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from timesheet.deemed_approval.service import approve_due
from vikar_shared.db import transaction
from vikar_shared.events.notifications import DeemedApprovalDue, DueEntry

if TYPE_CHECKING:
    from conftest import Portal


async def test_history_shows_deemed_approved_hours(portal: Portal) -> None:
    p = portal
    last_month = (p.today.replace(day=1) - timedelta(days=1)).replace(day=1)
    deemed = await p.submit(last_month.replace(day=10), 240)
    await p.submit(last_month.replace(day=11), 90)
    async with transaction(p.pool) as conn:
        now = datetime.now(UTC)
        request = DeemedApprovalDue(
            company_id=p.company_id,
            entries=[DueEntry(entry_id=uuid.UUID(str(deemed)), version=1)],
            decided_at=now,
            working_days=10,
        )
        assert len(await approve_due(conn, uuid.uuid4(), request, now)) == 1
    await p.log_in()

    page = await p.client.get(f"/portal/history?month={last_month:%Y-%m}")

    assert page.status_code == 200
    decided = page.text.split('class="totals"')[0]
    rows = [p.visible_text(r) for r in decided.split('<tr class="status-')[1:]]
    assert len(rows) == 1
    assert "Ida Jensen 4:00 Godkendt Anset for godkendt: ikke afgjort inden aftalens frist" in rows[0]
    assert "deemed-approval" in rows[0]
