"""HTTP shapes of the co-financing preview."""

from __future__ import annotations

from dataclasses import asdict
from uuid import UUID

from pydantic import BaseModel, Field

from invoicing.co_financing.models import CoFinancingDraft


class CitizenTotalOut(BaseModel):
    citizen_id: UUID
    citizen_name: str
    minutes: int
    amount_ore: int = Field(description="Sum of the per-entry amounts, each rounded half up")
    rates_ore_per_hour: list[int] = Field(description="The distinct rates applied, by work date")


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
        return cls.model_validate({**asdict(draft), "month": str(draft.month)})
