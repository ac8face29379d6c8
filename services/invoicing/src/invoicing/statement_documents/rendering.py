"""The statement PDF: Danish, from HTML and CSS with WeasyPrint, like the invoice PDF
(:mod:`invoicing.documents.rendering`, whose renderer name it shares; the same fonts and system libraries).

What it states: the title *Medfinansieringsopgørelse* (a correction statement *Korrektion af
medfinansieringsopgørelse*, with *Korrigerer opgørelse <number>*), number, issue and due date, the agency
(name, address, CVR) and the municipality (name, address, EAN, personreference), the period (a month or a
quarter), one row per line (citizen reference, never a CPR number; work dates; hours ``t:mm``; rate per hour;
amount; late and adjustment lines marked), the totals (net, VAT with its category text, total), the figures
(unique citizens in the period; unique citizens since the agreement started against its target) and the
payment means. Amounts are integer øre as Danish kroner (``vikar_shared.web.formatting.kroner``), never a float.

A draft renders too, marked *UDKAST* on every page and without a number (its parties, VAT and payment means
from its terms: :class:`invoicing.statement_documents.models.DocumentFacts`). The output is deterministic: the
same statement renders to the same bytes and SHA-256.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from invoicing.documents.rendering import renderer_name
from invoicing.statement_documents.models import DocumentFacts, payment_text, totals, vat_text
from invoicing.statements.models import Statement, StatementLine, StatementPeriod, StatementPeriodKind, VatCategory
from vikar_shared.web.formatting import full_date, hours_minutes, kroner, month

__all__ = ["period_text", "render_pdf", "renderer_name", "statement_html", "work_dates"]

_TEMPLATES = Path(__file__).resolve().parent / "templates"
_ENV = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(["html"]), auto_reload=False)


@dataclass(frozen=True, slots=True)
class RenderedLine:
    position: int
    reference: str
    dates: str
    hours: str
    rate: str
    amount: str
    note: str


def period_text(period: StatementPeriod) -> str:
    """``1. oktober 2026 – 31. oktober 2026 (oktober 2026)``; a quarter ``… (4. kvartal 2026)``."""
    span = f"{full_date(period.start)} – {full_date(period.end)}"
    if period.kind is StatementPeriodKind.MONTHLY:
        return f"{span} ({month(period.start)})"
    return f"{span} ({(period.start.month - 1) // 3 + 1}. kvartal {period.start.year})"


def work_dates(line: StatementLine) -> str:
    """``5. oktober 2026`` or ``5. oktober 2026 – 30. oktober 2026``."""
    first = full_date(line.first_work_date)
    return first if line.last_work_date == line.first_work_date else f"{first} – {full_date(line.last_work_date)}"


def _note(line: StatementLine) -> str:
    if line.adjustment:
        return "Regulering af sats (allerede opgjort)"
    if line.late:
        return "Sen godkendelse fra en tidligere periode"
    return ""


def statement_html(statement: Statement, facts: DocumentFacts) -> str:
    """The statement as an HTML document (Danish); a draft marked *UDKAST*."""
    correction = statement.is_correction
    title = "Korrektion af medfinansieringsopgørelse" if correction else "Medfinansieringsopgørelse"
    lines = [
        RenderedLine(
            position=line.position,
            reference=line.citizen_reference,
            dates=work_dates(line),
            hours=hours_minutes(line.minutes),
            rate=kroner(line.rate_ore_per_hour),
            amount=kroner(line.amount_ore),
            note=_note(line),
        )
        for line in statement.lines
    ]
    sums = totals(statement, facts)
    vat = facts.vat
    includes_vat = vat is not None and vat.category is VatCategory.STANDARD and not vat.rate_excludes_vat
    target = statement.target_unique_citizens
    return _ENV.get_template("statement.html").render(
        title=title,
        draft=facts.draft,
        correction=correction,
        corrects_number=statement.corrects_statement_number,
        number=facts.number,
        issue_date=full_date(facts.issue_date) if facts.issue_date else None,
        due_date=full_date(facts.due_date) if facts.due_date else None,
        period=period_text(statement.period),
        seller=facts.seller,
        buyer=facts.buyer,
        lines=lines,
        total_hours=hours_minutes(statement.total_minutes),
        lines_sum=kroner(sum(line.amount_ore for line in statement.lines)),
        includes_vat=includes_vat,
        net=kroner(sums.net_ore) if sums else None,
        vat_text=vat_text(vat),
        vat=kroner(sums.vat_ore) if sums else None,
        total=kroner(sums.total_ore) if sums else None,
        currency=statement.currency,
        unique_citizens=statement.unique_citizens,
        unique_citizens_to_date=statement.unique_citizens_to_date,
        target=f"mod målet {target}" if target is not None else "(aftalen sætter intet mål)",
        payment=payment_text(facts.payment_means),
    )


def render_pdf(statement: Statement, facts: DocumentFacts) -> bytes:
    """The statement's PDF (bytes, deterministic). CPU-bound and blocking (tens to hundreds of ms): call it in a
    thread from async code."""
    import weasyprint  # imported here: only who renders loads it

    pdf: bytes = weasyprint.HTML(string=statement_html(statement, facts), base_url=str(_TEMPLATES)).write_pdf()
    return pdf
