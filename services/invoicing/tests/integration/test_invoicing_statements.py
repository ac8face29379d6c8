"""Municipal co-financing statements (issue 11, statements core): the statement run drafts one statement per
municipality and statement period (monthly, or quarterly where the terms say so), lines per citizen and rate with
exact øre, late hours on the next statement with their original dates, correction statements for hours taken away
and rate decreases, adjustment lines for rate increases; issuing numbers, freezes and announces it."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import asyncpg
import pytest

from vikar_shared.auth import Role
from vikar_shared.clock import FixedClock
from vikar_shared.events.placement import Address, CitizenReferred, MunicipalityTermsSet, PlacementCreated
from vikar_shared.testing.plugin import bearer, publish_events

FINANCE = bearer(Role.FINANCE)
AALBORG = uuid.UUID("00000000-0000-4000-8000-00000000a11b")
ODENSE = uuid.UUID("00000000-0000-4000-8000-00000000a22b")
BAGER = uuid.UUID("00000000-0000-4000-8000-0000000000c1")


def terms(
    municipality: uuid.UUID,
    effective_from: date,
    rate: int,
    *,
    name: str = "Aalborg Kommune",
    **fields: Any,
) -> MunicipalityTermsSet:
    """Terms complete for issuing (VAT S excluded, payment means 58 with IBAN, EAN, person reference) unless
    ``fields`` say otherwise."""
    values: dict[str, Any] = {
        "eligibility_threshold_weeks": 52,
        "target_unique_citizens": 40,
        "ean": "5798000420000",
        "person_reference": "Jobcenter 4711",
        "address": Address(street="Boulevarden 13", postcode="9000", city="Aalborg"),
        "rate_excludes_vat": True,
        "vat_category": "S",
        "payment_means_code": "58",
        "payee_iban": "DK5000400440116243",
        **fields,
    }
    return MunicipalityTermsSet(
        municipality_id=municipality,
        municipality_name=name,
        terms_id=uuid.uuid4(),
        effective_from=effective_from,
        co_financing_rate_ore_per_hour=rate,
        **values,
    )


def referral(
    of: PlacementCreated, *, birth_year: int | None = 1979, case_number: str | None = None, on: date = date(2026, 1, 1)
) -> CitizenReferred:
    return CitizenReferred(
        referral_id=uuid.uuid4(),
        citizen_id=of.citizen_id,
        citizen_name=of.citizen_name,
        municipality_id=of.municipality_id,
        referred_on=on,
        weeks_unemployed=60,
        eligible=True,
        threshold_weeks_applied=52,
        terms_id=uuid.uuid4(),
        case_number=case_number,
        birth_year=birth_year,
    )


async def refer(invoicing: Any, *referrals: CitizenReferred) -> None:
    before = await invoicing.count("select count(*) from referrals")
    await publish_events(invoicing.kafka, invoicing.namespace, [(r, r.citizen_id) for r in referrals])
    await invoicing.wait_for_count(
        "select count(*) from referrals", expected=before + len(referrals), what="referrals recorded"
    )


async def run(invoicing: Any, through: str, today: date) -> dict[str, Any]:
    invoicing.app.state.clock = FixedClock.on(today)
    r = await invoicing.client.post("/statement-runs", json={"through": through}, headers=FINANCE)
    assert r.status_code == 201, r.text
    answer: dict[str, Any] = r.json()
    return answer


async def issue(invoicing: Any, statement: dict[str, Any], today: date) -> dict[str, Any]:
    invoicing.app.state.clock = FixedClock.on(today)
    r = await invoicing.client.post(f"/statements/{statement['statement_id']}/issue", headers=FINANCE)
    assert r.status_code == 200, r.text
    issued: dict[str, Any] = r.json()
    return issued


def lines(statement: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (
            ln["citizen_reference"],
            ln["rate_ore_per_hour"],
            ln["minutes"],
            ln["amount_ore"],
            ln["late"],
            ln["adjustment"],
            ln["first_work_date"],
            ln["last_work_date"],
        )
        for ln in statement["lines"]
    ]


def placement(build: Any, municipality: uuid.UUID, name: str, *, eligible: bool = True) -> PlacementCreated:
    placed: PlacementCreated = build.placement(
        company_id=BAGER, municipality_id=municipality, citizen_name=name, bill_rate=17_999, eligible=eligible
    )
    return placed


async def test_a_month_with_a_rate_change_the_26_weeks_threshold_and_a_quarterly_municipality(
    invoicing: Any, build: Any
) -> None:
    # Aalborg, monthly: 9 999 øre/h under 52 weeks; from 16 October 12 345 øre/h and 26 weeks (a later version).
    lowered = terms(AALBORG, date(2026, 10, 16), 12_345, eligibility_threshold_weeks=26, target_unique_citizens=40)
    # Odense, quarterly, by case number, VAT exempt, paid by registration and account number.
    odense = terms(
        ODENSE,
        date(2026, 1, 1),
        11_111,
        name="Odense Kommune",
        statement_period="quarterly",
        citizen_reference="case_number",
        vat_category="E",
        vat_exemption_reason="Tilskud uden for momsens anvendelsesområde",
        payment_means_code="31",
        payee_iban=None,
        payee_bank_registration="1234",
        payee_bank_account="0012345678",
        target_unique_citizens=None,
    )
    anna = placement(build, AALBORG, "Anna Jensen")
    # Bo was referred on 17 October with 30 weeks of unemployment: eligible only under the 26-week threshold.
    bo = placement(build, AALBORG, "Bo Nielsen")
    carl = placement(build, AALBORG, "Carl Ikke-berettiget", eligible=False)
    dorte = placement(build, ODENSE, "Dorte Holm")
    await invoicing.publish_placement_events(
        terms(AALBORG, date(2026, 1, 1), 9_999, target_unique_citizens=30), lowered, odense, anna, bo, carl, dorte
    )
    await refer(
        invoicing,
        referral(anna, birth_year=1979),
        referral(bo, birth_year=1990, on=date(2026, 10, 17)),
        referral(dorte, case_number="SAG-2026-0042"),
    )
    await invoicing.publish_approvals(
        build.approval(anna, date(2026, 10, 5), 45),  # 7 499.25 -> 7 499
        build.approval(anna, date(2026, 10, 6), 50),  # 8 332.5 -> 8 333
        build.approval(anna, date(2026, 10, 20), 90),  # 12 345 * 1.5 = 18 517.5 -> 18 518
        build.approval(bo, date(2026, 10, 21), 60),  # 12 345
        build.approval(carl, date(2026, 10, 21), 60),  # not co-financed
        build.approval(dorte, date(2026, 8, 10), 30),  # 5 555.5 -> 5 556
        build.approval(dorte, date(2026, 9, 15), 20),  # 3 703.67 -> 3 704
        build.approval(dorte, date(2026, 10, 5), 60),  # Q4: not ended by the run
    )
    await invoicing.wait_for_count("select count(*) from co_financing_lines", expected=7, what="accrued")

    drafted = await run(invoicing, "2026-10-31", date(2026, 11, 5))
    assert (drafted["municipalities_total"], drafted["municipalities_done"], drafted["statements_drafted"]) == (2, 2, 2)
    by_municipality = {s["municipality_id"]: s for s in drafted["statements"]}
    aalborg, odense_q3 = by_municipality[str(AALBORG)], by_municipality[str(ODENSE)]
    assert (aalborg["period_kind"], aalborg["period_start"], aalborg["period_end"]) == (
        "monthly",
        "2026-10-01",
        "2026-10-31",
    )
    assert lines(aalborg) == [
        ("Anna Jensen (1979)", 9_999, 95, 15_832, False, False, "2026-10-05", "2026-10-06"),
        ("Anna Jensen (1979)", 12_345, 90, 18_518, False, False, "2026-10-20", "2026-10-20"),
        ("Bo Nielsen (1990)", 12_345, 60, 12_345, False, False, "2026-10-21", "2026-10-21"),
    ]
    assert (aalborg["net_ore"], aalborg["total_minutes"], aalborg["status"], aalborg["number"]) == (
        46_695,
        245,
        "draft",
        None,
    )
    # Figures: two citizens in October, two since the start, the target of the terms in force on 31 October.
    assert (aalborg["unique_citizens"], aalborg["unique_citizens_to_date"], aalborg["target_unique_citizens"]) == (
        2,
        2,
        40,
    )
    assert (odense_q3["period_kind"], odense_q3["period_start"], odense_q3["period_end"]) == (
        "quarterly",
        "2026-07-01",
        "2026-09-30",
    )
    assert lines(odense_q3) == [("SAG-2026-0042", 11_111, 50, 9_260, False, False, "2026-08-10", "2026-09-15")]
    assert (
        odense_q3["unique_citizens"],
        odense_q3["unique_citizens_to_date"],
        odense_q3["target_unique_citizens"],
    ) == (
        1,
        1,
        None,
    )

    # A second run drafts nothing twice.
    again = await run(invoicing, "2026-10-31", date(2026, 11, 5))
    assert again["statements"] == [] and await invoicing.count("select count(*) from statements") == 2

    issued = await issue(invoicing, aalborg, date(2026, 11, 6))
    # 25 % of 46 695 = 11 673.75 -> 11 674; due 30 days after.
    assert (issued["number"], issued["vat_category"], issued["vat_ore"], issued["total_ore"]) == (
        "S-2026-000001",
        "S",
        11_674,
        58_369,
    )
    assert (issued["issue_date"], issued["due_date"], issued["net_ore"]) == ("2026-11-06", "2026-12-06", 46_695)
    assert issued["buyer"] == {
        "municipality_id": str(AALBORG),
        "name": "Aalborg Kommune",
        "ean": "5798000420000",
        "person_reference": "Jobcenter 4711",
        "street": "Boulevarden 13",
        "postcode": "9000",
        "city": "Aalborg",
    }
    assert issued["payment_means"] == {
        "code": "58",
        "iban": "DK5000400440116243",
        "bank_registration": None,
        "bank_account": None,
    }
    assert issued["seller"]["cvr"] == "29403473"
    exempt = await issue(invoicing, odense_q3, date(2026, 11, 6))
    assert (exempt["number"], exempt["vat_category"], exempt["vat_rate_percent"], exempt["vat_ore"]) == (
        "S-2026-000002",
        "E",
        0,
        0,
    )
    assert (exempt["total_ore"], exempt["payment_means"]["code"], exempt["payment_means"]["bank_account"]) == (
        9_260,
        "31",
        "0012345678",
    )
    # The events, in the issuing transactions, keyed by the municipality.
    rows = await invoicing.pool.fetch(
        """select key, envelope from outbox where envelope->>'type' = 'invoicing.statement_issued' order by id"""
    )
    assert [r["key"] for r in rows] == [str(AALBORG), str(ODENSE)]
    data = rows[0]["envelope"]["data"]
    assert (data["number"], data["net_ore"], data["vat_ore"], data["total_ore"], data["total_minutes"]) == (
        "S-2026-000001",
        46_695,
        11_674,
        58_369,
        245,
    )
    assert [line["citizen_reference"] for line in data["lines"]] == [
        "Anna Jensen (1979)",
        "Anna Jensen (1979)",
        "Bo Nielsen (1990)",
    ]


async def test_late_hours_a_negative_correction_and_retroactive_rate_changes(invoicing: Any, build: Any) -> None:
    anna = placement(build, AALBORG, "Anna Jensen")
    await invoicing.publish_placement_events(terms(AALBORG, date(2026, 1, 1), 10_000), anna)
    await refer(invoicing, referral(anna))
    oct5, oct6 = build.approval(anna, date(2026, 10, 5), 90), build.approval(anna, date(2026, 10, 6), 60)
    await invoicing.publish_approvals(oct5, oct6)
    await invoicing.wait_for_count("select count(*) from co_financing_lines", expected=2, what="accrued")
    [october] = (await run(invoicing, "2026-10-31", date(2026, 11, 5)))["statements"]
    s1 = await issue(invoicing, october, date(2026, 11, 5))
    assert (s1["number"], s1["net_ore"]) == ("S-2026-000001", 25_000)

    # After it was issued: 30 more minutes on 7 October (late), 60 on 10 November, and 30 taken off 5 October.
    oct7, nov10 = build.approval(anna, date(2026, 10, 7), 30), build.approval(anna, date(2026, 11, 10), 60)
    minus = build.approval(anna, date(2026, 10, 5), -30, corrects=oct5)
    await invoicing.publish_approvals(oct7, nov10, minus)
    await invoicing.wait_for_count("select count(*) from co_financing_lines", expected=5, what="accrued late")
    made = (await run(invoicing, "2026-11-30", date(2026, 12, 2)))["statements"]
    [november] = [s for s in made if s["document_type"] == "statement"]
    [correction] = [s for s in made if s["document_type"] == "correction_statement"]
    assert (november["period_start"], november["period_end"]) == ("2026-11-01", "2026-11-30")
    assert lines(november) == [
        ("Anna Jensen (1979)", 10_000, 60, 10_000, False, False, "2026-11-10", "2026-11-10"),
        ("Anna Jensen (1979)", 10_000, 30, 5_000, True, False, "2026-10-07", "2026-10-07"),
    ]
    assert november["net_ore"] == 15_000
    # The correction credits S-2026-000001 with positive amounts, in its period.
    assert (correction["corrects_statement_id"], correction["corrects_statement_number"]) == (
        october["statement_id"],
        "S-2026-000001",
    )
    assert (correction["period_start"], correction["period_end"]) == ("2026-10-01", "2026-10-31")
    assert lines(correction) == [("Anna Jensen (1979)", 10_000, 30, 5_000, False, False, "2026-10-05", "2026-10-05")]
    s2 = await issue(invoicing, november, date(2026, 12, 2))
    s3 = await issue(invoicing, correction, date(2026, 12, 2))
    assert (s2["number"], s3["number"]) == ("S-2026-000002", "S-2026-000003")
    # A correction statement is due at once; its event names the statement it corrects.
    assert (s3["due_date"], s3["vat_ore"], s3["total_ore"]) == ("2026-12-02", 1_250, 6_250)
    envelope = await invoicing.pool.fetchval(
        "select envelope from outbox where envelope->>'type' = 'invoicing.correction_statement_issued'"
    )
    assert (envelope["data"]["corrected_statement_number"], envelope["data"]["net_ore"]) == ("S-2026-000001", 5_000)

    # Up: 12 000 øre/h from 6 October, registered afterwards: +2 000 (6 Oct), +1 000 (7 Oct), +2 000 (10 Nov), on
    # the next statement (December) as adjustment lines with their original dates.
    await invoicing.publish_placement_events(terms(AALBORG, date(2026, 10, 6), 12_000))
    await invoicing.wait_for_count("select count(*) from co_financing_adjustments", expected=3, what="settled up")
    [december] = (await run(invoicing, "2026-12-31", date(2027, 1, 4)))["statements"]
    assert (december["document_type"], december["period_start"]) == ("statement", "2026-12-01")
    assert lines(december) == [
        ("Anna Jensen (1979)", 12_000, 0, 2_000, False, True, "2026-10-06", "2026-10-06"),
        ("Anna Jensen (1979)", 12_000, 0, 1_000, False, True, "2026-10-07", "2026-10-07"),
        ("Anna Jensen (1979)", 12_000, 0, 2_000, False, True, "2026-11-10", "2026-11-10"),
    ]
    s4 = await issue(invoicing, december, date(2027, 1, 4))
    assert (s4["number"], s4["net_ore"], s4["vat_ore"], s4["total_ore"]) == ("S-2027-000001", 5_000, 1_250, 6_250)

    # Down: 9 000 øre/h from 6 October (recorded last): -3 000 (6 Oct, on S-1), -1 500 (7 Oct) and -3 000
    # (10 Nov), both on S-2: one correction statement per statement they lower.
    await invoicing.publish_placement_events(terms(AALBORG, date(2026, 10, 6), 9_000))
    await invoicing.wait_for_count("select count(*) from co_financing_adjustments", expected=6, what="settled down")
    corrections = (await run(invoicing, "2026-12-31", date(2027, 1, 5)))["statements"]
    by_corrected = {c["corrects_statement_number"]: c for c in corrections}
    assert sorted(by_corrected) == ["S-2026-000001", "S-2026-000002"]
    assert lines(by_corrected["S-2026-000001"]) == [
        ("Anna Jensen (1979)", 9_000, 0, 3_000, False, True, "2026-10-06", "2026-10-06")
    ]
    assert lines(by_corrected["S-2026-000002"]) == [
        ("Anna Jensen (1979)", 9_000, 0, 1_500, False, True, "2026-10-07", "2026-10-07"),
        ("Anna Jensen (1979)", 9_000, 0, 3_000, False, True, "2026-11-10", "2026-11-10"),
    ]
    assert [c["net_ore"] for c in (by_corrected["S-2026-000001"], by_corrected["S-2026-000002"])] == [3_000, 4_500]
    # Every co-financed øre is on exactly one statement: stated - corrected = what the lines and adjustments say.
    issued = [await issue(invoicing, c, date(2027, 1, 5)) for c in corrections]
    stated = sum(s["net_ore"] for s in (s1, s2, s4))
    corrected = sum(c["net_ore"] for c in (s3, *issued))
    co_financed = await invoicing.count(
        "select (select sum(amount_ore) from co_financing_lines) + (select sum(amount_ore) from co_financing_adjustments)"
    )
    assert stated - corrected == co_financed == 25_000 + 15_000 - 5_000 + 5_000 - 7_500


async def test_bad_input_is_refused_with_a_clear_4xx_and_nothing_written(invoicing: Any, build: Any) -> None:
    # Terms that state neither VAT category nor payment means nor EAN.
    anna = placement(build, AALBORG, "Anna Jensen")
    bare = terms(AALBORG, date(2026, 1, 1), 10_000, vat_category=None, payment_means_code=None, ean=None)
    await invoicing.publish_placement_events(bare, anna)
    await invoicing.publish_approvals(build.approval(anna, date(2026, 10, 5), 60))
    await invoicing.wait_for_count("select count(*) from co_financing_lines", expected=1, what="accrued")

    invoicing.app.state.clock = FixedClock.on(date(2026, 11, 5))
    r = await invoicing.client.post("/statement-runs", json={"through": "2026-11-06"}, headers=FINANCE)
    assert r.status_code == 422 and r.json()["code"] == "statement-run-through-future"
    assert r.json()["errors"][0]["field"] == "through"
    r = await invoicing.client.post("/statement-runs", json={"through": "31-10-2026"}, headers=FINANCE)
    assert r.status_code == 422
    r = await invoicing.client.post("/statement-runs", json={"through": "2026-10-31"}, headers=bearer(Role.CONSULTANT))
    assert r.status_code == 403
    assert await invoicing.count("select count(*) from statement_runs") == 0

    [draft] = (await run(invoicing, "2026-10-31", date(2026, 11, 5)))["statements"]
    # No referral known yet: the draft shows the placeholder, issuing refuses it naming the citizen.
    assert lines(draft)[0][0] == "(reference mangler)"
    r = await invoicing.client.post(f"/statements/{draft['statement_id']}/issue", headers=FINANCE)
    assert r.status_code == 409 and r.json()["code"] == "citizen-reference-missing", r.text
    assert str(anna.citizen_id) in r.json()["detail"]
    assert [e["field"] for e in r.json()["errors"]] == ["lines.1.citizen_reference"]
    await refer(invoicing, referral(anna))
    r = await invoicing.client.post(f"/statements/{draft['statement_id']}/regenerate", headers=FINANCE)
    assert r.status_code == 200 and lines(r.json())[0][0] == "Anna Jensen (1979)"

    r = await invoicing.client.post(f"/statements/{draft['statement_id']}/issue", headers=FINANCE)
    assert r.status_code == 409 and r.json()["code"] == "agreement-terms-incomplete", r.text
    assert [e["field"] for e in r.json()["errors"]] == ["vat_category", "payment_means_code", "ean"]
    assert "vat_category" in r.json()["detail"]
    # Nothing written: no number spent, no event, still a draft.
    assert await invoicing.count("select count(*) from statement_number_counters") == 0
    assert (
        await invoicing.count("select count(*) from outbox where envelope->>'type' like 'invoicing.%statement%'") == 0
    )
    assert await invoicing.count("select count(*) from statements where status = 'draft'") == 1

    # Payment means 31 without the account: named too; then complete terms (a new version) issue it.
    await invoicing.publish_placement_events(
        terms(AALBORG, date(2026, 1, 1), 10_000, payment_means_code="31", payee_iban=None)
    )
    await invoicing.wait_for_count("select count(*) from municipality_terms", expected=2, what="terms")
    r = await invoicing.client.post(f"/statements/{draft['statement_id']}/issue", headers=FINANCE)
    assert [e["field"] for e in r.json()["errors"]] == ["payee_bank_registration", "payee_bank_account"]
    await invoicing.publish_placement_events(terms(AALBORG, date(2026, 1, 1), 10_000))
    await invoicing.wait_for_count("select count(*) from municipality_terms", expected=3, what="terms")
    issued = await issue(invoicing, draft, date(2026, 11, 6))
    assert issued["number"] == "S-2026-000001"
    assert await invoicing.count("select last_number from statement_number_counters where year = 2026") == 1

    # Issuing twice, regenerating or deleting an issued statement: 409, the counter does not move.
    for method, path in (("post", "/issue"), ("post", "/regenerate"), ("delete", "")):
        r = await getattr(invoicing.client, method)(f"/statements/{draft['statement_id']}{path}", headers=FINANCE)
        assert r.status_code == 409 and r.json()["code"] == "statement-issued", (path, r.text)
    assert await invoicing.count("select last_number from statement_number_counters where year = 2026") == 1
    assert (
        await invoicing.count("select count(*) from outbox where envelope->>'type' like 'invoicing.%statement%'") == 1
    )
    r = await invoicing.client.post(f"/statements/{uuid.uuid4()}/issue", headers=FINANCE)
    assert r.status_code == 404 and r.json()["code"] == "statement-not-found"

    # Issued statements are facts: the database refuses to change or delete them and their lines.
    for sql in (
        "update statements set net_ore = 1",
        "delete from statements",
        "update statement_lines set amount_ore = 1",
        "delete from statement_entries",
    ):
        with pytest.raises(asyncpg.IntegrityConstraintViolationError):
            await invoicing.pool.execute(sql)


async def test_drafts_are_the_agencys_issued_statements_the_municipalitys(invoicing: Any, build: Any) -> None:
    anna, bo = placement(build, AALBORG, "Anna Jensen"), placement(build, AALBORG, "Bo Nielsen")
    await invoicing.publish_placement_events(terms(AALBORG, date(2026, 1, 1), 10_000), anna, bo)
    await refer(invoicing, referral(anna), referral(bo))
    await invoicing.publish_approvals(
        build.approval(anna, date(2026, 9, 5), 60), build.approval(bo, date(2026, 10, 5), 60)
    )
    await invoicing.wait_for_count("select count(*) from co_financing_lines", expected=2, what="accrued")
    september, october = (await run(invoicing, "2026-10-31", date(2026, 11, 5)))["statements"]
    await issue(invoicing, september, date(2026, 11, 5))
    mine, other = bearer(Role.MUNICIPALITY, municipality_id=AALBORG), bearer(Role.MUNICIPALITY, municipality_id=ODENSE)
    assert (await invoicing.client.get(f"/statements/{september['statement_id']}", headers=mine)).status_code == 200
    assert (await invoicing.client.get(f"/statements/{october['statement_id']}", headers=mine)).status_code == 404
    assert (await invoicing.client.get(f"/statements/{september['statement_id']}", headers=other)).status_code == 404
    listed = (await invoicing.client.get("/statements", headers=mine)).json()["items"]
    assert [s["statement_id"] for s in listed] == [september["statement_id"]]
    assert (await invoicing.client.get("/statements", params={"status": "draft"}, headers=mine)).json()["items"] == []
    assert (await invoicing.client.get("/statements", headers=other)).json()["items"] == []
    for who, municipality in ((other, AALBORG), (FINANCE, uuid.uuid4())):
        r = await invoicing.client.get("/statements", params={"municipality_id": str(municipality)}, headers=who)
        assert r.status_code == 404 and r.json()["code"] == "municipality-not-found"
    r = await invoicing.client.get("/statements", params={"municipality_id": str(AALBORG)}, headers=mine)
    assert [s["statement_id"] for s in r.json()["items"]] == [september["statement_id"]]
    r = await invoicing.client.get("/statements", headers=bearer(Role.COMPANY_APPROVER, company_id=BAGER))
    assert r.status_code == 403
    staff = (await invoicing.client.get("/statements", params={"status": "draft"}, headers=FINANCE)).json()["items"]
    assert [s["statement_id"] for s in staff] == [october["statement_id"]]
    r = await invoicing.client.get(
        "/statements", params={"period_from": "2026-10-01", "period_to": "2026-09-01"}, headers=FINANCE
    )
    assert r.status_code == 422 and r.json()["code"] == "range-reversed"
    r = await invoicing.client.get("/statements", params={"period_from": "2026-10-01"}, headers=bearer(Role.CONSULTANT))
    assert [s["statement_id"] for s in r.json()["items"]] == [october["statement_id"]]

    # Deleting the October draft returns Bo's hours to the pool: the next run drafts them again, late.
    r = await invoicing.client.delete(f"/statements/{october['statement_id']}", headers=FINANCE)
    assert r.status_code == 204
    assert await invoicing.count("select count(*) from statement_entries") == 1
    await invoicing.publish_approvals(build.approval(anna, date(2026, 11, 2), 30))
    await invoicing.wait_for_count("select count(*) from co_financing_lines", expected=3, what="accrued")
    [november] = (await run(invoicing, "2026-11-30", date(2026, 12, 1)))["statements"]
    assert [(ln[0], ln[2], ln[4], ln[6]) for ln in lines(november)] == [
        ("Anna Jensen (1979)", 30, False, "2026-11-02"),
        ("Bo Nielsen (1979)", 60, True, "2026-10-05"),
    ]
    r = await invoicing.client.get(f"/statement-runs/{november['run_id']}", headers=FINANCE)
    assert r.status_code == 200 and r.json()["statements_drafted"] == 1 and r.json()["finished_at"] is not None
    r = await invoicing.client.get(f"/statement-runs/{uuid.uuid4()}", headers=FINANCE)
    assert r.status_code == 404 and r.json()["code"] == "statement-run-not-found"


async def test_the_read_models_keep_every_terms_field_and_each_referral_once(invoicing: Any, build: Any) -> None:
    full = terms(
        AALBORG,
        date(2026, 1, 1),
        10_000,
        statement_period="quarterly",
        citizen_reference="case_number",
        vat_category="E",
        vat_exemption_reason="Uden for momsområdet",
        rate_excludes_vat=False,
        payment_means_code="31",
        payee_bank_registration="1234",
        payee_bank_account="0012345678",
    )
    await invoicing.publish_placement_events(full)
    await invoicing.wait_for_count("select count(*) from municipality_terms", expected=1, what="terms")
    row = await invoicing.pool.fetchrow(
        """select target_unique_citizens, ean, person_reference, statement_period, citizen_reference, address,
                  rate_excludes_vat, vat_category, vat_exemption_reason, payment_means_code, payee_iban,
                  payee_bank_registration, payee_bank_account from municipality_terms"""
    )
    assert dict(row) == {
        "target_unique_citizens": 40,
        "ean": "5798000420000",
        "person_reference": "Jobcenter 4711",
        "statement_period": "quarterly",
        "citizen_reference": "case_number",
        "address": {"street": "Boulevarden 13", "postcode": "9000", "city": "Aalborg"},
        "rate_excludes_vat": False,
        "vat_category": "E",
        "vat_exemption_reason": "Uden for momsområdet",
        "payment_means_code": "31",
        "payee_iban": "DK5000400440116243",
        "payee_bank_registration": "1234",
        "payee_bank_account": "0012345678",
    }
    anna = placement(build, AALBORG, "Anna Jensen")
    once = referral(anna, case_number="SAG-1", birth_year=None)
    await refer(invoicing, once)
    await publish_events(invoicing.kafka, invoicing.namespace, [(once, once.citizen_id)])
    later = referral(anna, case_number="SAG-2", on=date(2026, 6, 1))
    await refer(invoicing, later)
    rows = await invoicing.pool.fetch("select referral_id, case_number, birth_year from referrals order by referred_on")
    assert [tuple(r) for r in rows] == [(once.referral_id, "SAG-1", None), (later.referral_id, "SAG-2", 1979)]


async def test_a_rate_including_vat_is_split_into_net_and_vat_when_issued(invoicing: Any, build: Any) -> None:
    # 10 002 gross: net 8 001.6 -> 8 002, VAT 2 000.5 -> 2 001, total 10 003: one øre over the gross sum, which the
    # database accepts for a VAT-inclusive rate only.
    bo = placement(build, ODENSE, "Bo Nielsen")
    odense = terms(ODENSE, date(2026, 1, 1), 10_002, name="Odense Kommune", rate_excludes_vat=False)
    await invoicing.publish_placement_events(odense, bo)
    await refer(invoicing, referral(bo))
    await invoicing.publish_approvals(build.approval(bo, date(2026, 10, 5), 60))
    anna = placement(build, AALBORG, "Anna Jensen")
    await invoicing.publish_placement_events(terms(AALBORG, date(2026, 1, 1), 10_001, rate_excludes_vat=False), anna)
    await refer(invoicing, referral(anna))
    await invoicing.publish_approvals(build.approval(anna, date(2026, 10, 5), 60))
    await invoicing.wait_for_count("select count(*) from co_financing_lines", expected=2, what="accrued")
    by_municipality = {
        s["municipality_id"]: s for s in (await run(invoicing, "2026-10-31", date(2026, 11, 5)))["statements"]
    }
    draft = by_municipality[str(AALBORG)]
    assert draft["net_ore"] == draft["lines_ore"] == 10_001  # the draft: the line sum
    over = await issue(invoicing, by_municipality[str(ODENSE)], date(2026, 11, 5))
    assert (over["lines_ore"], over["net_ore"], over["vat_ore"], over["total_ore"]) == (10_002, 8_002, 2_001, 10_003)
    # The database's backstop: VAT-inclusive, a total 2 øre off the line sum (10 001); VAT-exclusive, a total that
    # is not net + VAT (10 001 + 2 000): refused.
    for total, excludes in ((10_003, False), (12_002, True)):
        with pytest.raises(asyncpg.CheckViolationError):
            await invoicing.pool.execute(
                """update statements set status = 'issued', number = 'S-2026-999999', issue_date = '2026-11-05',
                          due_date = '2026-12-05', issued_at = now(), issued_by = 'sql', vat_category = 'S',
                          vat_rate_percent = 25, rate_excludes_vat = $2, vat_ore = 2000, total_ore = $3,
                          seller = '{}', buyer = '{}', payment_means = '{}'
                   where statement_id = $1""",
                uuid.UUID(draft["statement_id"]),
                excludes,
                total,
            )
    issued = await issue(invoicing, draft, date(2026, 11, 5))
    # 10 001 gross (lines_ore, the line sum): net 10 001 / 1.25 = 8 000.8 -> 8 001; VAT 25 % of it = 2 000.25
    # -> 2 000; total 8 001 + 2 000 = 10 001. The API's net_ore is the VAT-exclusive one: net + VAT = total.
    assert (issued["lines_ore"], issued["net_ore"], issued["vat_ore"], issued["total_ore"]) == (
        10_001,
        8_001,
        2_000,
        10_001,
    )
    assert issued["rate_excludes_vat"] is False
    assert (
        await invoicing.count(
            "select net_ore from statements where statement_id = $1", uuid.UUID(draft["statement_id"])
        )
        == 10_001
    )  # the column stays the line sum (reconciliation reads it)
    got = await invoicing.client.get(f"/statements/{draft['statement_id']}", headers=FINANCE)
    assert (got.json()["net_ore"], got.json()["lines_ore"]) == (8_001, 10_001)
    assert [ln["amount_ore"] for ln in issued["lines"]] == [10_001]
    # On Kafka the net is the VAT-exclusive one, so total = net + VAT there as on every invoice event.
    envelope = await invoicing.pool.fetchval(
        """select envelope from outbox
           where envelope->>'type' = 'invoicing.statement_issued' and envelope->'data'->>'statement_id' = $1""",
        draft["statement_id"],
    )
    data = envelope["data"]
    assert (data["net_ore"], data["vat_ore"], data["total_ore"]) == (8_001, 2_000, 10_001)


async def _an_hour_on_an_october_draft(
    invoicing: Any, build: Any, rate: int
) -> tuple[PlacementCreated, Any, dict[str, Any]]:
    """Anna (Aalborg, terms from 1 January at ``rate``), 60 minutes on 5 October approved, and the October draft."""
    anna = placement(build, AALBORG, "Anna Jensen")
    await invoicing.publish_placement_events(terms(AALBORG, date(2026, 1, 1), rate), anna)
    await refer(invoicing, referral(anna))
    worked = build.approval(anna, date(2026, 10, 5), 60)
    await invoicing.publish_approvals(worked)
    await invoicing.wait_for_count("select count(*) from co_financing_lines", expected=1, what="accrued")
    [october] = (await run(invoicing, "2026-10-31", date(2026, 11, 5)))["statements"]
    return anna, worked, october


async def test_a_correction_statement_never_credits_more_than_is_left(invoicing: Any, build: Any) -> None:
    anna, worked, october = await _an_hour_on_an_october_draft(invoicing, build, 10_000)
    await issue(invoicing, october, date(2026, 11, 5))  # 10 000 øre
    # Two corrections drafted apart (30 and 45 minutes off the same entry): together more than was stated.
    await invoicing.publish_approvals(build.approval(anna, date(2026, 10, 5), -30, corrects=worked))
    await invoicing.wait_for_count("select count(*) from co_financing_lines", expected=2, what="first correction")
    [first] = (await run(invoicing, "2026-10-31", date(2026, 11, 6)))["statements"]
    await invoicing.publish_approvals(build.approval(anna, date(2026, 10, 5), -45, corrects=worked))
    await invoicing.wait_for_count("select count(*) from co_financing_lines", expected=3, what="second correction")
    [second] = (await run(invoicing, "2026-10-31", date(2026, 11, 6)))["statements"]
    assert (first["net_ore"], second["net_ore"]) == (5_000, 7_500)
    assert first["corrects_statement_id"] == second["corrects_statement_id"] == october["statement_id"]
    assert (await issue(invoicing, first, date(2026, 11, 6)))["number"] == "S-2026-000002"
    r = await invoicing.client.post(f"/statements/{second['statement_id']}/issue", headers=FINANCE)
    assert r.status_code == 409 and r.json()["code"] == "correction-exceeds-statement", r.text
    assert "5000" in r.json()["detail"]
    assert await invoicing.count("select last_number from statement_number_counters where year = 2026") == 2
    assert await invoicing.count("select count(*) from statements where status = 'issued'") == 2


async def test_a_referral_born_in_the_1800s_is_recorded(invoicing: Any, build: Any) -> None:
    # Placement accepts CPR numbers of birth years 1858-1899 (century digit 5-8, YY 58-99): invoicing must too.
    anna = placement(build, AALBORG, "Anna Jensen")
    old = referral(anna, birth_year=1860, case_number="SAG-1860")
    await refer(invoicing, old)
    row = await invoicing.pool.fetchrow(
        "select case_number, birth_year from referrals where referral_id = $1", old.referral_id
    )
    assert tuple(row) == ("SAG-1860", 1860)


async def test_a_reference_holding_a_cpr_number_is_never_stated_and_issuing_refuses_it(
    invoicing: Any, build: Any
) -> None:
    # The municipality's case number typed as the CPR (and a name holding one): treated as no reference at all.
    anna, bo = placement(build, AALBORG, "Anna Jensen"), placement(build, AALBORG, "Bo 250384-1881")
    await invoicing.publish_placement_events(terms(AALBORG, date(2026, 1, 1), 10_000), anna, bo)
    await refer(invoicing, referral(anna, case_number="250384-1881"), referral(bo))
    await invoicing.publish_approvals(
        build.approval(anna, date(2026, 10, 5), 60), build.approval(bo, date(2026, 10, 5), 30)
    )
    await invoicing.wait_for_count("select count(*) from co_financing_lines", expected=2, what="accrued")
    [october] = (await run(invoicing, "2026-10-31", date(2026, 11, 5)))["statements"]
    assert sorted(ln["citizen_reference"] for ln in october["lines"]) == ["(reference mangler)", "Anna Jensen (1979)"]
    # Under case-number terms Anna's case number (a CPR number) is not used either.
    await invoicing.publish_placement_events(terms(AALBORG, date(2026, 1, 1), 10_000, citizen_reference="case_number"))
    await invoicing.wait_for_count("select count(*) from municipality_terms", expected=2, what="terms")
    r = await invoicing.client.post(f"/statements/{october['statement_id']}/regenerate", headers=FINANCE)
    assert r.status_code == 200, r.text
    assert [ln["citizen_reference"] for ln in r.json()["lines"]] == ["(reference mangler)", "(reference mangler)"]
    assert await invoicing.count("select count(*) from statement_lines where citizen_reference ~ '1881'") == 0
    r = await invoicing.client.post(f"/statements/{october['statement_id']}/issue", headers=FINANCE)
    assert r.status_code == 409 and r.json()["code"] == "citizen-reference-missing", r.text
    assert "not usable" in r.json()["detail"]
    assert await invoicing.count("select count(*) from statement_number_counters") == 0, "no number spent"
    assert await invoicing.count("select count(*) from statements where status = 'issued'") == 0
    # A draft written before references were checked (a CPR number on its line) is refused all the same.
    await invoicing.pool.execute(
        "update statement_lines set citizen_reference = 'SAG 250384-1881' where statement_id = $1",
        uuid.UUID(october["statement_id"]),
    )
    r = await invoicing.client.post(f"/statements/{october['statement_id']}/issue", headers=FINANCE)
    assert r.status_code == 409 and r.json()["code"] == "citizen-reference-missing", r.text
    assert await invoicing.count("select count(*) from statement_number_counters") == 0, "no number spent"


async def test_a_rate_decrease_over_an_entry_and_its_correction_credits_what_they_were_stated_at(
    invoicing: Any, build: Any
) -> None:
    # 60 minutes and a -20 correction of them, both on the October statement (the correction nets on the draft):
    # 12 345 - 4 115 = 8 230 øre stated. The rate is then lowered to 0 from 1 January: the entry's adjustment is
    # -12 345, the correction's +4 115. Together they take 8 230 øre from the statement: the correction statement
    # credits exactly that (before the fix: 12 345, more than was stated, 409 for ever).
    anna, worked, october = await _an_hour_on_an_october_draft(invoicing, build, 12_345)
    await invoicing.publish_approvals(build.approval(anna, date(2026, 10, 5), -20, corrects=worked))
    await invoicing.wait_for_count("select count(*) from co_financing_lines", expected=2, what="correction")
    [netted] = (await run(invoicing, "2026-10-31", date(2026, 11, 5)))["statements"]
    assert netted["statement_id"] == october["statement_id"]  # netted on the draft
    october = netted
    assert (october["lines_ore"], october["total_minutes"]) == (8_230, 40)
    stated = await issue(invoicing, october, date(2026, 11, 5))
    await invoicing.publish_placement_events(terms(AALBORG, date(2026, 1, 1), 0))
    await invoicing.wait_for_count("select count(*) from co_financing_adjustments", expected=2, what="settled down")
    [correction] = (await run(invoicing, "2026-11-30", date(2026, 12, 2)))["statements"]
    assert correction["corrects_statement_number"] == stated["number"]
    assert lines(correction) == [("Anna Jensen (1979)", 0, 0, 8_230, False, True, "2026-10-05", "2026-10-05")]
    credited = await issue(invoicing, correction, date(2026, 12, 2))
    assert (credited["lines_ore"], credited["vat_ore"], credited["total_ore"]) == (8_230, 2_058, 10_288)
    assert await invoicing.count("select count(*) from statement_open_items") == 0, "nothing left in the pool"
    co_financed = await invoicing.count(
        "select (select sum(amount_ore) from co_financing_lines) + (select sum(amount_ore) from co_financing_adjustments)"
    )
    assert stated["lines_ore"] - credited["lines_ore"] == co_financed == 0


async def test_hours_approved_for_a_drafted_period_go_on_that_draft_at_the_next_run(invoicing: Any, build: Any) -> None:
    anna = placement(build, AALBORG, "Anna Jensen")
    await invoicing.publish_placement_events(terms(AALBORG, date(2026, 1, 1), 10_000), anna)
    await refer(invoicing, referral(anna))
    await invoicing.publish_approvals(build.approval(anna, date(2026, 10, 5), 60))
    await invoicing.wait_for_count("select count(*) from co_financing_lines", expected=1, what="accrued")
    [october] = (await run(invoicing, "2026-10-31", date(2026, 11, 5)))["statements"]
    # Approved after the October draft was made (not issued): 30 minutes on 20 October, 60 on 3 November.
    await invoicing.publish_approvals(
        build.approval(anna, date(2026, 10, 20), 30), build.approval(anna, date(2026, 11, 3), 60)
    )
    await invoicing.wait_for_count("select count(*) from co_financing_lines", expected=3, what="accrued later")
    made = {s["period_start"]: s for s in (await run(invoicing, "2026-11-30", date(2026, 12, 2)))["statements"]}
    assert sorted(made) == ["2026-10-01", "2026-11-01"]
    assert made["2026-10-01"]["statement_id"] == october["statement_id"], "the October draft, redrafted"
    assert lines(made["2026-10-01"]) == [
        ("Anna Jensen (1979)", 10_000, 90, 15_000, False, False, "2026-10-05", "2026-10-20")
    ]
    assert lines(made["2026-11-01"]) == [
        ("Anna Jensen (1979)", 10_000, 60, 10_000, False, False, "2026-11-03", "2026-11-03")
    ]
    assert await invoicing.count("select count(*) from statement_open_items") == 0, "every open item on a draft"


async def test_a_rate_decrease_after_a_correction_statement_credits_only_what_is_left(
    invoicing: Any, build: Any
) -> None:
    # 60 minutes stated (12 345), 20 of them credited by a correction statement (4 115), 8 230 left. The rate is
    # lowered to 0: the entry's adjustment (-12 345) and the correction's (+4 115) net to -8 230 on one new
    # correction statement: exactly what is left, and it issues.
    anna, worked, october = await _an_hour_on_an_october_draft(invoicing, build, 12_345)
    stated = await issue(invoicing, october, date(2026, 11, 5))
    await invoicing.publish_approvals(build.approval(anna, date(2026, 10, 5), -20, corrects=worked))
    await invoicing.wait_for_count("select count(*) from co_financing_lines", expected=2, what="correction")
    [first] = (await run(invoicing, "2026-10-31", date(2026, 11, 6)))["statements"]
    first = await issue(invoicing, first, date(2026, 11, 6))
    assert (first["corrects_statement_number"], first["lines_ore"]) == (stated["number"], 4_115)
    await invoicing.publish_placement_events(terms(AALBORG, date(2026, 1, 1), 0))
    await invoicing.wait_for_count("select count(*) from co_financing_adjustments", expected=2, what="settled down")
    [second] = (await run(invoicing, "2026-11-30", date(2026, 12, 2)))["statements"]
    assert lines(second) == [("Anna Jensen (1979)", 0, 0, 8_230, False, True, "2026-10-05", "2026-10-05")]
    second = await issue(invoicing, second, date(2026, 12, 2))
    assert stated["lines_ore"] - first["lines_ore"] - second["lines_ore"] == 0
    assert await invoicing.count("select count(*) from statement_open_items") == 0
