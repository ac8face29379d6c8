"""HTTP shapes of statement runs and statements (drafts and issued). Money in integer øre, time in minutes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from invoicing.ledger.schemas import PartyOut
from invoicing.statements.models import MunicipalityParty, PaymentMeans, Statement, StatementLine, StatementRun
from vikar_shared.types.periods import Day


class StatementRunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    through: Day = Field(
        description="State every statement period that ended on or before this day (YYYY-MM-DD; today or earlier)",
        examples=["2026-11-30"],
    )


class StatementLineOut(BaseModel):
    position: int
    citizen_id: UUID
    citizen_reference: str = Field(
        description="What the agreement identifies the citizen by: the municipality's case number, or name and "
        "birth year; never the CPR number. A draft shows `(reference mangler)` where it is not known (issuing "
        "is then 409 `citizen-reference-missing`)"
    )
    rate_ore_per_hour: int
    minutes: int = Field(description="Sum of the entries' minutes (an adjustment line: 0)")
    amount_ore: int = Field(description="Sum of the co-financing lines' amounts (each rounded once when accrued)")
    late: bool = Field(description="Hours of a period stated before, approved after it was stated")
    adjustment: bool = Field(description="Settles a retroactive rate change (rate: the new rate)")
    first_work_date: date
    last_work_date: date

    @classmethod
    def of(cls, line: StatementLine) -> StatementLineOut:
        return cls.model_validate(line, from_attributes=True)


class MunicipalityPartyOut(BaseModel):
    municipality_id: UUID
    name: str
    ean: str | None = Field(description="EAN/GLN, the Peppol endpoint (scheme 0088)")
    person_reference: str | None = Field(description="The personreference (Peppol cbc:BuyerReference)")
    street: str | None
    postcode: str | None
    city: str | None

    @classmethod
    def of(cls, party: MunicipalityParty) -> MunicipalityPartyOut:
        return cls.model_validate(party, from_attributes=True)


class PaymentMeansOut(BaseModel):
    code: str = Field(description="UNCL4461 (58: IBAN; 31/42: registration and account number)")
    iban: str | None
    bank_registration: str | None
    bank_account: str | None

    @classmethod
    def of(cls, means: PaymentMeans) -> PaymentMeansOut:
        return cls.model_validate(means, from_attributes=True)


class StatementOut(BaseModel):
    statement_id: UUID
    municipality_id: UUID
    municipality_name: str
    document_type: Literal["statement", "correction_statement"] = Field(
        description="A correction statement credits `corrects_statement_id` with positive amounts; same sequence"
    )
    corrects_statement_id: UUID | None
    corrects_statement_number: str | None
    status: Literal["draft", "issued"]
    period_kind: Literal["monthly", "quarterly"]
    period_start: date
    period_end: date
    run_id: UUID | None
    terms_id: UUID = Field(description="The terms version in force on period_end (frozen at issue)")
    lines: list[StatementLineOut] = Field(description="Per citizen and rate; late lines last, by work date")
    net_ore: int = Field(
        description="Issued: the VAT-exclusive net, `total_ore - vat_ore` (so net + VAT = total whatever the rate; "
        "for a VAT-inclusive rate the net split out of `lines_ore`). Draft (no VAT yet): the sum of the line amounts, "
        "as `lines_ore`"
    )
    lines_ore: int = Field(
        description="The sum of the line amounts: what the agreement's rate gives (VAT included where the rate "
        "includes it); what reconciliation compares and what a correction statement may credit at most"
    )
    total_minutes: int
    unique_citizens: int = Field(description="Distinct citizens with co-financed hours in the period")
    unique_citizens_to_date: int = Field(description="Distinct citizens co-financed from the first work date on")
    target_unique_citizens: int | None = Field(description="The agreement's target (null: none)")
    currency: str
    number: str | None = Field(description="S-YYYY-NNNNNN once issued", examples=["S-2026-000001"])
    issue_date: date | None
    due_date: date | None
    vat_category: Literal["S", "E", "O"] | None = Field(description="Frozen at issue from the terms; null on a draft")
    vat_rate_percent: int | None
    vat_exemption_reason: str | None
    rate_excludes_vat: bool | None
    vat_ore: int | None
    total_ore: int | None
    seller: PartyOut | None
    buyer: MunicipalityPartyOut | None
    payment_means: PaymentMeansOut | None
    issued_at: datetime | None

    @classmethod
    def of(cls, statement: Statement) -> StatementOut:
        issue = statement.issue
        return cls(
            statement_id=statement.statement_id,
            municipality_id=statement.municipality_id,
            municipality_name=statement.municipality_name,
            document_type=statement.document_type.value,
            corrects_statement_id=statement.corrects_statement_id,
            corrects_statement_number=statement.corrects_statement_number,
            status=statement.status.value,
            period_kind=statement.period.kind.value,
            period_start=statement.period.start,
            period_end=statement.period.end,
            run_id=statement.run_id,
            terms_id=statement.terms_id,
            lines=[StatementLineOut.of(line) for line in statement.lines],
            net_ore=statement.net_ore if issue is None else issue.total_ore - issue.vat_ore,
            lines_ore=statement.net_ore,
            total_minutes=statement.total_minutes,
            unique_citizens=statement.unique_citizens,
            unique_citizens_to_date=statement.unique_citizens_to_date,
            target_unique_citizens=statement.target_unique_citizens,
            currency=statement.currency,
            number=None if issue is None else issue.number,
            issue_date=None if issue is None else issue.issue_date,
            due_date=None if issue is None else issue.due_date,
            vat_category=None if issue is None else issue.vat.category.value,
            vat_rate_percent=None if issue is None else issue.vat.rate_percent,
            vat_exemption_reason=None if issue is None else issue.vat.exemption_reason,
            rate_excludes_vat=None if issue is None else issue.vat.rate_excludes_vat,
            vat_ore=None if issue is None else issue.vat_ore,
            total_ore=None if issue is None else issue.total_ore,
            seller=None if issue is None else PartyOut.of(issue.seller),
            buyer=None if issue is None else MunicipalityPartyOut.of(issue.buyer),
            payment_means=None if issue is None else PaymentMeansOut.of(issue.payment_means),
            issued_at=None if issue is None else issue.issued_at,
        )


class StatementListOut(BaseModel):
    items: list[StatementOut]


class StatementRunOut(BaseModel):
    run_id: UUID
    through: date = Field(description="The last day stated (a run through today states through yesterday)")
    requested_by: str
    started_at: datetime
    finished_at: datetime | None
    municipalities_total: int
    municipalities_done: int
    statements_drafted: int
    statements: list[StatementOut] = Field(description="The drafts (and correction statements) it made or changed")

    @classmethod
    def of(cls, run: StatementRun) -> StatementRunOut:
        return cls(
            run_id=run.run_id,
            through=run.through,
            requested_by=run.requested_by,
            started_at=run.started_at,
            finished_at=run.finished_at,
            municipalities_total=run.municipalities_total,
            municipalities_done=run.municipalities_done,
            statements_drafted=run.statements_drafted,
            statements=[StatementOut.of(s) for s in run.statements],
        )
