"""HTTP shapes of the reconciliation. Money in integer øre."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, Field

from invoicing.reconciliation.models import (
    CompanyReconciliation,
    DocumentCheck,
    EntryCharges,
    MunicipalityReconciliation,
    StatementCheck,
    StatementLineCheck,
)


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


class StatementLineDifferenceOut(BaseModel):
    statement_id: UUID
    document_type: str = Field(description="statement or correction_statement")
    status: str = Field(description="draft or issued")
    number: str | None
    position: int
    citizen_id: UUID
    amount_ore: int = Field(description="What the line states")
    expected_amount_ore: int = Field(
        description="The sum of the co-financing lines and adjustments on it (correction statement: minus)"
    )
    difference_ore: int = Field(description="stated − expected")
    minutes: int
    expected_minutes: int
    difference_minutes: int

    @classmethod
    def of(cls, line: StatementLineCheck) -> StatementLineDifferenceOut:
        return cls.model_validate(line, from_attributes=True)


class StatementDifferenceOut(BaseModel):
    statement_id: UUID
    document_type: str = Field(description="statement or correction_statement")
    status: str = Field(description="draft or issued")
    number: str | None
    net_ore: int
    expected_net_ore: int = Field(
        description="The sum of the co-financing lines and adjustments on it (correction statement: minus)"
    )
    difference_ore: int
    total_minutes: int
    expected_minutes: int
    difference_minutes: int

    @classmethod
    def of(cls, document: StatementCheck) -> StatementDifferenceOut:
        return cls.model_validate(document, from_attributes=True)


class MunicipalityReconciliationOut(BaseModel):
    municipality_id: UUID
    municipality_name: str | None = Field(description="As its terms recorded last name it")
    balanced: bool = Field(description="co-financed = stated − corrected + not yet stated, in øre and in minutes")
    co_financed_ore: int = Field(
        description="The co-financing lines and adjustments worked on or before the date (eligible approved entries "
        "at the rates in force)"
    )
    stated_ore: int = Field(description="On lines of issued statements")
    corrected_ore: int = Field(description="On lines of issued correction statements (positive)")
    not_yet_stated_ore: int = Field(
        description="Co-financing lines and adjustments on no issued statement (pool, drafts)"
    )
    difference_ore: int = Field(description="co-financed − (stated − corrected + not yet stated)")
    co_financed_minutes: int
    stated_minutes: int
    corrected_minutes: int
    not_yet_stated_minutes: int
    difference_minutes: int
    pending_entries: int = Field(
        description="Approved entries of its eligible placements not accrued yet (no terms in force known: no amount)"
    )
    line_differences: list[StatementLineDifferenceOut]
    document_differences: list[StatementDifferenceOut]

    @classmethod
    def of(cls, municipality: MunicipalityReconciliation) -> MunicipalityReconciliationOut:
        return cls.model_validate(municipality, from_attributes=True)


class ReconciliationOut(BaseModel):
    through: date
    difference_count: int = Field(
        description="Entries and documents with a difference over all companies, plus municipalities not balanced "
        "and statement lines and statements with a difference"
    )
    companies: list[CompanyReconciliationOut]
    municipalities: list[MunicipalityReconciliationOut] = Field(
        description="Issue 11: per municipality, co-financed = stated − corrected + not yet stated"
    )

    @classmethod
    def of(
        cls,
        through: date,
        companies: list[CompanyReconciliation],
        municipalities: list[MunicipalityReconciliation] | None = None,
    ) -> ReconciliationOut:
        municipalities = municipalities or []
        return cls(
            through=through,
            difference_count=sum(len(c.differences) + len(c.document_differences) for c in companies)
            + sum((not m.balanced) + len(m.line_differences) + len(m.document_differences) for m in municipalities),
            companies=[CompanyReconciliationOut.of(c) for c in companies],
            municipalities=[MunicipalityReconciliationOut.of(m) for m in municipalities],
        )
