"""JSON shapes of ``GET /economics`` (integer øre, minutes and basis points; ids as strings)."""

from __future__ import annotations

from dataclasses import asdict
from uuid import UUID

from pydantic import BaseModel

from invoicing.economics.models import Economics, Figures, GroupEconomics, PlacementEconomics


class FiguresOut(BaseModel):
    minutes: int
    wage_rate_missing_minutes: int
    revenue_company_ore: int
    revenue_municipality_ore: int
    revenue_ore: int
    wage_gross_ore: int
    holiday_allowance_ore: int
    on_cost_ore: int
    wage_cost_ore: int
    margin_ore: int
    margin_basis_points: int | None

    @classmethod
    def of(cls, f: Figures) -> FiguresOut:
        return cls.model_validate(f, from_attributes=True)  # the derived figures are properties of Figures


class PlacementEconomicsOut(FiguresOut):
    placement_id: UUID
    company_id: UUID
    company_name: str | None
    municipality_id: UUID | None
    municipality_name: str | None
    employee_number: int | None

    @classmethod
    def of_row(cls, row: PlacementEconomics) -> PlacementEconomicsOut:
        return cls.model_validate({**asdict(row.facts), **FiguresOut.of(row.figures).model_dump()})


class GroupEconomicsOut(FiguresOut):
    id: UUID | None
    name: str | None
    placements: int

    @classmethod
    def of_group(cls, group: GroupEconomics) -> GroupEconomicsOut:
        ids = {"id": group.group_id, "name": group.name, "placements": group.placements}
        return cls.model_validate({**ids, **FiguresOut.of(group.figures).model_dump()})


class EconomicsOut(BaseModel):
    month: str
    holiday_allowance_basis_points: int
    employer_on_cost_basis_points: int
    placements: list[PlacementEconomicsOut]
    companies: list[GroupEconomicsOut]
    municipalities: list[GroupEconomicsOut]
    totals: FiguresOut

    @classmethod
    def of(cls, e: Economics) -> EconomicsOut:
        return cls(
            month=str(e.month),
            holiday_allowance_basis_points=e.holiday_allowance_basis_points,
            employer_on_cost_basis_points=e.employer_on_cost_basis_points,
            placements=[PlacementEconomicsOut.of_row(r) for r in e.placements],
            companies=[GroupEconomicsOut.of_group(g) for g in e.companies],
            municipalities=[GroupEconomicsOut.of_group(g) for g in e.municipalities],
            totals=FiguresOut.of(e.totals),
        )
