"""Example statements of every Peppol document variant (issue 11): the tests validate each with the official
artefacts and ``bench/peppol_documents.py`` times statements of realistic size (:func:`realistic`).

Values are invented (the seller is the settings' default agency, the buyer Aalborg's published EAN); amounts
are what the ledger would accrue: each co-financing entry rounded half up to the øre (``invoicing.money``).
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import UUID

from invoicing.ledger.models import Party
from invoicing.money import amount_for
from invoicing.statements.models import (
    MunicipalityParty,
    PaymentMeans,
    Statement,
    StatementIssue,
    StatementLine,
    StatementPeriodKind,
    StatementStatus,
    StatementType,
    VatCategory,
    VatTerms,
    statement_period_containing,
    statement_totals,
)

AALBORG_EAN = "5798000416604"
SELLER = Party(
    name="Fokus Folkeoplysning",
    street="Søndergade 1",
    postcode="9000",
    city="Aalborg",
    cvr="29403473",
    contact_name="Bogholderiet",
    contact_email="bogholderi@example.dk",
)
BUYER = MunicipalityParty(
    municipality_id=UUID(int=7),
    name="Aalborg Kommune",
    ean=AALBORG_EAN,
    person_reference="Jobcenter Aalborg, Lise Jensen",
    street="Boulevarden 13",
    postcode="9000",
    city="Aalborg",
)
EXCLUDING = VatTerms(VatCategory.STANDARD, rate_excludes_vat=True)
INCLUDING = VatTerms(VatCategory.STANDARD, rate_excludes_vat=False)
EXEMPT = VatTerms(VatCategory.EXEMPT, rate_excludes_vat=True, exemption_reason="Momsfritaget, momsloven § 13")
OUTSIDE = VatTerms(VatCategory.OUTSIDE_SCOPE, rate_excludes_vat=True, exemption_reason="Tilskud uden for momsloven")
IBAN = PaymentMeans("58", iban="DK5000400440116243")
BANK = PaymentMeans("31", bank_registration="1234", bank_account="0012345678")


def line(
    position: int,
    minutes: int,
    rate: int = 4537,
    *,
    entries: int = 1,
    late: bool = False,
    adjustment: bool = False,
    amount: int | None = None,
    first: date = date(2026, 11, 2),
    last: date = date(2026, 11, 27),
) -> StatementLine:
    """A citizen's line; ``entries`` equal entries each rounded half up when accrued (as the ledger does)."""
    if amount is None:
        amount = entries * amount_for(minutes // entries, rate) if entries else 0
    return StatementLine(
        position=position,
        citizen_id=UUID(int=1000 + position),
        citizen_reference=f"Borger {position} (198{position % 10})",
        rate_ore_per_hour=rate,
        minutes=minutes,
        amount_ore=amount,
        late=late,
        first_work_date=first,
        last_work_date=last,
        adjustment=adjustment,
    )


def statement(
    lines: list[StatementLine],
    *,
    vat: VatTerms = EXCLUDING,
    means: PaymentMeans = IBAN,
    kind: StatementPeriodKind = StatementPeriodKind.MONTHLY,
    correction_of: str | None = None,
    number: str = "S-2026-000001",
) -> Statement:
    """An issued statement (a correction statement of ``correction_of``) of ``lines`` in November 2026 (or
    its quarter), issued 1 December 2026, due 31 December."""
    totals = statement_totals([item.amount_ore for item in lines], vat)
    issue = StatementIssue(
        number=number,
        issue_date=date(2026, 12, 1),
        due_date=date(2026, 12, 31),
        issued_at=datetime(2026, 12, 1, 9, tzinfo=UTC),
        issued_by="finance@agency",
        seller=SELLER,
        buyer=BUYER,
        payment_means=means,
        vat=vat,
        vat_ore=totals.vat_ore,
        total_ore=totals.total_ore,
    )
    return Statement(
        statement_id=UUID(int=1),
        municipality_id=BUYER.municipality_id,
        municipality_name=BUYER.name,
        document_type=StatementType.STATEMENT if correction_of is None else StatementType.CORRECTION_STATEMENT,
        status=StatementStatus.ISSUED,
        period=statement_period_containing(kind, date(2026, 11, 15)),
        terms_id=UUID(int=3),
        lines=tuple(lines),
        net_ore=sum(item.amount_ore for item in lines),
        total_minutes=sum(item.minutes for item in lines),
        unique_citizens=len({item.citizen_id for item in lines}),
        unique_citizens_to_date=len({item.citizen_id for item in lines}) + 4,
        target_unique_citizens=40,
        corrects_statement_id=None if correction_of is None else UUID(int=2),
        corrects_statement_number=correction_of,
        issue=issue,
    )


# An awkward line: 7 + 7 + 7 minutes at 45.37 kr./h, each rounded when accrued (3 × 5.29), vs 21 min = 15.8795.
AWKWARD = line(3, 21, entries=3)
VARIANTS: dict[str, Statement] = {
    "S excluding VAT, IBAN": statement([line(1, 600), line(2, 125), AWKWARD]),
    "S including VAT": statement([line(1, 600), line(2, 125), AWKWARD], vat=INCLUDING),
    "E with reason": statement([line(1, 600), AWKWARD], vat=EXEMPT),
    "O outside scope": statement([line(1, 600), AWKWARD], vat=OUTSIDE),
    "payment means 31": statement([line(1, 600), line(2, 59)], means=BANK),
    "payment means 42": statement([line(1, 600)], means=replace(BANK, code="42")),
    "quarterly": statement(
        [line(1, 6000, first=date(2026, 10, 1), last=date(2026, 12, 18)), line(2, 1337)],
        kind=StatementPeriodKind.QUARTERLY,
    ),
    "late lines": statement([line(1, 600), line(2, 95, late=True, first=date(2026, 10, 28), last=date(2026, 10, 28))]),
    "adjustment line": statement(
        [line(1, 600), line(2, 0, 4600, adjustment=True, amount=1260, first=date(2026, 10, 1), last=date(2026, 10, 31))]
    ),
    "awkward rounding, many entries": statement([line(1, 7 * 100, entries=100), line(2, 13 * 47, 4111, entries=47)]),
    "awkward rounding including VAT": statement(
        [line(1, 7 * 100, entries=100), line(2, 13 * 47, 4111, entries=47)], vat=INCLUDING
    ),
    "many lines": statement([line(i, 17 * i + 5, 4000 + 37 * i, entries=1 + i % 5) for i in range(1, 151)]),
    "correction statement (CreditNote)": statement(
        [line(1, 120), line(2, 0, 4500, adjustment=True, amount=37)],
        correction_of="S-2026-000001",
        number="S-2026-000007",
    ),
    "correction statement including VAT, 31": statement(
        [line(1, 95, entries=2)], vat=INCLUDING, means=BANK, correction_of="S-2026-000001", number="S-2026-000008"
    ),
}


def realistic(seed: int, lines: int = 100) -> Statement:
    """A monthly statement of ``lines`` citizens (rates 40-50 kr./h, 1-20 entries of 7-480 minutes each, a
    tenth of them late), the same for the same ``seed``."""
    draw = random.Random(seed)  # noqa: S311 (invented data, reproducible; no secret)
    items = []
    for position in range(1, lines + 1):
        rate = draw.randint(4000, 5000)
        entries = [draw.randint(7, 480) for _ in range(draw.randint(1, 20))]
        late = draw.random() < 0.1
        first = date(2026, 10, draw.randint(1, 28)) if late else date(2026, 11, draw.randint(1, 14))
        items.append(
            replace(
                line(position, sum(entries), rate, late=late, first=first),
                amount_ore=sum(amount_for(minutes, rate) for minutes in entries),
            )
        )
    return statement(items, number=f"S-2026-{seed % 999999 + 1:06d}")
