"""What the documents of a statement state and hold (issue 11). Pure values: no database, no framework.

A document states a statement (:class:`invoicing.statements.models.Statement`) with its :class:`DocumentFacts`:
for an issued statement the facts frozen at issue (number, dates, parties, VAT, payment means); for a draft the
seller of the settings and the buyer, VAT and payment means of the terms in force on the period's last day,
which may still be unstated (a draft's documents are marked *UDKAST* and carry no number)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from invoicing.ledger.models import Party
from invoicing.statements.models import (
    MunicipalityParty,
    PaymentMeans,
    Statement,
    StatementTotals,
    VatCategory,
    VatTerms,
    statement_totals,
)

PDF_MEDIA_TYPE = "application/pdf"
XML_MEDIA_TYPE = "application/xml"
# A failed render or an invalid Peppol document is retried after min(2^attempts, this) seconds.
MAX_RETRY_SECONDS = 300


def retry_seconds(attempts: int) -> int:
    """Seconds before the next try after ``attempts`` failed ones: 1, 2, 4, … at most :data:`MAX_RETRY_SECONDS`."""
    return min(1 << min(max(attempts, 0), 16), MAX_RETRY_SECONDS)


class DeliveryChannel(StrEnum):
    """How a statement reached the municipality: its Peppol document through an access point, or e-mail, or post."""

    PEPPOL = "peppol"
    EMAIL = "email"
    POST = "post"


@dataclass(frozen=True, slots=True)
class DocumentFacts:
    """What a document states beyond the lines. ``number``, ``issue_date``, ``due_date``: None on a draft;
    ``vat``/``payment_means``: None while the draft's terms leave them unstated (issuing refuses that)."""

    draft: bool
    number: str | None
    issue_date: date | None
    due_date: date | None
    seller: Party
    buyer: MunicipalityParty
    vat: VatTerms | None
    payment_means: PaymentMeans | None


def issued_facts(statement: Statement) -> DocumentFacts:
    """The facts an issued statement froze at issue. Raises ValueError for a draft."""
    issue = statement.issue
    if issue is None:
        raise ValueError(f"statement {statement.statement_id} is a draft: its facts come from its terms")
    return DocumentFacts(
        draft=False,
        number=issue.number,
        issue_date=issue.issue_date,
        due_date=issue.due_date,
        seller=issue.seller,
        buyer=issue.buyer,
        vat=issue.vat,
        payment_means=issue.payment_means,
    )


def totals(statement: Statement, facts: DocumentFacts) -> StatementTotals | None:
    """Net, VAT and total in øre (:func:`invoicing.statements.models.statement_totals`); None while the VAT is
    unstated (a draft)."""
    if facts.vat is None:
        return None
    return statement_totals([line.amount_ore for line in statement.lines], facts.vat)


def vat_text(vat: VatTerms | None) -> str:
    """``Moms 25 %``; ``Momsfritaget: <reason>``; ``Uden for momsens anvendelsesområde: <reason>``; a draft whose
    terms state no VAT: ``Moms ikke angivet i aftalen``."""
    if vat is None:
        return "Moms ikke angivet i aftalen"
    if vat.category is VatCategory.STANDARD:
        return f"Moms {vat.rate_percent}\N{NO-BREAK SPACE}%"
    reason = vat.exemption_reason or "årsag ikke angivet"
    if vat.category is VatCategory.EXEMPT:
        return f"Momsfritaget: {reason}"
    return f"Uden for momsens anvendelsesområde: {reason}"


def payment_text(means: PaymentMeans | None) -> str:
    """The payment means in Danish: IBAN for code 58, reg.nr. and kontonr. where stated, else the UNCL4461 code."""
    if means is None:
        return "Betalingsmåde ikke angivet i aftalen"
    if means.iban:
        return f"Bankoverførsel til IBAN {means.iban}"
    if means.bank_registration and means.bank_account:
        return f"Bankoverførsel til reg.nr. {means.bank_registration} kontonr. {means.bank_account}"
    return f"Betalingsmåde {means.code} (UNCL4461)"


@dataclass(frozen=True, slots=True)
class StatementDocument:
    """A stored document of an issued statement: ``media_type`` :data:`PDF_MEDIA_TYPE` or :data:`XML_MEDIA_TYPE`,
    ``content`` bytes, ``sha256`` their digest (32 bytes), ``renderer`` e.g. ``weasyprint 66.0``."""

    statement_id: UUID
    media_type: str
    content: bytes
    sha256: bytes
    renderer: str
    rendered_at: datetime

    @property
    def sha256_hex(self) -> str:
        return self.sha256.hex()


@dataclass(frozen=True, slots=True)
class Delivery:
    """That a statement was sent: ``reference`` the access point's message id (Peppol), None if there is none."""

    delivery_id: UUID
    statement_id: UUID
    channel: DeliveryChannel
    reference: str | None
    sent_at: datetime
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class DocumentsDue:
    """A statement whose documents are still to render: tries so far and the last error (rule ids, no personal data)."""

    statement_id: UUID
    due_at: datetime
    attempts: int
    last_error: str | None


def filename(statement: Statement, facts: DocumentFacts, suffix: str) -> str:
    """``medfinansieringsopgoerelse-S-2026-000001.pdf``; a correction ``korrektion-S-2026-000002.pdf``; a draft
    ``udkast-<statement id>.pdf`` (ASCII only: a header value)."""
    kind = "korrektion" if statement.is_correction else "medfinansieringsopgoerelse"
    if facts.number is None:
        return f"udkast-{kind}-{statement.statement_id}{suffix}"
    return f"{kind}-{facts.number}{suffix}"
