"""HTTP shapes of the statement documents: the statement as JSON (``GET /statements/{id}/statement.json``) and its
deliveries. Money in integer øre, time in integer minutes, dates YYYY-MM-DD."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from invoicing.statement_documents.models import Delivery, DeliveryChannel, DocumentFacts, totals, vat_text
from invoicing.statements.models import Statement
from vikar_shared.types.text import REFERENCE_MAX, SingleLine


class PeriodJson(BaseModel):
    kind: Literal["monthly", "quarterly"]
    start: date
    end: date = Field(description="Inclusive")


class SellerJson(BaseModel):
    name: str
    street: str
    postcode: str
    city: str
    cvr: str


class BuyerJson(BaseModel):
    municipality_id: UUID
    name: str
    ean: str | None = Field(description="EAN/GLN (Peppol endpoint scheme 0088)")
    person_reference: str | None = Field(description="The municipality's personreference (cbc:BuyerReference)")
    street: str | None
    postcode: str | None
    city: str | None


class LineJson(BaseModel):
    position: int
    citizen_reference: str = Field(description="Case number, or name and birth year: never a CPR number")
    first_work_date: date
    last_work_date: date
    minutes: int
    rate_ore_per_hour: int
    amount_ore: int = Field(description="As the line states it (a correction statement's positive)")
    net_ore: int | None = Field(
        description="The line's net: equal to amount_ore unless the rate includes VAT; null while the VAT is unstated"
    )
    late: bool
    adjustment: bool


class VatJson(BaseModel):
    category: Literal["S", "E", "O"] = Field(description="UNCL5305")
    rate_percent: int
    rate_excludes_vat: bool
    exemption_reason: str | None
    text: str = Field(description="As the PDF states it, e.g. `Moms 25 %`")


class TotalsJson(BaseModel):
    total_minutes: int
    lines_ore: int = Field(description="Sum of the lines' amounts")
    net_ore: int | None = Field(description="Null while the VAT is unstated (a draft)")
    vat_ore: int | None
    total_ore: int | None


class FiguresJson(BaseModel):
    unique_citizens: int = Field(description="Distinct citizens with hours in the period")
    unique_citizens_to_date: int = Field(description="Distinct citizens co-financed since the agreement started")
    target_unique_citizens: int | None = Field(description="The agreement's target; null: none set")


class PaymentMeansJson(BaseModel):
    code: str = Field(description="UNCL4461, e.g. 58 (IBAN) or 31 (reg.nr. and kontonr.)")
    iban: str | None
    bank_registration: str | None
    bank_account: str | None


class StatementJson(BaseModel):
    """The whole statement as its documents state it."""

    statement_id: UUID
    document_type: Literal["statement", "correction_statement"]
    status: Literal["draft", "issued"]
    number: str | None = Field(description="S-YYYY-NNNNNN; null on a draft")
    corrects_statement_id: UUID | None
    corrects_statement_number: str | None
    issue_date: date | None
    due_date: date | None
    period: PeriodJson
    currency: str
    seller: SellerJson
    buyer: BuyerJson
    lines: list[LineJson]
    vat: VatJson | None = Field(description="Null while a draft's terms leave it unstated")
    totals: TotalsJson
    figures: FiguresJson
    payment_means: PaymentMeansJson | None

    @classmethod
    def of(cls, statement: Statement, facts: DocumentFacts) -> StatementJson:
        sums = totals(statement, facts)
        nets: tuple[int | None, ...] = sums.line_net_ore if sums else tuple(None for _ in statement.lines)
        vat, means, buyer, seller = facts.vat, facts.payment_means, facts.buyer, facts.seller
        return cls(
            statement_id=statement.statement_id,
            document_type=statement.document_type.value,
            status=statement.status.value,
            number=facts.number,
            corrects_statement_id=statement.corrects_statement_id,
            corrects_statement_number=statement.corrects_statement_number,
            issue_date=facts.issue_date,
            due_date=facts.due_date,
            period=PeriodJson(kind=statement.period.kind.value, start=statement.period.start, end=statement.period.end),
            currency=statement.currency,
            seller=SellerJson.model_validate(seller, from_attributes=True),
            buyer=BuyerJson.model_validate(buyer, from_attributes=True),
            lines=[
                LineJson.model_validate({**asdict(line), "net_ore": net})
                for line, net in zip(statement.lines, nets, strict=True)
            ],
            vat=None
            if vat is None
            else VatJson(
                category=vat.category.value,
                rate_percent=vat.rate_percent,
                rate_excludes_vat=vat.rate_excludes_vat,
                exemption_reason=vat.exemption_reason,
                text=vat_text(vat),
            ),
            totals=TotalsJson(
                total_minutes=statement.total_minutes,
                lines_ore=sum(line.amount_ore for line in statement.lines),
                net_ore=sums.net_ore if sums else None,
                vat_ore=sums.vat_ore if sums else None,
                total_ore=sums.total_ore if sums else None,
            ),
            figures=FiguresJson.model_validate(statement, from_attributes=True),
            payment_means=None if means is None else PaymentMeansJson.model_validate(means, from_attributes=True),
        )


class DeliveryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: DeliveryChannel = Field(description="peppol | email | post")
    reference: Annotated[str, SingleLine(REFERENCE_MAX)] | None = Field(
        default=None,
        description=f"The access point's message id (1..{REFERENCE_MAX} characters, one line; required for peppol); "
        "the same (channel, reference) twice records one delivery",
        examples=["c2f1a6a8-91b3-4f1e-9d2c-6a0d7c5e1f00"],
    )
    sent_at: AwareDatetime = Field(description="When it was sent (ISO 8601 with offset; not in the future)")


class DeliveryOut(BaseModel):
    delivery_id: UUID
    statement_id: UUID
    channel: DeliveryChannel
    reference: str | None
    sent_at: datetime
    recorded_by: str
    recorded_at: datetime

    @classmethod
    def of(cls, delivery: Delivery) -> DeliveryOut:
        return cls.model_validate(delivery, from_attributes=True)


class DeliveriesOut(BaseModel):
    deliveries: list[DeliveryOut] = Field(description="By sent_at, then when recorded")
