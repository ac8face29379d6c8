"""A credit note never credits more than its invoice's net not credited yet (issue 10, tester's F1): after a
Stripe void booked the whole invoice as a credit note, a draft credit note of a correction on the same invoice
is refused at issue (409 ``credit-exceeds-invoice``, nothing numbered) and a later close drafts none."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from invoicing.ledger import service as ledger
from invoicing.ledger.endpoints import seller_of
from vikar_shared.auth import Principal, Role
from vikar_shared.clock import FixedClock
from vikar_shared.db import transaction
from vikar_shared.testing.plugin import bearer

FINANCE = bearer(Role.FINANCE)


async def _close(invoicing: Any, through: str, today: date) -> list[dict[str, Any]]:
    invoicing.app.state.clock = FixedClock.on(today)
    r = await invoicing.client.post("/closes", json={"through": through}, headers=FINANCE)
    assert r.status_code == 201, r.text
    drafts: list[dict[str, Any]] = r.json()["invoices"]
    return drafts


async def test_a_credit_note_beyond_what_is_left_to_credit_is_refused_and_not_drafted_again(
    invoicing: Any, build: Any
) -> None:
    company = uuid.uuid4()
    await invoicing.publish_company_events(build.company(company))
    anna = build.placement(
        company_id=company, municipality_id=uuid.uuid4(), citizen_name="Anna Jensen", bill_rate=20_000, eligible=False
    )
    await invoicing.publish_placement_events(anna)
    worked = build.approval(anna, date(2026, 10, 5), 150)
    await invoicing.publish_approvals(worked)
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=1, what="accrued")
    await invoicing.wait_for_count("select count(*) from companies", expected=1, what="company")
    [october] = await _close(invoicing, "2026-10-31", date(2026, 11, 5))
    invoicing.app.state.clock = FixedClock.on(date(2026, 11, 6))
    r = await invoicing.client.post(f"/invoices/{october['invoice_id']}/issue", headers=FINANCE)
    assert r.status_code == 200, r.text  # 150 min at 200 kr = 50 000 øre net

    # 15 minutes taken away: the next close drafts a credit note of 5 000 øre net.
    await invoicing.publish_approvals(build.approval(anna, date(2026, 10, 5), -15, corrects=worked))
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=2, what="correction accrued")
    [note] = await _close(invoicing, "2026-11-30", date(2026, 12, 1))
    assert (note["document_type"], note["net_ore"]) == ("credit_note", 5_000)

    # Meanwhile Stripe voids the invoice: everything owed is credited (as the webhook job books it).
    system = Principal(subject="stripe", role=Role.FINANCE)
    async with transaction(invoicing.pool) as conn:
        void = await ledger.credit_what_is_owed(
            conn,
            system,
            uuid.UUID(october["invoice_id"]),
            today=date(2026, 12, 1),
            now=datetime(2026, 12, 1, 9, tzinfo=UTC),
            seller=seller_of(invoicing.app.state.settings),
        )
    assert void is not None and void.net_ore == 50_000

    numbers_before = await invoicing.count("select count(*) from invoices where number is not null")
    r = await invoicing.client.post(f"/invoices/{note['invoice_id']}/issue", headers=FINANCE)
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "credit-exceeds-invoice"
    assert await invoicing.count("select count(*) from invoices where number is not null") == numbers_before

    # Deleted, its correction returns to the pool; a close drafts no credit note of a fully credited invoice.
    r = await invoicing.client.delete(f"/invoices/{note['invoice_id']}", headers=FINANCE)
    assert r.status_code == 204, r.text
    assert await _close(invoicing, "2026-11-30", date(2026, 12, 2)) == []
