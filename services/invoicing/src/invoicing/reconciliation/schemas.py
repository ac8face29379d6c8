"""HTTP shapes of the reconciliation. Money in integer øre."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, Field

from invoicing.reconciliation.models import CompanyReconciliation, DocumentCheck, EntryCharges


class EntryDifferenceOut(BaseModel):
    entry_id: UUID
    work_date: date
    minutes: int
    rate_ore_per_hour: int = Field(description="The bill rate in force on the work date now")
    approved_ore: int = Field(description="minutes × rate / 60, half up")
    invoiced_ore: int
    credited_ore: int
    not_yet_invoiced_ore: int
    difference_ore: int = Field(description="approved − (invoiced − credited + not yet invoiced)")

    @classmethod
    def of(cls, entry: EntryCharges) -> EntryDifferenceOut:
        return cls.model_validate(entry, from_attributes=True)


class DocumentDifferenceOut(BaseModel):
    invoice_id: UUID
    document_type: str
    number: str | None
    net_ore: int
    expected_net_ore: int = Field(description="The sum of the entries and adjustments on it (credit note: minus)")

    @classmethod
    def of(cls, document: DocumentCheck) -> DocumentDifferenceOut:
        return cls.model_validate(document, from_attributes=True)


class CompanyReconciliationOut(BaseModel):
    company_id: UUID
    approved_ore: int = Field(description="What the company's approved, accrued entries cost at the rates in force")
    invoiced_ore: int = Field(description="On issued invoices")
    credited_ore: int = Field(description="On issued credit notes (positive)")
    not_yet_invoiced_ore: int = Field(description="In the pool or on drafts")
    difference_ore: int
    pending_entries: int = Field(description="Approved entries not accrued yet (no price yet; the close lists them)")
    voided_ore: int = Field(
        description="Nets of the credit notes booking invoices voided in Stripe: they credit the amount still owed, "
        "not entries, so the voided invoice's entries stay counted as invoiced and the void is reported here"
    )
    differences: list[EntryDifferenceOut]
    document_differences: list[DocumentDifferenceOut]

    @classmethod
    def of(cls, company: CompanyReconciliation) -> CompanyReconciliationOut:
        return cls.model_validate(company, from_attributes=True)


class ReconciliationOut(BaseModel):
    through: date
    difference_count: int = Field(description="Entries and documents with a difference, over all companies")
    companies: list[CompanyReconciliationOut]

    @classmethod
    def of(cls, through: date, companies: list[CompanyReconciliation]) -> ReconciliationOut:
        return cls(
            through=through,
            difference_count=sum(len(c.differences) + len(c.document_differences) for c in companies),
            companies=[CompanyReconciliationOut.of(c) for c in companies],
        )
