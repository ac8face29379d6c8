"""HTTP shapes of the co-financing preview."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, Field

from invoicing.co_financing.models import CitizenTotal, CoFinancingDraft


class CitizenTotalOut(BaseModel):
    citizen_id: UUID
    citizen_name: str
    minutes: int
    amount_ore: int = Field(description="Sum of the per-entry amounts, each rounded half up")
    rates_ore_per_hour: list[int] = Field(description="The distinct rates applied, by work date")

    @classmethod
    def of(cls, total: CitizenTotal) -> CitizenTotalOut:
        return cls.model_validate(total, from_attributes=True)


class CoFinancingPreviewOut(BaseModel):
    municipality_id: UUID
    municipality_name: str
    month: str = Field(examples=["2026-11"])
    citizens: list[CitizenTotalOut] = Field(description="Ordered by citizen_name")
    total_minutes: int
    total_ore: int
    unique_citizens: int

    @classmethod
    def of(cls, draft: CoFinancingDraft) -> CoFinancingPreviewOut:
        return cls(
            municipality_id=draft.municipality_id,
            municipality_name=draft.municipality_name,
            month=str(draft.month),
            citizens=[CitizenTotalOut.of(c) for c in draft.citizens],
            total_minutes=draft.total_minutes,
            total_ore=draft.total_ore,
            unique_citizens=draft.unique_citizens,
        )
