"""Pay periods (issue 13, part C) with exact øre: a wage change mid-period, holiday allowance rounding, ATP bands at
their boundaries, an approval after the close and a correction lowering closed hours landing as adjustments of the
closed period (with the ATP change reported), blocked and unapproved hours, exports, the event; and bad input
answered 4xx with nothing written, immutability, idempotent replay, concurrent closes, no CPR anywhere.

Placements and approvals arrive through the real consumers (Kafka); employee numbers are inserted by SQL (part B's
``placement.employee_registered`` handler writes the same row)."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from invoicing.periods import BillingPeriod
from vikar_shared.auth import Role
from vikar_shared.clock import FixedClock
from vikar_shared.events.placement import PlacementCreated, PlacementRatesChanged, RateVersion
from vikar_shared.events.timesheet import EntryApproved
from vikar_shared.testing.plugin import bearer
from vikar_shared.types.identifiers import contains_cpr

AALBORG = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
BAGER = uuid.UUID("00000000-0000-4000-8000-0000000000c1")
FINANCE = bearer(Role.FINANCE)
NOV = date(2026, 11, 1)
DEC = date(2026, 12, 1)
IN_DECEMBER = date(2026, 12, 3)
IN_JANUARY = date(2027, 1, 4)
PAY_TABLES = ("pay_periods", "pay_employees", "pay_lines", "pay_entries", "outbox")
CSV_HEAD = (
    "Medarbejdernummer;Lønperiode;Periode start;Periode slut;Linjetype;Regulerer periode;Timer;Timesats;Bruttoløn;"
    "Feriepengegrundlag"
)


class Seed:
    def __init__(self, invoicing: Any, build: Any) -> None:
        self.invoicing, self.build = invoicing, build
        self.placements = 0
        self.approvals = 0

    async def employee(
        self,
        number: int | None,
        *,
        wage: int | None = 13_000,
        versions: tuple[tuple[date, int | None], ...] = (),
        name: str = "Anna Jensen",
    ) -> PlacementCreated:
        """A placement (bill rate 20 000) of a new citizen with ``wage`` from its start and the wage ``versions``;
        the citizen gets employee ``number`` (None: none yet)."""
        created = self.build.placement(
            company_id=BAGER, municipality_id=AALBORG, citizen_name=name, bill_rate=20_000, eligible=False
        ).model_copy(update={"wage_rate_ore_per_hour": wage})
        events: list[Any] = [created]
        if versions:
            events.append(self.rates(created, *versions))
        await self.invoicing.publish_placement_events(*events)
        self.placements += 1
        await self.invoicing.wait_for_count(
            "select count(*) from placements", expected=self.placements, what="placements"
        )
        if versions:
            await self.invoicing.wait_for_count(
                "select count(*) from placement_bill_rates where placement_id = $1",
                created.placement_id,
                expected=len(versions),
                what="rate versions",
            )
        if number is not None:
            await self.number(created, number)
        return created

    @staticmethod
    def rates(of: PlacementCreated, *versions: tuple[date, int | None]) -> PlacementRatesChanged:
        return PlacementRatesChanged(
            placement_id=of.placement_id,
            company_id=of.company_id,
            rates=[
                RateVersion(effective_from=day, bill_rate_ore_per_hour=20_000, wage_rate_ore_per_hour=wage)
                for day, wage in versions
            ],
        )

    async def number(self, of: PlacementCreated, number: int) -> None:
        await self.invoicing.pool.execute(
            "insert into employees (citizen_id, employee_number, employed_from) values ($1, $2, '2026-01-01')",
            of.citizen_id,
            number,
        )

    async def approve(self, *approvals: EntryApproved) -> list[EntryApproved]:
        await self.invoicing.publish_approvals(*approvals)
        self.approvals += len(approvals)
        await self.invoicing.wait_for_count(
            "select count(*) from approved_entries", expected=self.approvals, what="approved entries"
        )
        return list(approvals)

    def days(self, of: PlacementCreated, days: list[date], minutes: int) -> list[EntryApproved]:
        return [self.build.approval(of, day, minutes) for day in days]


@pytest.fixture
def seed(invoicing: Any, build: Any) -> Seed:
    return Seed(invoicing, build)


async def _close(invoicing: Any, start: date, today: date, headers: dict[str, str] = FINANCE) -> Any:
    invoicing.app.state.clock = FixedClock.on(today)
    return await invoicing.client.post(f"/pay-periods/{start}/close", headers=headers)


async def _closed(invoicing: Any, start: date, today: date) -> dict[str, Any]:
    r = await _close(invoicing, start, today)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def _employee(period: dict[str, Any], number: int) -> dict[str, Any]:
    [found] = [e for e in period["employees"] if e["employee_number"] == number]
    return found


def _weekdays(first: date, last: date) -> list[date]:
    return [
        first + timedelta(days=n) for n in range((last - first).days + 1) if (first + timedelta(n)).isoweekday() <= 5
    ]


async def _counts(invoicing: Any) -> dict[str, int]:
    return {t: await invoicing.count(f"select count(*) from {t}") for t in PAY_TABLES}


# --- figures -------------------------------------------------------------------------------------------------


async def test_a_wage_change_mid_month_pays_each_entry_at_the_rate_in_force_with_exact_totals(
    invoicing: Any, seed: Seed
) -> None:
    anna = await seed.employee(1001, versions=((date(2026, 1, 1), 13_000), (date(2026, 11, 16), 14_250)))
    await seed.approve(*seed.days(anna, _weekdays(NOV, date(2026, 11, 30)), 450))  # 10 days + 11 days

    preview = (await invoicing.client.get(f"/pay-periods/{NOV}", headers=FINANCE)).json()
    assert (preview["status"], preview["totals"]["gross_ore"]) == ("open", 2_150_625)
    assert await invoicing.count("select count(*) from pay_periods") == 0, "a preview writes nothing"

    period = await _closed(invoicing, NOV, IN_DECEMBER)
    assert period["status"] == "closed"
    assert [(li["kind"], li["rate_ore_per_hour"], li["minutes"], li["gross_ore"]) for li in period["lines"]] == [
        ("hours", 13_000, 4_500, 975_000),
        ("hours", 14_250, 4_950, 1_175_625),
    ]
    anna_row = _employee(period, 1001)
    assert (anna_row["gross_ore"], anna_row["holiday_allowance_basis_ore"], anna_row["holiday_allowance_ore"]) == (
        2_150_625,
        2_150_625,
        268_828,
    )
    assert (anna_row["atp_minutes"], anna_row["atp_band"]) == (9_450, "1")
    assert (anna_row["atp_employee_ore"], anna_row["atp_employer_ore"]) == (9_465, 18_935)
    totals = period["totals"]
    assert (totals["gross_ore"], totals["holiday_allowance_ore"], totals["total_minutes"]) == (
        2_150_625,
        268_828,
        9_450,
    )
    assert (totals["holiday_allowance_basis_points"], totals["atp_employee_ore"], totals["atp_employer_ore"]) == (
        1_250,
        9_465,
        18_935,
    )

    csv = await invoicing.client.get(f"/pay-periods/{NOV}/wage-basis.csv", headers=FINANCE)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.content.startswith("\ufeff".encode())
    assert csv.content.decode("utf-8-sig").split("\r\n") == [
        CSV_HEAD,
        "1001;2026-11;01-11-2026;30-11-2026;Timer;;75,00;130,00;9750,00;9750,00",
        "1001;2026-11;01-11-2026;30-11-2026;Timer;;82,50;142,50;11756,25;11756,25",
        "",
    ]
    again = await invoicing.client.get(f"/pay-periods/{NOV}/wage-basis.csv", headers=FINANCE)
    assert (again.content, again.headers["etag"]) == (csv.content, csv.headers["etag"]), "re-downloadable, the same"
    exported = await invoicing.client.get(f"/pay-periods/{NOV}/wage-basis.json", headers=FINANCE)
    document = exported.json()
    assert (document["period_label"], document["totals"]["gross_ore"], len(document["lines"][1]["entries"])) == (
        "2026-11",
        2_150_625,
        11,
    )
    assert "Anna" not in exported.text and "Anna" not in csv.content.decode("utf-8-sig")

    event = await invoicing.pool.fetchval(
        "select envelope from outbox where envelope->>'type' = 'invoicing.pay_period_closed'"
    )
    data = event["data"] if isinstance(event, dict) else json.loads(event)["data"]
    assert (data["gross_ore"], data["holiday_allowance_ore"], data["atp_employee_ore"], data["employees"]) == (
        2_150_625,
        268_828,
        9_465,
        1,
    )
    assert data["pay_period_id"] == period["pay_period_id"]

    detail = (await invoicing.client.get(f"/pay-periods/{NOV}/employees/1001", headers=FINANCE)).json()
    assert (detail["citizen_name"], detail["employee"]["gross_ore"], len(detail["lines"])) == (
        "Anna Jensen",
        2_150_625,
        2,
    )
    listed = (await invoicing.client.get("/pay-periods", headers=FINANCE)).json()
    assert [p["period_start"] for p in listed["items"]] == ["2026-11-01"]
    assert listed["next_open"]["period_start"] == "2026-12-01"


async def test_holiday_allowance_is_rounded_half_up_per_employee_and_a_lone_correction_mirrors_it(
    invoicing: Any, seed: Seed, build: Any
) -> None:
    a = await seed.employee(2001, wage=1_004, name="Alf Hansen")
    b = await seed.employee(2002, wage=1_003, name="Bent Hansen")
    c = await seed.employee(2003, wage=12_345, name="Carl Hansen")
    [a_entry, *_] = await seed.approve(
        build.approval(a, date(2026, 11, 10), 60),
        build.approval(b, date(2026, 11, 10), 60),
        build.approval(c, date(2026, 11, 10), 7),
    )
    november = await _closed(invoicing, NOV, IN_DECEMBER)
    figures = [(e["gross_ore"], e["holiday_allowance_ore"]) for e in november["employees"]]
    assert figures == [(1_004, 126), (1_003, 125), (1_440, 180)]  # 125.5 -> 126; 125.375 -> 125; 180 exact
    assert november["totals"]["holiday_allowance_ore"] == 431

    await seed.approve(build.approval(a, date(2026, 11, 10), -60, corrects=a_entry))
    december = await _closed(invoicing, DEC, IN_JANUARY)
    alf = _employee(december, 2001)
    assert (alf["gross_ore"], alf["holiday_allowance_ore"], alf["atp_minutes"], alf["atp_changes"]) == (
        -1_004,
        -126,
        0,
        [],
    )
    [line] = december["lines"]
    assert (line["kind"], line["adjusts_period_start"], line["minutes"], line["gross_ore"]) == (
        "adjustment",
        "2026-11-01",
        -60,
        -1_004,
    )
    assert line["entries"][0]["adjusts_entry_id"] == str(a_entry.entry_id)
    csv = (await invoicing.client.get(f"/pay-periods/{DEC}/wage-basis.csv", headers=FINANCE)).content
    assert "2001;2026-12;01-12-2026;31-12-2026;Regulering;01-11-2026;-1,00;10,04;-10,04;-10,04" in csv.decode()


@pytest.mark.parametrize(
    ("kind", "minutes", "band", "employee_ore", "employer_ore"),
    [
        ("monthly", (2_339, 2_340, 4_679, 4_680, 7_019, 7_020), ("0", "1/3", "1/3", "2/3", "2/3", "1"),
         (0, 3_155, 3_155, 6_310, 6_310, 9_465), (0, 6_310, 6_310, 12_625, 12_625, 18_935)),
        ("weekly", (539, 540, 1_620), ("0", "1/3", "1"), (0, 830, 2_490), (0, 1_660, 4_980)),
    ],
)  # fmt: skip
async def test_atp_bands_at_their_boundaries(
    invoicing: Any,
    seed: Seed,
    build: Any,
    kind: str,
    minutes: tuple[int, ...],
    band: tuple[str, ...],
    employee_ore: tuple[int, ...],
    employer_ore: tuple[int, ...],
) -> None:
    invoicing.app.state.settings = invoicing.app.state.settings.model_copy(update={"pay_period": BillingPeriod(kind)})
    start = NOV if kind == "monthly" else date(2026, 11, 9)  # a Monday
    for n, worked in enumerate(minutes):
        placement = await seed.employee(3001 + n, name=f"Medarbejder {n}")
        # split in days of at most 780 minutes inside the period
        days, left, day = [], worked, start
        while left:
            days.append(build.approval(placement, day, min(left, 780)))
            left -= min(left, 780)
            day += timedelta(days=1)
        await seed.approve(*days)
    period = await _closed(invoicing, start, IN_DECEMBER)
    assert period["period_kind"] == kind
    got = [(e["atp_minutes"], e["atp_band"], e["atp_employee_ore"], e["atp_employer_ore"]) for e in period["employees"]]
    assert got == list(zip(minutes, band, employee_ore, employer_ore, strict=True))


async def test_an_approval_after_the_close_is_an_adjustment_of_its_period_and_reports_the_atp_change(
    invoicing: Any, seed: Seed, build: Any
) -> None:
    anna = await seed.employee(1001)
    await seed.approve(*seed.days(anna, _weekdays(date(2026, 11, 2), date(2026, 11, 11)), 870))  # 8 days
    november = await _closed(invoicing, NOV, IN_DECEMBER)
    assert (_employee(november, 1001)["atp_minutes"], _employee(november, 1001)["atp_band"]) == (6_960, "2/3")

    await seed.approve(build.approval(anna, date(2026, 11, 20), 120))
    later = (await invoicing.client.get("/pay-periods/2027-01-01", headers=FINANCE)).json()
    assert (later["lines"], later["totals"]["adjustment_gross_ore"], later["totals"]["atp_band_changes"]) == (
        [],
        0,
        0,
    ), "a late approval lands in the next open period only, not in the preview of a later one"
    december = await _closed(invoicing, DEC, IN_JANUARY)
    [line] = december["lines"]
    assert (line["kind"], line["adjusts_period_start"], line["minutes"], line["gross_ore"]) == (
        "adjustment",
        "2026-11-01",
        120,
        26_000,
    )
    row = _employee(december, 1001)
    assert (row["gross_ore"], row["holiday_allowance_ore"], row["atp_minutes"], row["atp_band"]) == (
        26_000,
        3_250,
        0,
        "0",
    )
    assert row["atp_changes"] == [
        {
            "period_start": "2026-11-01",
            "period_label": "2026-11",
            "minutes_before": 6_960,
            "minutes_after": 7_080,
            "band_before": "2/3",
            "band_after": "1",
            "employee_diff_ore": 3_155,
            "employer_diff_ore": 6_310,
        }
    ]
    assert (december["totals"]["adjustment_gross_ore"], december["totals"]["atp_band_changes"]) == (26_000, 1)
    stored_november = (await invoicing.client.get(f"/pay-periods/{NOV}", headers=FINANCE)).json()
    assert stored_november["totals"]["gross_ore"] == november["totals"]["gross_ore"], "the closed period is unchanged"


async def test_a_correction_lowering_closed_hours_is_a_negative_adjustment_and_lowers_the_atp_band(
    invoicing: Any, seed: Seed, build: Any
) -> None:
    anna = await seed.employee(1001)
    entries = await seed.approve(*seed.days(anna, _weekdays(date(2026, 11, 2), date(2026, 11, 12)), 780))  # 9 days
    november = await _closed(invoicing, NOV, IN_DECEMBER)
    assert (_employee(november, 1001)["atp_minutes"], _employee(november, 1001)["atp_band"]) == (7_020, "1")

    await seed.approve(build.approval(anna, entries[0].work_date, -90, corrects=entries[0]))
    december = await _closed(invoicing, DEC, IN_JANUARY)
    [line] = december["lines"]
    assert (line["kind"], line["adjusts_period_start"], line["minutes"], line["gross_ore"]) == (
        "adjustment",
        "2026-11-01",
        -90,
        -19_500,
    )
    row = _employee(december, 1001)
    assert (row["gross_ore"], row["holiday_allowance_ore"]) == (-19_500, -2_438)  # -2 437.5 -> -2 438
    [change] = row["atp_changes"]
    assert (change["minutes_before"], change["minutes_after"], change["band_before"], change["band_after"]) == (
        7_020,
        6_930,
        "1",
        "2/3",
    )
    assert (change["employee_diff_ore"], change["employer_diff_ore"]) == (-3_155, -6_310)


async def test_missing_wage_rate_or_employee_number_blocks_the_employee_until_a_later_close_pays_it(
    invoicing: Any, seed: Seed, build: Any
) -> None:
    bo = await seed.employee(4001, wage=None, name="Bo Nielsen")
    cy = await seed.employee(None, name="Cy Nielsen")
    await seed.approve(
        build.approval(bo, date(2026, 11, 3), 2_340 // 3),
        build.approval(bo, date(2026, 11, 4), 2_340 // 3),
        build.approval(bo, date(2026, 11, 5), 2_340 // 3),
        build.approval(cy, date(2026, 11, 6), 60),
    )
    november = await _closed(invoicing, NOV, IN_DECEMBER)
    assert november["lines"] == []
    bo_row = _employee(november, 4001)
    assert bo_row["blocked"] == {
        "reason": "wage-rate-missing",
        "placement_ids": [str(bo.placement_id)],
        "work_dates": ["2026-11-03", "2026-11-04", "2026-11-05"],
    }
    assert (bo_row["gross_ore"], bo_row["atp_band"]) == (0, "0")
    assert november["unnumbered"] == [
        {"reason": "employee-number-unknown", "placement_ids": [str(cy.placement_id)], "work_dates": ["2026-11-06"]}
    ]
    assert (november["totals"]["blocked_employees"], november["totals"]["gross_ore"]) == (2, 0)
    assert await invoicing.count("select count(*) from pay_entries") == 0

    await invoicing.publish_placement_events(Seed.rates(bo, (date(2026, 1, 1), 12_000)))
    await invoicing.wait_for_count(
        "select count(*) from placement_bill_rates where wage_rate_ore_per_hour = 12000", expected=1, what="wage"
    )
    await seed.number(cy, 4002)
    december = await _closed(invoicing, DEC, IN_JANUARY)
    assert [(li["employee_number"], li["kind"], li["adjusts_period_start"], li["minutes"], li["gross_ore"])
            for li in december["lines"]] == [
        (4001, "adjustment", "2026-11-01", 2_340, 468_000),
        (4002, "adjustment", "2026-11-01", 60, 13_000),
    ]  # fmt: skip
    [change] = _employee(december, 4001)["atp_changes"]
    assert (change["band_before"], change["band_after"], change["employee_diff_ore"]) == ("0", "1/3", 3_155)
    assert december["totals"]["blocked_employees"] == 0


async def test_submitted_and_rejected_hours_are_listed_per_employee_not_paid_and_not_in_atp(
    invoicing: Any, seed: Seed, build: Any
) -> None:
    anna = await seed.employee(1001)
    [paid] = await seed.approve(build.approval(anna, date(2026, 11, 2), 60))
    rows = [
        (uuid.uuid4(), date(2026, 11, 3), 7_020, "submitted"),
        (uuid.uuid4(), date(2026, 11, 4), 45, "rejected"),
        (paid.entry_id, date(2026, 11, 2), 60, "submitted"),  # approved since: not listed
        (uuid.uuid4(), date(2026, 12, 1), 30, "submitted"),  # another period
    ]
    for entry_id, day, minutes, status in rows:
        await invoicing.pool.execute(
            """insert into unapproved_entries (entry_id, placement_id, company_id, work_date, minutes, status,
                                               status_at) values ($1, $2, $3, $4, $5, $6, now())""",
            entry_id,
            anna.placement_id,
            BAGER,
            day,
            minutes,
            status,
        )
    november = await _closed(invoicing, NOV, IN_DECEMBER)
    row = _employee(november, 1001)
    assert [(u["entry_id"], u["minutes"], u["status"]) for u in row["unapproved"]] == [
        (str(rows[0][0]), 7_020, "submitted"),
        (str(rows[1][0]), 45, "rejected"),
    ]
    assert (row["minutes"], row["gross_ore"], row["atp_minutes"], row["atp_band"]) == (60, 13_000, 60, "0")
    assert (november["totals"]["submitted_minutes"], november["totals"]["rejected_minutes"]) == (7_020, 45)

    # Submitted after November closed, for a November day: still owed, so the next close lists it, beside
    # December's own. November's hours never approved were listed on November's close: not again (once each).
    late = uuid.uuid4()
    await invoicing.pool.execute(
        """insert into unapproved_entries (entry_id, placement_id, company_id, work_date, minutes, status, status_at)
           values ($1, $2, $3, '2026-11-05', 90, 'submitted',
                   (select closed_at + interval '1 hour' from pay_periods where period_start = '2026-11-01'))""",
        late,
        anna.placement_id,
        BAGER,
    )
    december = await _closed(invoicing, DEC, IN_JANUARY)
    assert [(u["entry_id"], u["minutes"], u["status"]) for u in _employee(december, 1001)["unapproved"]] == [
        (str(late), 90, "submitted"),
        (str(rows[3][0]), 30, "submitted"),
    ]
    assert (december["totals"]["submitted_minutes"], december["totals"]["rejected_minutes"]) == (120, 0)


# --- guards --------------------------------------------------------------------------------------------------


async def test_bad_input_is_a_clear_4xx_and_writes_nothing(invoicing: Any, seed: Seed, build: Any) -> None:
    anna = await seed.employee(1001)
    await seed.approve(build.approval(anna, date(2026, 11, 2), 60))
    await _closed(invoicing, date(2026, 10, 1), IN_DECEMBER)  # an empty October: the first close
    before = await _counts(invoicing)

    cases: list[tuple[str, str, date, int, str]] = [
        ("post", f"/pay-periods/{NOV}/close", date(2026, 11, 30), 422, "pay-period-not-ended"),
        ("post", f"/pay-periods/{DEC}/close", date(2026, 11, 20), 422, "pay-period-not-ended"),
        ("post", "/pay-periods/2026-11-02/close", IN_DECEMBER, 422, "pay-period-start-invalid"),
        ("post", "/pay-periods/2026-13-01/close", IN_DECEMBER, 422, "date-format"),
        ("post", f"/pay-periods/{DEC}/close", IN_JANUARY, 409, "pay-period-earlier-open"),
        ("post", "/pay-periods/2026-10-01/close", IN_DECEMBER, 409, "pay-period-closed"),
        # Before the first closed period (outside the pay side): the same answer as reading it.
        ("post", "/pay-periods/2026-09-01/close", IN_DECEMBER, 404, "pay-period-not-found"),
        ("get", "/pay-periods/2026-09-01", IN_DECEMBER, 404, "pay-period-not-found"),
        ("get", f"/pay-periods/{NOV}/wage-basis.csv", IN_DECEMBER, 409, "pay-period-open"),
        ("get", f"/pay-periods/{NOV}/wage-basis.json", IN_DECEMBER, 409, "pay-period-open"),
        ("get", "/pay-periods/2026-09-01/wage-basis.csv", IN_DECEMBER, 404, "pay-period-not-found"),
        ("get", f"/pay-periods/{NOV}/employees/9999", IN_DECEMBER, 404, "employee-not-found"),
        ("get", f"/pay-periods/{NOV}/employees/1001.0", IN_DECEMBER, 422, "employee-number-format"),
        ("get", "/pay-periods/2026-11-02", IN_DECEMBER, 422, "pay-period-start-invalid"),
    ]
    for method, path, today, status, code in cases:
        invoicing.app.state.clock = FixedClock.on(today)
        r = await invoicing.client.request(method, path, headers=FINANCE)
        assert r.status_code == status, (path, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        body = r.json()
        assert code == body["code"] or code in [e["rule"] for e in body.get("errors", [])], (path, r.text)
    for role in (Role.CONSULTANT,):
        r = await _close(invoicing, NOV, IN_DECEMBER, headers=bearer(role))
        assert r.status_code == 403, r.text
        assert (await invoicing.client.get("/pay-periods", headers=bearer(role))).status_code == 403
    later = await invoicing.client.get("/pay-periods/2027-01-01", headers=FINANCE)  # November, December still open
    assert later.headers["cache-control"] == "private, no-store", "a wage basis is never kept by a cache"
    assert (later.status_code, later.json()["status"], later.json()["lines"]) == (200, "open", [])
    assert await _counts(invoicing) == before


async def test_a_closed_periods_rows_cannot_be_changed_or_deleted(invoicing: Any, seed: Seed, build: Any) -> None:
    import asyncpg

    anna = await seed.employee(1001)
    await seed.approve(build.approval(anna, date(2026, 11, 2), 60))
    await _closed(invoicing, NOV, IN_DECEMBER)
    for sql in (
        "update pay_periods set gross_ore = 0",
        "delete from pay_periods",
        "update pay_employees set gross_ore = 0",
        "delete from pay_employees",
        "update pay_lines set gross_ore = 0",
        "update pay_entries set gross_ore = 0",
        "delete from pay_entries",
    ):
        with pytest.raises(asyncpg.IntegrityConstraintViolationError, match="facts"):
            await invoicing.pool.execute(sql)
    assert await invoicing.count("select sum(gross_ore) from pay_lines") == 13_000


async def test_an_idempotency_key_replays_the_close_and_concurrent_closes_close_once(
    invoicing: Any, seed: Seed, build: Any
) -> None:
    anna = await seed.employee(1001)
    await seed.approve(build.approval(anna, date(2026, 11, 2), 60))
    invoicing.app.state.clock = FixedClock.on(IN_DECEMBER)
    keyed = {**FINANCE, "Idempotency-Key": "pay-close-november"}
    first = await invoicing.client.post(f"/pay-periods/{NOV}/close", headers=keyed)
    again = await invoicing.client.post(f"/pay-periods/{NOV}/close", headers=keyed)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json() == first.json()
    assert await invoicing.count("select count(*) from pay_periods") == 1

    await seed.approve(build.approval(anna, date(2026, 12, 2), 60))
    invoicing.app.state.clock = FixedClock.on(IN_JANUARY)
    answers = await asyncio.gather(
        *(invoicing.client.post(f"/pay-periods/{DEC}/close", headers=FINANCE) for _ in range(2))
    )
    assert sorted(r.status_code for r in answers) == [201, 409]
    [refused] = [r for r in answers if r.status_code == 409]
    assert "pay-period-closed" in refused.text
    assert await invoicing.count("select count(*) from pay_periods where period_start = $1", DEC) == 1
    assert (
        await invoicing.count("select count(*) from outbox where envelope->>'type' = 'invoicing.pay_period_closed'")
        == 2
    )


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _cpr_free(text: str) -> bool:
    """No CPR number in ``text``. Generated UUIDs are taken out first: their hex groups can by chance read as a
    date and serial (``DDMMYY-SSSS``), and they are ids we made, never a person's number."""
    return not contains_cpr(_UUID.sub("<id>", text))


