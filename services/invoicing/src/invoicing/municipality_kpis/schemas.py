"""HTTP shapes of a municipality's progress figures (``GET /municipalities/{id}/kpis``)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, Field

from invoicing.municipality_kpis.models import END_REASONS, MunicipalityKpis

_REASONS = "reason → count; every reason of " + ", ".join(END_REASONS) + " is present (0 when none)"


class KpiMonthOut(BaseModel):
    month: str = Field(examples=["2026-11"], description="YYYY-MM; the month of as_of counts up to as_of")
    unique_citizens_cumulative: int = Field(description="Distinct citizens reached from the start through the month")
    new_citizens: int = Field(description="Citizens first reached (net co-financed minutes above 0) this month")
    co_financed_minutes: int = Field(description="Net co-financed minutes worked in the month (corrections included)")
    placements_started: int = Field(description="Placements (active or ended) whose start date lies in the month")
    placements_ended: int = Field(description="Placements ended with an end date in the month")
    end_reasons: dict[str, int] = Field(description=_REASONS)


class RetentionOut(BaseModel):
    days: int = Field(examples=[30, 90], description="Days after the citizen's first day")
    measured: int = Field(description="Citizens whose first day + days lies on or before as_of")
    in_work: int = Field(description="Of those, in work on that day")
    share_permille: int | None = Field(description="in_work / measured in per mille, rounded half up; null: none")


class MunicipalityKpisOut(BaseModel):
    municipality_id: UUID
    municipality_name: str
    as_of: date
    agreement_from: date | None = Field(
        description="The day the agreement began: the first terms version's effective_from; null: no terms"
    )
    target_unique_citizens: int | None = Field(description="The target of the terms in force on as_of; null: none")
    unique_citizens: int = Field(description="Distinct citizens with net co-financed minutes above 0 through as_of")
    co_financed_minutes: int = Field(description="Net co-financed minutes worked through as_of")
    placements_started: int
    placements_ended: int
    months: list[KpiMonthOut] = Field(description="Oldest first, from the agreement's start, at most 60 (the newest)")
    end_reasons: dict[str, int] = Field(description=_REASONS + "; over every placement ended through as_of")
    retention: list[RetentionOut] = Field(description="At 30 and 90 days after each citizen's first day")

    @classmethod
    def of(cls, kpis: MunicipalityKpis) -> MunicipalityKpisOut:
        """From the domain object (its dataclasses read by attribute; ``share_permille`` is Retention's property)."""
        return cls.model_validate(kpis, from_attributes=True)
