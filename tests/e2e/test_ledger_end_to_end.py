"""The ledger over the real stack (issue 9): hours approved → close → draft with exact øre → issue → the
numbered invoice frozen and ``invoicing.invoice_issued`` on Kafka, keyed by the company, with no name and
no CPR number; a second close drafts nothing twice and a second issue is 409; a correction lowering invoiced
hours becomes a credit note with the next number and ``invoicing.credit_note_issued``; the reconciliation shows
zero differences at every step."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from e2e.slice import CONSULTANT, FINANCE, all_accrued, ok, reconciled, register_world, submit
from e2e.system import System
from e2e.test_slice_end_to_end import approve_all, entry_ids
from vikar_shared.testing.plugin import wait_until

pytestmark = pytest.mark.e2e


async def test_hours_approved_are_closed_issued_with_a_number_and_published(system: System) -> None:
    world = await register_world(system)
    async with httpx.AsyncClient(base_url=system.url("placement"), timeout=10) as placement:
        address = {"street": "Algade 1", "postcode": "9000", "city": "Aalborg"}
        ok(await placement.patch(f"/companies/{world.company_id}", headers=CONSULTANT, json={"address": address}))
    # The citizens are the same people in every e2e world (same CPR numbers): days with room for more hours.
    eligible = await submit(system, world.eligible_placement, [("2026-10-27", 90)])
    ineligible = await submit(system, world.ineligible_placement, [("2026-10-28", 60)])
    await approve_all(system, world, entry_ids(eligible) + entry_ids(ineligible))
    await all_accrued(system, world.company_id, 2)

    async with httpx.AsyncClient(base_url=system.url("invoicing"), timeout=10) as invoicing:
        drafts: list[dict[str, object]] = []

        async def drafted() -> bool:
            closed = ok(await invoicing.post("/closes", headers=FINANCE, json={"through": "2026-10-31"}), 201)
            invoices = closed["invoices"]
            assert isinstance(invoices, list)
            drafts.extend(i for i in invoices if i["company_id"] == world.company_id)
            return bool(drafts)

        await wait_until(drafted, what="invoicing to accrue both entries and draft October")
        [draft] = drafts
        lines = draft["lines"]
        assert isinstance(lines, list)
        # 90 min × 185.50 kr = 278.25 kr; 60 min × 200 kr; VAT 25 % of 478.25 kr = 119.5625 → 119.56 kr.
        assert [(line["citizen_name"], line["minutes"], line["amount_ore"]) for line in lines] == [
            ("Jonas Berg", 60, 20_000),
            ("Mette Jensen", 90, 27_825),
        ]
        assert (draft["net_ore"], draft["vat_ore"], draft["total_ore"]) == (47_825, 11_956, 59_781)

        again = ok(await invoicing.post("/closes", headers=FINANCE, json={"through": "2026-10-31"}), 201)
        again_drafts = again["invoices"]
        assert isinstance(again_drafts, list)
        assert [i for i in again_drafts if i["company_id"] == world.company_id] == []

        issued: dict[str, object] = {}

        async def issue() -> bool:
            # The address travels placement → Kafka → invoicing on its own partition: wait for it.
            r = await invoicing.post(f"/invoices/{draft['invoice_id']}/issue", headers=FINANCE)
            if r.status_code == 409 and r.json()["code"] == "buyer-incomplete":
                return False
            issued.update(ok(r))
            return True

        before = await reconciled(system, world.company_id, "2026-10-31")
        assert (before["approved_ore"], before["not_yet_invoiced_ore"], before["invoiced_ore"]) == (47_825, 47_825, 0)
        await wait_until(issue, what="the invoice issued once invoicing knows the buyer's address")
        after = await reconciled(system, world.company_id, "2026-10-31")
        assert (after["approved_ore"], after["invoiced_ore"], after["credited_ore"], after["not_yet_invoiced_ore"]) == (
            47_825,
            47_825,
            0,
            0,
        )
        number = str(issued["number"])
        assert re.fullmatch(r"20[0-9]{2}-[0-9]{6}", number)
        buyer = issued["buyer"]
        assert isinstance(buyer, dict)
        assert str(buyer["name"]).startswith("Bager Hansen ")
        assert (buyer["street"], buyer["postcode"], buyer["city"]) == ("Algade 1", "9000", "Aalborg")
        assert (issued["net_ore"], issued["vat_ore"], issued["total_ore"]) == (47_825, 11_956, 59_781)
        twice = await invoicing.post(f"/invoices/{draft['invoice_id']}/issue", headers=FINANCE)
        assert (twice.status_code, twice.json()["code"]) == (409, "invoice-issued")

    async def published() -> list[tuple[bytes | None, bytes]]:
        records = (await system.topic_bytes()).get(system.namespace + "invoicing.events", [])
        return [(k, v) for k, v in records if b'"invoicing.invoice_issued"' in v and number.encode() in v]

    async def on_kafka() -> bool:
        return bool(await published())

    await wait_until(on_kafka, what="invoice_issued on Kafka")
    [(key, value)] = await published()
    assert key == world.company_id.encode()
    data = json.loads(value)["data"]
    assert (data["net_ore"], data["vat_ore"], data["total_ore"], data["currency"]) == (47_825, 11_956, 59_781, "DKK")
    assert b"Mette" not in value and b"Jonas" not in value
    assert not any(cpr.encode() in value or cpr.replace("-", "").encode() in value for cpr in world.cpr_numbers)

    # Issue 9 part 2: the 60 min of 28 October lowered by 30 (at 200 kr/h: -100 kr) after they were invoiced.
    [corrected] = entry_ids(ineligible)
    async with httpx.AsyncClient(base_url=system.url("timesheet"), timeout=10) as timesheet:
        correction = ok(
            await timesheet.post(
                f"/entries/{corrected}/corrections",
                headers=CONSULTANT,
                json={"minutes_delta": -30, "reason": "Left early"},
            ),
            201,
        )
    await approve_all(system, world, [str(correction["id"])])
    async with httpx.AsyncClient(base_url=system.url("invoicing"), timeout=10) as invoicing:
        credits: list[dict[str, object]] = []

        async def credit_drafted() -> bool:
            closed = ok(await invoicing.post("/closes", headers=FINANCE, json={"through": "2026-10-31"}), 201)
            documents = closed["invoices"]
            assert isinstance(documents, list)
            credits.extend(i for i in documents if i["company_id"] == world.company_id)
            return bool(credits)

        await wait_until(credit_drafted, what="invoicing to accrue the correction and draft a credit note")
        [credit] = credits
        assert (credit["document_type"], credit["credits_invoice_number"]) == ("credit_note", number)
        assert (credit["net_ore"], credit["vat_ore"], credit["total_ore"]) == (10_000, 2_500, 12_500)
        issued_credit = ok(await invoicing.post(f"/invoices/{credit['invoice_id']}/issue", headers=FINANCE))
        credit_number = str(issued_credit["number"])
        assert credit_number > number and credit_number[:5] == number[:5]  # the same year's sequence
        twice = await invoicing.post(f"/invoices/{credit['invoice_id']}/issue", headers=FINANCE)
        assert (twice.status_code, twice.json()["code"]) == (409, "invoice-issued")
    books = await reconciled(system, world.company_id, "2026-10-31")
    assert (books["approved_ore"], books["invoiced_ore"], books["credited_ore"], books["not_yet_invoiced_ore"]) == (
        37_825,
        47_825,
        10_000,
        0,
    )

    async def credit_published() -> list[tuple[bytes | None, bytes]]:
        records = (await system.topic_bytes()).get(system.namespace + "invoicing.events", [])
        return [(k, v) for k, v in records if b'"invoicing.credit_note_issued"' in v and credit_number.encode() in v]

    async def credit_on_kafka() -> bool:
        return bool(await credit_published())

    await wait_until(credit_on_kafka, what="credit_note_issued on Kafka")
    [(key, value)] = await credit_published()
    assert key == world.company_id.encode()
    data = json.loads(value)["data"]
    assert (data["credited_invoice_number"], data["total_ore"]) == (number, 12_500)
    assert b"Jonas" not in value and b"Mette" not in value
    assert not any(cpr.encode() in value or cpr.replace("-", "").encode() in value for cpr in world.cpr_numbers)
