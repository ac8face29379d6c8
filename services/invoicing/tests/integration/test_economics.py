"""GET /economics and /economics.csv: what each placement earns the agency in a month, in exact øre.

Placements, rates and approvals go through Kafka into the read models and lines as in production; employee
numbers are seeded by SQL (the employees read model's handler is another part's)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from invoicing.config import BasisPointsFrom
from vikar_shared.auth import Role
from vikar_shared.events.placement import PlacementCreated, PlacementRatesChanged, RateVersion
from vikar_shared.testing.plugin import bearer
from vikar_shared.types.identifiers import contains_cpr

AALBORG = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
BAGER = uuid.UUID("00000000-0000-4000-8000-0000000000c1")
ANNA = uuid.UUID("00000000-0000-4000-8000-0000000000b1")
BO = uuid.UUID("00000000-0000-4000-8000-0000000000b2")
CARL = uuid.UUID("00000000-0000-4000-8000-0000000000b3")
FINANCE = bearer(Role.FINANCE)
BOM = "\ufeff"


def _placement(
    build: Any, placement_id: uuid.UUID, name: str, *, bill: int, wage: int | None, eligible: bool = True
) -> PlacementCreated:
    created: PlacementCreated = build.placement(
        company_id=BAGER, municipality_id=AALBORG, citizen_name=name, bill_rate=bill, eligible=eligible
    )
    return created.model_copy(
        update={
            "placement_id": placement_id,
            "citizen_id": uuid.uuid5(placement_id, "citizen"),
            "wage_rate_ore_per_hour": wage,
        }
    )


def _rates(of: PlacementCreated, *versions: tuple[date, int, int | None]) -> PlacementRatesChanged:
    return PlacementRatesChanged(
        placement_id=of.placement_id,
        company_id=of.company_id,
        rates=[
            RateVersion(effective_from=day, bill_rate_ore_per_hour=bill, wage_rate_ore_per_hour=wage)
            for day, bill, wage in versions
        ],
    )


async def _known(invoicing: Any, build: Any, *placements: PlacementCreated) -> None:
    await invoicing.publish_company_events(build.company(BAGER))
    await invoicing.publish_placement_events(build.terms(AALBORG, date(2026, 1, 1), 5_000), *placements)
    await invoicing.wait_for_count(
        "select count(*) from placements", expected=len(placements), what="placements read model"
    )
    await invoicing.wait_for_count("select count(*) from companies", expected=1, what="companies read model")


async def _employee(invoicing: Any, of: PlacementCreated, number: int) -> None:
    await invoicing.pool.execute(
        "insert into employees (citizen_id, employee_number, employed_from) values ($1, $2, '2026-01-01')",
        of.citizen_id,
        number,
    )


def _money(row: dict[str, Any]) -> tuple[int | None, ...]:
    return tuple(
        row[k]
        for k in (
            "minutes",
            "wage_rate_missing_minutes",
            "revenue_company_ore",
            "revenue_municipality_ore",
            "wage_gross_ore",
            "holiday_allowance_ore",
            "on_cost_ore",
            "wage_cost_ore",
            "margin_ore",
            "margin_basis_points",
        )
    )


async def test_a_placements_revenue_wage_cost_and_margin_in_exact_ore_json_and_csv(invoicing: Any, build: Any) -> None:
    anna = _placement(build, ANNA, "Anna Jensen", bill=30_000, wage=14_000)
    await _known(invoicing, build, anna)
    await _employee(invoicing, anna, 1001)
    await invoicing.publish_approvals(
        build.approval(anna, date(2026, 11, 10), 600),
        build.approval(anna, date(2026, 10, 31), 60),  # October: not in November's figures
        build.approval(anna, date(2026, 12, 1), 60),  # December: neither
    )
    await invoicing.wait_for_count("select count(*) from co_financing_lines", expected=3, what="accrued")
    # A name carrying a CPR number, as typed by mistake (placement refuses one; put here behind its back): the
    # economics name the employee by number only, so it must not come out.
    typo = "Anna " + "170387" + "-4821 Jensen"
    assert contains_cpr(typo), "the detector finds it"
    for table in ("placements", "billable_lines", "co_financing_lines"):
        await invoicing.pool.execute(
            f"update {table} set citizen_name = $1 where citizen_id = $2", typo, anna.citizen_id
        )
    settings = invoicing.app.state.settings
    invoicing.app.state.settings = settings.model_copy(
        update={"employer_on_cost_versions": (BasisPointsFrom(effective_from=date(2026, 1, 1), basis_points=1_000),)}
    )

    r = await invoicing.client.get("/economics", params={"month": "2026-11"}, headers=FINANCE)
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "private, no-store", "margins are never kept by a cache"
    body = r.json()
    assert (body["month"], body["holiday_allowance_basis_points"], body["employer_on_cost_basis_points"]) == (
        "2026-11",
        1_250,
        1_000,
    )
    [row] = body["placements"]
    assert (row["placement_id"], row["company_name"], row["municipality_name"], row["employee_number"]) == (
        str(ANNA),
        "Bager Hansen ApS",
        "Aalborg",
        1001,
    )
    # 600 min: billed at 30 000 = 300 000, co-financed at 5 000 = 50 000, wage 14 000 = 140 000; holiday 12.5 %
    # = 17 500; on-cost 10 % of 157 500 = 15 750; wage cost 173 250; margin 176 750 = 50.50 % of 350 000.
    expected = (600, 0, 300_000, 50_000, 140_000, 17_500, 15_750, 173_250, 176_750, 5_050)
    assert _money(row) == expected
    assert _money(body["totals"] | {"wage_rate_missing_minutes": 0}) == expected
    assert [(g["id"], g["name"], g["placements"], g["margin_ore"]) for g in body["companies"]] == [
        (str(BAGER), "Bager Hansen ApS", 1, 176_750)
    ]
    assert [(g["id"], g["name"], g["margin_basis_points"]) for g in body["municipalities"]] == [
        (str(AALBORG), "Aalborg", 5_050)
    ]

    csv = await invoicing.client.get("/economics.csv", params={"month": "2026-11"}, headers=FINANCE)
    assert csv.status_code == 200, csv.text
    assert csv.headers["cache-control"] == "private, no-store"
    assert csv.headers["content-type"].startswith("text/csv")
    assert 'filename="daekningsbidrag-2026-11.csv"' in csv.headers["content-disposition"]
    text = csv.content.decode("utf-8")
    assert text.startswith(BOM)
    assert text[len(BOM) :].split("\r\n") == [
        "Måned;Placering;Virksomhed;Kommune;Medarbejdernummer;Minutter;Omsætning virksomhed;Medfinansiering;"
        "Bruttoløn;Feriegodtgørelse;Arbejdsgiveromkostninger;Lønomkostning;Dækningsbidrag;Dækningsgrad %",
        f"2026-11;{ANNA};Bager Hansen ApS;Aalborg;1001;600;3000,00;500,00;1400,00;175,00;157,50;1732,50;1767,50;50,50",
        "2026-11;I alt;;;;600;3000,00;500,00;1400,00;175,00;157,50;1732,50;1767,50;50,50",
        "",
    ]
    assert not contains_cpr(r.text)
    assert not contains_cpr(text)


async def test_a_wage_change_mid_month_an_entry_without_wage_and_a_bill_adjustment(invoicing: Any, build: Any) -> None:
    bo = _placement(build, BO, "Bo Nielsen", bill=20_000, wage=13_000)
    carl = _placement(build, CARL, "Carl Holm", bill=20_000, wage=None, eligible=False)
    await _known(invoicing, build, bo, carl)
    await invoicing.publish_placement_events(
        _rates(bo, (date(2026, 1, 1), 20_000, 13_000), (date(2026, 11, 16), 20_000, 14_500))
    )
    await invoicing.wait_for_count("select count(*) from placement_bill_rates", expected=2, what="bo's versions")
    await _employee(invoicing, bo, 1002)
    await invoicing.publish_approvals(
        build.approval(bo, date(2026, 11, 10), 90),  # wage 13 000: 19 500; billed 30 000; co-financed 7 500
        build.approval(bo, date(2026, 11, 20), 7),  # wage 14 500: 1 691.67 → 1 692; billed 2 333; co-fin. 583
        build.approval(carl, date(2026, 11, 12), 45),  # no wage: not costed; billed 15 000
    )
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=3, what="accrued")
    # Carl's bill rate raised retroactively: +45 min × 2 000 = 1 500 as a bill adjustment of a November work date.
    await invoicing.publish_placement_events(_rates(carl, (date(2026, 1, 1), 22_000, None)))
    await invoicing.wait_for_count("select count(*) from bill_adjustments", expected=1, what="carl's adjustment")

    r = await invoicing.client.get("/economics", params={"month": "2026-11"}, headers=bearer(Role.ADMIN))
    assert r.status_code == 200, r.text
    body = r.json()
    rows = {row["placement_id"]: row for row in body["placements"]}
    # Bo: gross 21 192, holiday 2 649, on-cost 0 (the default setting); revenue 32 333 + 8 083 = 40 416;
    # margin 16 575 = 41.01 % (4 101.1 bp).
    assert _money(rows[str(BO)]) == (97, 0, 32_333, 8_083, 21_192, 2_649, 0, 23_841, 16_575, 4_101)
    assert rows[str(BO)]["employee_number"] == 1002
    # Carl: 45 minutes without a wage rate in force, reported and not costed; revenue 15 000 + 1 500.
    assert _money(rows[str(CARL)]) == (45, 45, 16_500, 0, 0, 0, 0, 0, 16_500, 10_000)
    assert rows[str(CARL)]["employee_number"] is None
    # Totals: plain sums; margin 33 075 of revenue 56 916 = 5 811.2 bp.
    assert _money(body["totals"]) == (142, 45, 48_833, 8_083, 21_192, 2_649, 0, 23_841, 33_075, 5_811)
    [company] = body["companies"]
    assert (company["placements"], company["margin_ore"], company["margin_basis_points"]) == (2, 33_075, 5_811)

    csv = await invoicing.client.get("/economics.csv", params={"month": "2026-11"}, headers=FINANCE)
    lines = csv.content.decode("utf-8-sig").split("\r\n")
    assert f"2026-11;{CARL};Bager Hansen ApS;Aalborg;;45;165,00;0,00;0,00;0,00;0,00;0,00;165,00;100,00" in lines
    assert lines[-2] == "2026-11;I alt;;;;142;488,33;80,83;211,92;26,49;0,00;238,41;330,75;58,11"

    empty = await invoicing.client.get("/economics", params={"month": "2027-03"}, headers=FINANCE)
    assert empty.status_code == 200, empty.text
    assert (empty.json()["placements"], empty.json()["totals"]["margin_basis_points"]) == ([], None)
    empty_csv = await invoicing.client.get("/economics.csv", params={"month": "2027-03"}, headers=FINANCE)
    assert empty_csv.content.decode("utf-8-sig").split("\r\n")[1] == (
        "2027-03;I alt;;;;0;0,00;0,00;0,00;0,00;0,00;0,00;0,00;"
    )


async def test_only_finance_and_admins_see_the_economics_and_a_bad_month_is_a_422(invoicing: Any) -> None:
    others = [
        bearer(Role.CONSULTANT),
        bearer(Role.COMPANY_APPROVER, company_id=BAGER),
        bearer(Role.MUNICIPALITY, municipality_id=AALBORG),
    ]
    for path in ("/economics", "/economics.csv"):
        for headers in others:
            r = await invoicing.client.get(path, params={"month": "2026-11"}, headers=headers)
            assert r.status_code == 403, (path, r.text)
        assert (await invoicing.client.get(path, params={"month": "2026-11"})).status_code == 401
        for month, rule in (
            ("2026-13", "month-format"),
            ("november", "month-format"),
            ("1999-12", "month-out-of-range"),
        ):
            r = await invoicing.client.get(path, params={"month": month}, headers=FINANCE)
            assert r.status_code == 422, (path, month, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
            assert [(e["field"], e["rule"]) for e in r.json()["errors"]] == [("month", rule)], r.text
        missing = await invoicing.client.get(path, headers=FINANCE)
        assert missing.status_code == 422, missing.text
        assert "month" in missing.text
