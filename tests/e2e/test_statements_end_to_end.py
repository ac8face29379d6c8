"""Co-financing statements over the real stack (issue 11): hours approved in placement's world → accrued from
Kafka → a statement run drafts October for the municipality with exact øre at the two rates in force → issuing
is refused while the agreement does not state VAT, payment means, EAN and person reference (nothing written) →
a terms version stating them travels placement → Kafka → invoicing → issued with the next S-number →
``invoicing.statement_issued`` on Kafka keyed by the municipality, with no CPR number → the worker stores the
Peppol BIS 3 Invoice, which the official artefacts pass, and the municipality's user fetches it (another
municipality's user gets 404) → a correction lowering stated hours becomes a correction statement, a Peppol
CreditNote the artefacts pass too."""

from __future__ import annotations

import json
import re
import uuid

import httpx
import pytest

from e2e.slice import CONSULTANT, FINANCE, World, ok, register_world, submit
from e2e.system import System
from e2e.test_slice_end_to_end import approve_all, entry_ids
from invoicing.peppol.validation import validate
from vikar_shared.auth import Role
from vikar_shared.testing.plugin import bearer, wait_until

pytestmark = pytest.mark.e2e

STATED_TERMS = {
    "effective_from": "2026-10-31",
    "co_financing_rate_ore_per_hour": 6500,
    "eligibility_threshold_weeks": 26,
    "target_unique_citizens": 150,
    "ean": "5798000991002",
    "person_reference": "Jobcenter Aalborg, att. Lene Holm",
    "address": {"street": "Boulevarden 13", "postcode": "9000", "city": "Aalborg"},
    "rate_excludes_vat": True,
    "vat_category": "S",
    "payment_means_code": "58",
    "payee_iban": "DK5000400440116243",
}


async def _accrued(system: System, world: World, *, minutes: int) -> None:
    """Waits until invoicing has accrued October's co-financed ``minutes`` (the approvals travel through Kafka one
    by one; a run before the last arrived would state the month without it)."""
    async with httpx.AsyncClient(base_url=system.url("invoicing"), timeout=30) as invoicing:

        async def there() -> bool:
            r = await invoicing.get(
                f"/municipalities/{world.municipality_id}/co-financing-preview",
                headers=FINANCE,
                params={"month": "2026-10"},
            )
            return r.status_code == 200 and r.json()["total_minutes"] == minutes

        await wait_until(there, what=f"invoicing to accrue {minutes} co-financed minutes of October")


async def _run_until_drafted(system: System, world: World, what: str) -> dict[str, object]:
    drafted: list[dict[str, object]] = []
    async with httpx.AsyncClient(base_url=system.url("invoicing"), timeout=30) as invoicing:

        async def run() -> bool:
            answer = ok(await invoicing.post("/statement-runs", headers=FINANCE, json={"through": "2026-10-31"}), 201)
            statements = answer["statements"]
            assert isinstance(statements, list)
            drafted.extend(s for s in statements if s["municipality_id"] == world.municipality_id)
            return bool(drafted)

        await wait_until(run, what=what)
    [statement] = drafted
    return statement


async def _stored_peppol(system: System, statement_id: object) -> bytes:
    document: list[bytes] = []
    async with httpx.AsyncClient(base_url=system.url("invoicing"), timeout=30) as invoicing:

        async def stored() -> bool:
            r = await invoicing.get(f"/statements/{statement_id}/peppol.xml", headers=FINANCE)
            if r.status_code == 409 and r.json()["code"] == "statement-document-pending":
                return False
            assert r.status_code == 200, r.text
            assert r.headers["content-type"].startswith("application/xml")
            document.append(r.content)
            return True

        await wait_until(stored, what="the worker to render, validate and store the Peppol document")
    return document[0]


def _no_cpr(value: bytes, world: World) -> None:
    assert not any(cpr.encode() in value or cpr.replace("-", "").encode() in value for cpr in world.cpr_numbers)