async def test_no_cpr_number_in_exports_event_or_logs(
    invoicing: Any, seed: Seed, build: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    anna = await seed.employee(1001, name="Anna 170387-4821 Jensen")  # a name carrying a CPR, as typed by mistake
    await seed.approve(*seed.days(anna, _weekdays(NOV, date(2026, 11, 6)), 450))
    assert not _cpr_free("Anna 170387-4821 Jensen"), "the detector finds it"
    await _closed(invoicing, NOV, IN_DECEMBER)
    texts = [
        (await invoicing.client.get(f"/pay-periods/{NOV}/wage-basis.csv", headers=FINANCE)).content.decode(),
        (await invoicing.client.get(f"/pay-periods/{NOV}/wage-basis.json", headers=FINANCE)).text,
        (await invoicing.client.get(f"/pay-periods/{NOV}", headers=FINANCE)).text,
        *[str(e) for e in await invoicing.pool.fetch("select envelope::text from outbox")],
        caplog.text,
    ]
    for text in texts:
        assert _cpr_free(text), text[:300]


async def test_the_cli_closes_a_pay_period_and_prints_its_totals(invoicing: Any, seed: Seed, build: Any) -> None:
    from datetime import UTC, datetime

    from rich.console import Console

    from invoicing.cli import main, pay_summary, run_pay_close
    from vikar_shared.errors import DomainError

    anna = await seed.employee(1001)
    await seed.approve(build.approval(anna, date(2026, 11, 2), 90))  # 13 000: 19 500
    settings = invoicing.app.state.settings.model_copy(update={"clock_start": datetime(2026, 12, 3, 12, tzinfo=UTC)})
    view = await run_pay_close(settings, NOV)
    assert (view.status, view.plan.gross_ore, view.plan.holiday_allowance_ore) == ("closed", 19_500, 2_438)
    console = Console(record=True, width=120)
    console.print(pay_summary(view))
    text = console.export_text()
    assert "2026-11" in text and "195,00" in text and "24,38" in text and "1:30" in text
    with pytest.raises(DomainError) as refused:
        await run_pay_close(settings, NOV)
    assert refused.value.code == "pay-period-closed"
    assert main(["pay-close", "--period-start", "01-11-2026"]) == 2


async def test_a_retroactive_wage_change_after_the_close_is_repriced_once_on_a_minutes_zero_adjustment_line(
    invoicing: Any, seed: Seed, build: Any
) -> None:
    anna = await seed.employee(1001, versions=((date(2026, 1, 1), 13_000),))
    paid = await seed.approve(*seed.days(anna, [date(2026, 11, 2), date(2026, 11, 3)], 450))  # 2 x 97 500
    november = await _closed(invoicing, NOV, IN_DECEMBER)
    assert november["totals"]["gross_ore"] == 195_000

    await invoicing.publish_placement_events(Seed.rates(anna, (date(2026, 1, 1), 13_000), (date(2026, 11, 3), 14_000)))
    await invoicing.wait_for_count(
        "select count(*) from placement_bill_rates where wage_rate_ore_per_hour = 14000", expected=1, what="wage"
    )
    await seed.approve(build.approval(anna, date(2026, 12, 1), 60))
    december = await _closed(invoicing, DEC, IN_JANUARY)
    assert [(li["kind"], li["adjusts_period_start"], li["rate_ore_per_hour"], li["minutes"], li["gross_ore"])
            for li in december["lines"]] == [
        ("hours", None, 14_000, 60, 14_000),
        ("adjustment", "2026-11-01", 14_000, 0, 7_500),  # 450 min at 14 000 = 105 000, paid 97 500
    ]  # fmt: skip
    [repriced] = december["lines"][1]["entries"]
    assert (repriced["repricing"], repriced["adjusts_entry_id"]) == (True, str(paid[1].entry_id))
    row = _employee(december, 1001)
    assert (row["gross_ore"], row["holiday_allowance_ore"], row["atp_minutes"], row["atp_changes"]) == (
        21_500,
        2_688,  # 2 687.5 -> 2 688
        60,
        [],
    )
    csv = (await invoicing.client.get(f"/pay-periods/{DEC}/wage-basis.csv", headers=FINANCE)).content.decode()
    assert "1001;2026-12;01-12-2026;31-12-2026;Regulering;01-11-2026;0,00;140,00;75,00;75,00" in csv

    january = await _closed(invoicing, date(2027, 1, 1), date(2027, 2, 2))
    assert january["lines"] == [], "re-priced once: settled entries are not paid again"
    assert await invoicing.count("select count(*) from pay_repricings") == 1
