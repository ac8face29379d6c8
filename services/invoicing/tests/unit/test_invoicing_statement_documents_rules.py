"""Statement documents (issue 11), pure: the VAT and payment texts, the period in Danish, the HTML of a correction
statement, a quarter and an exempt agreement, the CSV of a draft, the JSON of a VAT-inclusive rate (exact øre),
the retry backoff and the file names."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from invoicing.ledger.models import Party
from invoicing.statement_documents.attachment import statement_csv
from invoicing.statement_documents.models import (
    DocumentFacts,
    filename,
    issued_facts,
    payment_text,
    retry_seconds,
    vat_text,
)
from invoicing.statement_documents.rendering import period_text, statement_html
from invoicing.statement_documents.schemas import StatementJson
from invoicing.statements.models import (
    MunicipalityParty,
    PaymentMeans,
    Statement,
    StatementIssue,
    StatementLine,
    StatementPeriod,
    StatementPeriodKind,
    StatementStatus,
    StatementType,
    VatCategory,
    VatTerms,
)

MUNICIPALITY = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
SELLER = Party(name="Fokus Folkeoplysning", street="Søndergade 1", postcode="9000", city="Aalborg", cvr="29403473")
BUYER = MunicipalityParty(MUNICIPALITY, "Hjørring Kommune", "5798000000002", "Borgerservice", "Springvandspladsen 5")
QUARTER = StatementPeriod(StatementPeriodKind.QUARTERLY, date(2026, 10, 1), date(2026, 12, 31))
EXEMPT = VatTerms(VatCategory.EXEMPT, rate_excludes_vat=True, exemption_reason="Momsloven § 13, stk. 1, nr. 3")
LINES = (
    StatementLine(
        1, uuid.uuid4(), "Karin Kandidat (1979)", 10_000, 61, 10_167, False, date(2026, 10, 1), date(2026, 12, 2)
    ),
    StatementLine(2, uuid.uuid4(), "@Ole (1990)", 10_000, 0, 333, False, date(2026, 9, 3), date(2026, 9, 3), True),
)


def _statement(
    *, vat: VatTerms = EXEMPT, means: PaymentMeans | None = None, correction: bool = False, issued: bool = True
) -> Statement:
    issue = StatementIssue(
        number="S-2027-000003",
        issue_date=date(2027, 1, 4),
        due_date=date(2027, 2, 3),
        issued_at=datetime(2027, 1, 4, 9, tzinfo=UTC),
        issued_by="finance@fokus.dk",
        seller=SELLER,
        buyer=BUYER,
        payment_means=means or PaymentMeans("31", bank_registration="1234", bank_account="0001234567"),
        vat=vat,
        vat_ore=0,
        total_ore=10_500,
    )
    return Statement(
        statement_id=uuid.UUID("00000000-0000-4000-8000-00000000c0de"),
        municipality_id=MUNICIPALITY,
        municipality_name="Hjørring Kommune",
        document_type=StatementType.CORRECTION_STATEMENT if correction else StatementType.STATEMENT,
        status=StatementStatus.ISSUED if issued else StatementStatus.DRAFT,
        period=QUARTER,
        terms_id=uuid.uuid4(),
        lines=LINES,
        net_ore=10_500,
        total_minutes=61,
        unique_citizens=2,
        unique_citizens_to_date=12,
        target_unique_citizens=None,
        corrects_statement_id=uuid.uuid4() if correction else None,
        corrects_statement_number="S-2026-000009" if correction else None,
        issue=issue if issued else None,
    )


def _draft_facts(vat: VatTerms | None = None) -> DocumentFacts:
    return DocumentFacts(True, None, None, None, SELLER, BUYER, vat, None)


@pytest.mark.parametrize(
    ("vat", "text"),
    [
        (VatTerms(VatCategory.STANDARD, rate_excludes_vat=True), "Moms 25\u00a0%"),
        (EXEMPT, "Momsfritaget: Momsloven § 13, stk. 1, nr. 3"),
        (
            VatTerms(VatCategory.OUTSIDE_SCOPE, rate_excludes_vat=True, exemption_reason="Tilskud uden modydelse"),
            "Uden for momsens anvendelsesområde: Tilskud uden modydelse",
        ),
        (None, "Moms ikke angivet i aftalen"),
    ],
)
def test_the_vat_category_is_stated_in_danish(vat: VatTerms | None, text: str) -> None:
    assert vat_text(vat) == text


def test_the_payment_means_are_stated_by_iban_or_registration_and_account() -> None:
    assert payment_text(PaymentMeans("58", iban="DK5000400440116243")) == "Bankoverførsel til IBAN DK5000400440116243"
    assert (
        payment_text(PaymentMeans("31", bank_registration="1234", bank_account="0001234567"))
        == "Bankoverførsel til reg.nr. 1234 kontonr. 0001234567"
    )
    assert payment_text(PaymentMeans("1")) == "Betalingsmåde 1 (UNCL4461)"
    assert payment_text(None) == "Betalingsmåde ikke angivet i aftalen"


def test_a_month_and_a_quarter_in_danish() -> None:
    october = StatementPeriod(StatementPeriodKind.MONTHLY, date(2026, 10, 1), date(2026, 10, 31))
    assert period_text(october) == "1. oktober 2026 – 31. oktober 2026 (oktober 2026)"
    assert period_text(QUARTER) == "1. oktober 2026 – 31. december 2026 (4. kvartal 2026)"


def test_a_correction_statement_of_a_quarter_with_exempt_vat() -> None:
    statement = _statement(correction=True)
    html = statement_html(statement, issued_facts(statement))
    for expected in (
        "<h1>Korrektion af medfinansieringsopgørelse</h1>",
        "Korrigerer opgørelse S-2026-000009",
        "<td>Opgørelsesnummer</td><td>S-2027-000003</td>",
        "(4. kvartal 2026)",
        "EAN-nr. 5798000000002<br>Personreference: Borgerservice",
        "<td>Momsfritaget: Momsloven § 13, stk. 1, nr. 3</td>",
        "Regulering af sats (allerede opgjort)",
        "Unikke borgere siden aftalens start: 12 (aftalen sætter intet mål)",
        "Korrektionen nedskriver opgørelse S-2026-000009",
    ):
        assert expected in html, expected
    assert "UDKAST" not in html
    plain = _statement()
    plain_html = statement_html(plain, issued_facts(plain))
    assert "<h1>Medfinansieringsopgørelse</h1>" in plain_html and "Korrigerer" not in plain_html
    assert "Betaling: Bankoverførsel til reg.nr. 1234 kontonr. 0001234567." in plain_html


def test_a_draft_is_marked_and_states_what_its_terms_leave_open() -> None:
    html = statement_html(_statement(issued=False), _draft_facts())
    assert "UDKAST – ikke udstedt, intet nummer endnu" in html
    assert "Moms ikke angivet i aftalen" in html
    assert "Betalingsmåde ikke angivet i aftalen" in html
    assert "S-2027" not in html


def test_the_csv_of_a_draft_is_exact_and_spreadsheet_safe() -> None:
    assert (
        statement_csv(_statement(issued=False), _draft_facts())
        == (
            "\ufeffOpgørelse;Linje;Borgerreference;Første arbejdsdato;Sidste arbejdsdato;Minutter;Sats (øre/time);"
            "Beløb (øre);Sen;Regulering\r\n"
            "UDKAST;1;Karin Kandidat (1979);2026-10-01;2026-12-02;61;10000;10167;nej;nej\r\n"
            "UDKAST;2;'@Ole (1990);2026-09-03;2026-09-03;0;10000;333;nej;ja\r\n"
        ).encode()
    )


def test_the_json_of_a_vat_inclusive_rate_splits_the_net_exactly() -> None:
    """Gross 10 500 øre incl. 25 % VAT: net 8 400, VAT 2 100, total 10 500; line nets 8 134 (10 167 × 8 400 /
    10 500 = 8 133.6 -> largest remainder) and 266 (266.4), summing to 8 400."""
    statement = _statement(vat=VatTerms(VatCategory.STANDARD, rate_excludes_vat=False))
    body = StatementJson.of(statement, issued_facts(statement)).model_dump(mode="json")
    assert [line["net_ore"] for line in body["lines"]] == [8_134, 266]
    assert body["totals"] == {
        "total_minutes": 61,
        "lines_ore": 10_500,
        "net_ore": 8_400,
        "vat_ore": 2_100,
        "total_ore": 10_500,
    }
    assert body["vat"]["rate_excludes_vat"] is False
    assert body["payment_means"] == {
        "code": "31",
        "iban": None,
        "bank_registration": "1234",
        "bank_account": "0001234567",
    }
    assert body["figures"]["target_unique_citizens"] is None
    html = statement_html(statement, issued_facts(statement))
    assert "Linjernes sum inkl. moms" in html and "Satsen er inkl. moms" in html


def test_the_json_of_a_draft_without_vat_leaves_the_totals_open() -> None:
    body = StatementJson.of(_statement(issued=False), _draft_facts()).model_dump(mode="json")
    assert (body["number"], body["status"], body["vat"], body["payment_means"]) == (None, "draft", None, None)
    assert body["totals"] == {
        "total_minutes": 61,
        "lines_ore": 10_500,
        "net_ore": None,
        "vat_ore": None,
        "total_ore": None,
    }
    assert [line["net_ore"] for line in body["lines"]] == [None, None]


def test_retries_back_off_to_five_minutes() -> None:
    assert [retry_seconds(n) for n in (0, 1, 2, 8, 9, 50)] == [1, 2, 4, 256, 300, 300]


def test_file_names_are_ascii_and_name_the_number() -> None:
    statement = _statement()
    assert filename(statement, issued_facts(statement), ".pdf") == "medfinansieringsopgoerelse-S-2027-000003.pdf"
    correction = _statement(correction=True)
    assert filename(correction, issued_facts(correction), ".xml") == "korrektion-S-2027-000003.xml"
    draft = replace(statement, status=StatementStatus.DRAFT, issue=None)
    assert filename(draft, _draft_facts(), ".csv") == f"udkast-medfinansieringsopgoerelse-{draft.statement_id}.csv"
    with pytest.raises(ValueError, match="draft"):
        issued_facts(draft)