async def test_a_month_is_stated_issued_published_and_sent_as_a_valid_peppol_invoice(system: System) -> None:
    world = await register_world(system)
    # Mette Jensen (eligible): 90 min on 9 October at 50 kr./h (before the 15 October terms), 60 min on 22 October
    # at 65 kr./h. Jonas Berg is not eligible: his hours are never co-financed.
    eligible = await submit(system, world.eligible_placement, [("2026-10-09", 90), ("2026-10-22", 60)])
    ineligible = await submit(system, world.ineligible_placement, [("2026-10-09", 45)])
    await approve_all(system, world, entry_ids(eligible) + entry_ids(ineligible))
    await _accrued(system, world, minutes=150)

    draft = await _run_until_drafted(system, world, "invoicing to accrue the hours and draft October's statement")
    assert (draft["document_type"], draft["status"], draft["period_start"], draft["period_end"]) == (
        "statement",
        "draft",
        "2026-10-01",
        "2026-10-31",
    )
    lines = draft["lines"]
    assert isinstance(lines, list)
    # 90 min × 50 kr. = 75 kr.; 60 min × 65 kr. = 65 kr. The reference: name and birth year (the default),
    # 010190-1234 → 1990; never the CPR number.
    assert [(x["citizen_reference"], x["rate_ore_per_hour"], x["minutes"], x["amount_ore"]) for x in lines] == [
        ("Mette Jensen (1990)", 5_000, 90, 7_500),
        ("Mette Jensen (1990)", 6_500, 60, 6_500),
    ]
    assert (draft["net_ore"], draft["total_minutes"], draft["unique_citizens"]) == (14_000, 150, 1)

    async with httpx.AsyncClient(base_url=system.url("invoicing"), timeout=30) as invoicing:
        refused = await invoicing.post(f"/statements/{draft['statement_id']}/issue", headers=FINANCE)
        assert refused.status_code == 409, refused.text
        problem = refused.json()
        assert problem["code"] == "agreement-terms-incomplete"
        named = {e["field"] for e in problem["errors"]}
        assert {"vat_category", "rate_excludes_vat", "payment_means_code", "ean", "person_reference"} <= named
        still = ok(await invoicing.get(f"/statements/{draft['statement_id']}", headers=FINANCE))
        assert (still["status"], still["number"]) == ("draft", None)

    async with httpx.AsyncClient(base_url=system.url("placement"), timeout=10) as placement:
        ok(
            await placement.post(f"/municipalities/{world.municipality_id}/terms", headers=FINANCE, json=STATED_TERMS),
            201,
        )

    issued: dict[str, object] = {}
    async with httpx.AsyncClient(base_url=system.url("invoicing"), timeout=30) as invoicing:

        async def issue() -> bool:
            # The stated terms travel placement → Kafka → invoicing: wait for them.
            r = await invoicing.post(f"/statements/{draft['statement_id']}/issue", headers=FINANCE)
            if r.status_code == 409 and r.json()["code"] == "agreement-terms-incomplete":
                return False
            issued.update(ok(r))
            return True

        await wait_until(issue, what="the statement issued once invoicing knows the stated terms")
        twice = await invoicing.post(f"/statements/{draft['statement_id']}/issue", headers=FINANCE)
        assert (twice.status_code, twice.json()["code"]) == (409, "statement-issued")
    number = str(issued["number"])
    assert re.fullmatch(r"S-20[0-9]{2}-[0-9]{6}", number)
    # VAT 25 % of 140 kr. (the agreement: standard rate, added to the rate) = 35 kr.
    assert (issued["vat_category"], issued["net_ore"], issued["vat_ore"], issued["total_ore"]) == (
        "S",
        14_000,
        3_500,
        17_500,
    )

    xml = await _stored_peppol(system, draft["statement_id"])
    report = validate(xml)
    assert report.valid, [str(f) for f in report.fatal]
    assert b"<Invoice " in xml and number.encode() in xml
    assert b'schemeID="0088">5798000991002<' in xml and b"<cbc:BuyerReference>Jobcenter Aalborg" in xml
    assert b'<cbc:PayableAmount currencyID="DKK">175.00</cbc:PayableAmount>' in xml
    _no_cpr(xml, world)

    own = bearer(Role.MUNICIPALITY, sub="kommune-e2e", municipality_id=uuid.UUID(world.municipality_id))
    other = bearer(Role.MUNICIPALITY, sub="kommune-e2e", municipality_id=uuid.uuid4())
    async with httpx.AsyncClient(base_url=system.url("invoicing"), timeout=30) as invoicing:
        mine = await invoicing.get(f"/statements/{draft['statement_id']}/peppol.xml", headers=own)
        assert (mine.status_code, mine.content) == (200, xml)
        theirs = await invoicing.get(f"/statements/{draft['statement_id']}/peppol.xml", headers=other)
        assert (theirs.status_code, theirs.json()["code"]) == (404, "statement-not-found")

    async def published() -> list[tuple[bytes | None, bytes]]:
        records = (await system.topic_bytes()).get(system.namespace + "invoicing.events", [])
        return [(k, v) for k, v in records if b'"invoicing.statement_issued"' in v and number.encode() in v]

    async def on_kafka() -> bool:
        return bool(await published())

    await wait_until(on_kafka, what="statement_issued on Kafka")
    [(key, value)] = await published()
    assert key == world.municipality_id.encode()
    data = json.loads(value)["data"]
    assert (data["net_ore"], data["vat_ore"], data["total_ore"], data["total_minutes"]) == (14_000, 3_500, 17_500, 150)
    assert b"Jonas" not in value
    _no_cpr(value, world)

    # The 60 min of 22 October lowered by 30 after they were stated: a correction statement crediting 30 min at
    # 65 kr./h = 32.50 kr. (+ 25 % VAT = 8.13 kr., half up), a Peppol CreditNote referring to the statement.
    [_, stated] = entry_ids(eligible)
    async with httpx.AsyncClient(base_url=system.url("timesheet"), timeout=10) as timesheet:
        correction = ok(
            await timesheet.post(
                f"/entries/{stated}/corrections",
                headers=CONSULTANT,
                json={"minutes_delta": -30, "reason": "Left early"},
            ),
            201,
        )
    await approve_all(system, world, [str(correction["id"])])
    await _accrued(system, world, minutes=120)
    credit = await _run_until_drafted(
        system, world, "invoicing to accrue the correction and draft a correction statement"
    )
    assert (credit["document_type"], credit["corrects_statement_number"]) == ("correction_statement", number)
    assert (credit["net_ore"], credit["total_minutes"]) == (3_250, 30)
    async with httpx.AsyncClient(base_url=system.url("invoicing"), timeout=30) as invoicing:
        issued_credit = ok(await invoicing.post(f"/statements/{credit['statement_id']}/issue", headers=FINANCE))
    assert (issued_credit["vat_ore"], issued_credit["total_ore"]) == (813, 4_063)
    credit_number = str(issued_credit["number"])
    assert credit_number > number and credit_number[:6] == number[:6]  # the same year's statement sequence
    credit_xml = await _stored_peppol(system, credit["statement_id"])
    credit_report = validate(credit_xml)
    assert credit_report.valid, [str(f) for f in credit_report.fatal]
    assert b"<CreditNote " in credit_xml and f"<cbc:ID>{number}</cbc:ID>".encode() in credit_xml
    _no_cpr(credit_xml, world)
