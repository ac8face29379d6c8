"""The reconciliation per municipality (issue 11): co-financed = stated − corrected + not yet stated, in øre and
minutes, through a date. The co-financing lines come through the real accrual (Kafka: terms with a mid-month rate
change, placements, approvals, a negative correction, a retroactive terms version's adjustment); the statements
are written here with plain SQL (the statement run is another part's): an October statement, a November one with
a late line and an adjustment line, a correction statement (draft, then issued), and a statement whose line is
one øre off its entry, which the reconciliation reports. Exact øre."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import asyncpg

from vikar_shared.auth import Role
from vikar_shared.testing.plugin import bearer

FINANCE = bearer(Role.FINANCE)
AALBORG = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
ODENSE = uuid.UUID("00000000-0000-4000-8000-0000000000a2")
VEJLE = uuid.UUID("00000000-0000-4000-8000-0000000000a3")  # no terms known: its hours stay pending


@dataclass
class Line:
    citizen_id: uuid.UUID
    rate: int
    minutes: int
    amount: int
    first: date
    last: date
    entries: list[uuid.UUID] = field(default_factory=list)
    adjustments: list[uuid.UUID] = field(default_factory=list)
    late: bool = False
    adjustment: bool = False


async def draft(
    pool: asyncpg.Pool,
    *,
    municipality: uuid.UUID,
    terms_id: uuid.UUID,
    period: tuple[date, date],
    lines: list[Line],
    corrects: uuid.UUID | None = None,
) -> uuid.UUID:
    """A draft (correction) statement with its lines and the co-financing lines and adjustments behind them."""
    statement_id = uuid.uuid4()
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            """insert into statements (statement_id, municipality_id, document_type, corrects_statement_id, status,
                                       period_kind, period_start, period_end, terms_id, net_ore, total_minutes,
                                       unique_citizens, unique_citizens_to_date)
               values ($1, $2, $3, $4, 'draft', 'monthly', $5, $6, $7, $8, $9, $10, $10)""",
            statement_id,
            municipality,
            "statement" if corrects is None else "correction_statement",
            corrects,
            *period,
            terms_id,
            sum(ln.amount for ln in lines),
            sum(ln.minutes for ln in lines),
            len({ln.citizen_id for ln in lines}),
        )
        for position, ln in enumerate(lines, start=1):
            await conn.execute(
                """insert into statement_lines (statement_id, position, citizen_id, citizen_reference,
                                                rate_ore_per_hour, minutes, amount_ore, late, adjustment,
                                                first_work_date, last_work_date)
                   values ($1, $2, $3, 'Borger (1979)', $4, $5, $6, $7, $8, $9, $10)""",
                statement_id,
                position,
                ln.citizen_id,
                ln.rate,
                ln.minutes,
                ln.amount,
                ln.late,
                ln.adjustment,
                ln.first,
                ln.last,
            )
            for entry_id in ln.entries:
                await conn.execute(
                    "insert into statement_entries (entry_id, statement_id, position) values ($1, $2, $3)",
                    entry_id,
                    statement_id,
                    position,
                )
            for adjustment_id in ln.adjustments:
                await conn.execute(
                    "insert into statement_adjustments (adjustment_id, statement_id, position) values ($1, $2, $3)",
                    adjustment_id,
                    statement_id,
                    position,
                )
    return statement_id


async def issue(pool: asyncpg.Pool, statement_id: uuid.UUID, number: str, on: date) -> None:
    """What issuing freezes (outside the scope of VAT here: no VAT)."""
    await pool.execute(
        """update statements set status = 'issued', number = $2, issue_date = $3::date, due_date = $3::date + 30,
                  issued_at = now(), issued_by = 'finance@vikar.dk', vat_category = 'O', vat_rate_percent = 0,
                  vat_exemption_reason = 'Uden for momsområdet', rate_excludes_vat = true, vat_ore = 0,
                  total_ore = net_ore, seller = '{"name": "Fokus"}'::jsonb, buyer = '{"name": "Kommunen"}'::jsonb,
                  payment_means = '{"code": "58"}'::jsonb
           where statement_id = $1""",
        statement_id,
        number,
        on,
    )


async def municipalities(invoicing: Any, through: str) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    r = await invoicing.client.get("/reconciliation", params={"through": through}, headers=FINANCE)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body, {m["municipality_id"]: m for m in body["municipalities"]}


def figures(municipality: dict[str, Any]) -> tuple[int, ...]:
    return tuple(
        municipality[f"{what}_{unit}"]
        for unit in ("ore", "minutes")
        for what in ("co_financed", "stated", "corrected", "not_yet_stated", "difference")
    )


async def test_per_municipality_co_financed_is_stated_minus_corrected_plus_not_yet_stated(
    invoicing: Any, build: Any
) -> None:
    company = uuid.uuid4()
    # Aalborg: 10 000 øre/h, 12 000 from 16 October (mid-month); Odense 12 000.
    aalborg_terms = build.terms(AALBORG, date(2026, 1, 1), 10_000)
    anna = build.placement(company_id=company, municipality_id=AALBORG, citizen_name="Anna Jensen", bill_rate=17_999)
    bo = build.placement(company_id=company, municipality_id=AALBORG, citizen_name="Bo Nielsen", bill_rate=17_999)
    cy = build.placement(company_id=company, municipality_id=ODENSE, citizen_name="Cy Hansen", bill_rate=17_999)
    odense_terms = build.terms(ODENSE, date(2026, 1, 1), 12_000, name="Odense")
    await invoicing.publish_placement_events(
        aalborg_terms, build.terms(AALBORG, date(2026, 10, 16), 12_000), odense_terms, anna, bo, cy
    )
    anna_5, anna_20 = build.approval(anna, date(2026, 10, 5), 90), build.approval(anna, date(2026, 10, 20), 45)
    bo_6, cy_12 = build.approval(bo, date(2026, 10, 6), 50), build.approval(cy, date(2026, 10, 12), 30)
    dy = build.placement(company_id=company, municipality_id=VEJLE, citizen_name="Dy Holm", bill_rate=17_999)
    await invoicing.publish_placement_events(dy)
    await invoicing.publish_approvals(anna_5, anna_20, bo_6, cy_12, build.approval(dy, date(2026, 10, 12), 30))
    await invoicing.wait_for_count("select count(*) from co_financing_lines", expected=4, what="accrued")
    await invoicing.wait_for_count("select count(*) from approved_entries", expected=5, what="pending received")
    amounts = dict(await invoicing.pool.fetch("select entry_id, amount_ore from co_financing_lines"))
    # 90 min at 10 000 = 15 000; 45 at 12 000 = 9 000; 50 at 10 000 = 8 333.33 -> 8 333; 30 at 12 000 = 6 000.
    assert [amounts[e.entry_id] for e in (anna_5, anna_20, bo_6, cy_12)] == [15_000, 9_000, 8_333, 6_000]

    # Nothing stated yet: all of it is not yet stated, and balanced.
    body, report = await municipalities(invoicing, "2026-10-31")
    assert figures(report[str(AALBORG)]) == (32_333, 0, 0, 32_333, 0, 185, 0, 0, 185, 0)
    assert (report[str(AALBORG)]["balanced"], report[str(AALBORG)]["municipality_name"]) == (True, "Aalborg")
    assert body["difference_count"] == 0
    # Vejle's terms are not known: its approved hours are pending (counted, no amount), not a difference.
    vejle = report[str(VEJLE)]
    assert (figures(vejle), vejle["pending_entries"], vejle["balanced"]) == ((0,) * 10, 1, True)
    assert report[str(AALBORG)]["pending_entries"] == 0

    october = (date(2026, 10, 1), date(2026, 10, 31))
    s1 = await draft(
        invoicing.pool,
        municipality=AALBORG,
        terms_id=aalborg_terms.terms_id,
        period=october,
        lines=[
            Line(anna.citizen_id, 10_000, 90, 15_000, date(2026, 10, 5), date(2026, 10, 5), [anna_5.entry_id]),
            Line(anna.citizen_id, 12_000, 45, 9_000, date(2026, 10, 20), date(2026, 10, 20), [anna_20.entry_id]),
            Line(bo.citizen_id, 10_000, 50, 8_333, date(2026, 10, 6), date(2026, 10, 6), [bo_6.entry_id]),
        ],
    )
    await issue(invoicing.pool, s1, "S-2026-000001", date(2026, 11, 3))
    # Deliberately wrong: Odense's line states 6 001 for its entry's 6 000 (net 6 001), and 12 November for its
    # entry's 12 October.
    odense_statement = await draft(
        invoicing.pool,
        municipality=ODENSE,
        terms_id=odense_terms.terms_id,
        period=october,
        lines=[Line(cy.citizen_id, 12_000, 30, 6_001, date(2026, 11, 12), date(2026, 11, 12), [cy_12.entry_id])],
    )
    await issue(invoicing.pool, odense_statement, "S-2026-000002", date(2026, 11, 3))

    # After the October statement: a late approval of 7 October (30 min at 10 000 = 5 000), Bo's 6 October lowered by
    # 20 min (-3 333.33 -> -3 333), November 3 (60 min at 12 000), then 13 500 from 1 November registered late:
    # an adjustment of +1 500 for November 3.
    anna_7, anna_nov = build.approval(anna, date(2026, 10, 7), 30), build.approval(anna, date(2026, 11, 3), 60)
    bo_lower = build.approval(bo, date(2026, 10, 6), -20, corrects=bo_6)
    await invoicing.publish_approvals(anna_7, bo_lower, anna_nov)
    await invoicing.wait_for_count("select count(*) from co_financing_lines", expected=7, what="late hours")
    await invoicing.publish_placement_events(build.terms(AALBORG, date(2026, 11, 1), 13_500))
    await invoicing.wait_for_count("select count(*) from co_financing_adjustments", expected=1, what="adjustment")
    adjustment_id, adjustment_ore = await invoicing.pool.fetchrow(
        "select adjustment_id, amount_ore from co_financing_adjustments where entry_id = $1", anna_nov.entry_id
    )
    amounts = dict(await invoicing.pool.fetch("select entry_id, amount_ore from co_financing_lines"))
    assert (amounts[anna_7.entry_id], amounts[bo_lower.entry_id], amounts[anna_nov.entry_id], adjustment_ore) == (
        5_000,
        -3_333,
        12_000,
        1_500,
    )

    november = await draft(
        invoicing.pool,
        municipality=AALBORG,
        terms_id=aalborg_terms.terms_id,
        period=(date(2026, 11, 1), date(2026, 11, 30)),
        lines=[
            Line(anna.citizen_id, 12_000, 60, 12_000, date(2026, 11, 3), date(2026, 11, 3), [anna_nov.entry_id]),
            Line(
                anna.citizen_id, 10_000, 30, 5_000, date(2026, 10, 7), date(2026, 10, 7), [anna_7.entry_id], late=True
            ),
            Line(
                anna.citizen_id, 13_500, 0, 1_500, date(2026, 11, 3), date(2026, 11, 3), [], [adjustment_id], True, True
            ),
        ],
    )
    await issue(invoicing.pool, november, "S-2026-000003", date(2026, 12, 2))
    correction = await draft(
        invoicing.pool,
        municipality=AALBORG,
        terms_id=aalborg_terms.terms_id,
        period=october,
        corrects=s1,
        lines=[Line(bo.citizen_id, 10_000, 20, 3_333, date(2026, 10, 6), date(2026, 10, 6), [bo_lower.entry_id])],
    )

    # The correction is a draft: its -3 333 is not yet stated. Co-financed 32 333 + 5 000 - 3 333 + 12 000 + 1 500
    # = 47 500 = stated 32 333 + 18 500 - 0 + (-3 333); minutes 185 + 30 - 20 + 60 = 255 = 185 + 90 - 20.
    body, report = await municipalities(invoicing, "2026-11-30")
    aalborg = report[str(AALBORG)]
    assert figures(aalborg) == (47_500, 50_833, 0, -3_333, 0, 255, 275, 0, -20, 0)
    assert (aalborg["balanced"], aalborg["line_differences"], aalborg["document_differences"]) == (True, [], [])

    # Odense is reported: one øre stated too much, on its line and on its statement.
    odense = report[str(ODENSE)]
    assert figures(odense) == (6_000, 6_001, 0, 0, -1, 30, 30, 0, 0, 0)
    assert (odense["balanced"], odense["municipality_name"]) == (False, "Odense")
    [line] = odense["line_differences"]
    assert (line["statement_id"], line["number"], line["position"], line["citizen_id"]) == (
        str(odense_statement),
        "S-2026-000002",
        1,
        str(cy.citizen_id),
    )
    assert (line["amount_ore"], line["expected_amount_ore"], line["difference_ore"], line["difference_minutes"]) == (
        6_001,
        6_000,
        1,
        0,
    )
    [statement] = odense["document_differences"]
    assert (statement["statement_id"], statement["status"], statement["net_ore"], statement["expected_net_ore"]) == (
        str(odense_statement),
        "issued",
        6_001,
        6_000,
    )
    assert body["difference_count"] == 3

    # Through 31 October: the November statement's late line (worked 7 October) is stated; its other lines are not
    # in scope. Co-financed 15 000 + 9 000 + 8 333 + 5 000 - 3 333 = 34 000 = 32 333 + 5 000 - 0 + (-3 333).
    _, report = await municipalities(invoicing, "2026-10-31")
    assert figures(report[str(AALBORG)]) == (34_000, 37_333, 0, -3_333, 0, 195, 215, 0, -20, 0)
    # Odense's line counts by its entry's work date, whatever date it states: still the one øre, not 6 000.
    assert figures(report[str(ODENSE)]) == (6_000, 6_001, 0, 0, -1, 30, 30, 0, 0, 0)
    assert [line["difference_ore"] for line in report[str(ODENSE)]["line_differences"]] == [1]

    # Issued, the correction statement credits 3 333 (positive): stated - corrected, nothing left unstated.
    await issue(invoicing.pool, correction, "S-2026-000004", date(2026, 12, 2))
    body, report = await municipalities(invoicing, "2026-11-30")
    assert figures(report[str(AALBORG)]) == (47_500, 50_833, 3_333, 0, 0, 255, 275, 20, 0, 0)
    assert report[str(AALBORG)]["balanced"] is True
    assert body["difference_count"] == 3  # Odense's, still
    # Through a date before anything was worked there is nothing to reconcile.
    body, report = await municipalities(invoicing, "2026-09-30")
    assert (report, body["difference_count"]) == ({}, 0)
