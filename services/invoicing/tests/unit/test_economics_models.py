"""The economics' pure assembly: per-placement rounding, signs, subtotals and totals as plain sums."""

from __future__ import annotations

import uuid

from invoicing.economics.export import economics_csv, percent
from invoicing.economics.models import PlacementFacts, economics_of, last_day
from vikar_shared.types.periods import Month

NOVEMBER = Month(2026, 11)
BAGER, SMED = uuid.UUID(int=1), uuid.UUID(int=2)
AALBORG = uuid.UUID(int=3)


def _facts(company: uuid.UUID, name: str, *, gross: int, billed: int, co: int = 0, n: int = 0) -> PlacementFacts:
    return PlacementFacts(
        placement_id=uuid.UUID(int=100 + n),
        company_id=company,
        company_name=name,
        municipality_id=AALBORG,
        municipality_name="Aalborg",
        employee_number=1001 + n,
        minutes=60,
        wage_rate_missing_minutes=0,
        revenue_company_ore=billed,
        revenue_municipality_ore=co,
        wage_gross_ore=gross,
    )


def test_holiday_and_on_cost_round_half_up_per_placement_and_totals_are_plain_sums() -> None:
    # 1 004 × 12.5 % = 125.5 → 126 (each); on-cost 3 % of 1 130 = 33.9 → 34 (each).
    rows = [_facts(BAGER, "Bager", gross=1_004, billed=2_000, n=0), _facts(SMED, "Smed", gross=1_004, billed=0, n=1)]
    found = economics_of(NOVEMBER, rows, holiday_bp=1_250, on_cost_bp=300)
    assert [(r.figures.holiday_allowance_ore, r.figures.on_cost_ore) for r in found.placements] == [(126, 34)] * 2
    assert (found.totals.holiday_allowance_ore, found.totals.on_cost_ore) == (252, 68)  # not 251 / 67 from the sum
    assert [r.figures.margin_basis_points for r in found.placements] == [
        4_180,
        None,
    ]  # a margin of 836 of 2 000; no revenue
    assert [(g.name, g.placements, g.figures.margin_ore) for g in found.companies] == [
        ("Bager", 1, 836),
        ("Smed", 1, -1_164),
    ]
    [aalborg] = found.municipalities
    assert (aalborg.placements, aalborg.figures.margin_ore, aalborg.figures.margin_basis_points) == (2, -328, -1_640)


def test_negative_gross_and_revenue_mirror_positive_ones() -> None:
    [row] = economics_of(
        NOVEMBER, [_facts(BAGER, "Bager", gross=-1_004, billed=-2_000)], holiday_bp=1_250, on_cost_bp=0
    ).placements
    assert (row.figures.holiday_allowance_ore, row.figures.margin_ore, row.figures.margin_basis_points) == (
        -126,
        -870,
        4_350,
    )


def test_the_csv_ends_with_the_totals_and_names_are_formula_safe() -> None:
    found = economics_of(
        NOVEMBER, [_facts(BAGER, "=HYPERLINK(1)", gross=0, billed=12_345)], holiday_bp=1_250, on_cost_bp=0
    )
    lines = economics_csv(found).decode("utf-8-sig").split("\r\n")
    assert (
        lines[1]
        == f"2026-11;{uuid.UUID(int=100)};'=HYPERLINK(1);Aalborg;1001;60;123,45;0,00;0,00;0,00;0,00;0,00;123,45;100,00"
    )
    assert lines[2:] == ["2026-11;I alt;;;;60;123,45;0,00;0,00;0,00;0,00;0,00;123,45;100,00", ""]
    assert (percent(5_050), percent(-5), percent(None)) == ("50,50", "-0,05", "")
    assert str(last_day(Month(2028, 2))) == "2028-02-29"
