"""HTTP shapes of the invoice preview."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from uuid import UUID

from pydantic import BaseModel, Field

from invoicing.invoices.models import InvoiceDraft


class InvoiceLineOut(BaseModel):
    entry_id: UUID
    work_date: date
    citizen_name: str
    minutes: int
    rate_ore_per_hour: int
    amount_ore: int = Field(
        description="minutes * rate_ore_per_hour / 60 rounded to whole øre, halves away from zero (negative for a "
        "correction that lowers the hours)"
    )
    corrects_entry_id: UUID | None = Field(default=None, description="Set on a correction: the entry it corrects")


class InvoicePreviewOut(BaseModel):
    company_id: UUID
    month: str = Field(examples=["2026-11"])
    lines: list[InvoiceLineOut] = Field(description="Ordered by work_date, then citizen_name")
    subtotal_ore: int = Field(description="Sum of the line amounts, corrections included")
    vat_rate_percent: int
    vat_ore: int = Field(description="round half up of subtotal_ore * vat_rate_percent / 100")
    total_ore: int
    pending_entries: int = Field(
        description="Approved entries of the month not on the draft yet: their placement or terms are not known yet"
    )

    @classmethod
    def of(cls, draft: InvoiceDraft) -> InvoicePreviewOut:
        return cls.model_validate({**asdict(draft), "month": str(draft.month)})
