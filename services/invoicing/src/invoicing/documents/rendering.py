"""The invoice PDF: Danish, every field of a full invoice (momsbekendtgørelsen § 58), from HTML and CSS
with WeasyPrint (Pango lays the text out: Debian's ``libpango-1.0-0``/``libpangoft2-1.0-0`` and a font such
as ``fonts-dejavu-core``, which ``deploy/local`` installs).

§ 58 fields and where they stand: issue date (*Fakturadato*), the unique sequential number
(*Fakturanummer*), seller's name, address and CVR (*Sælger*), buyer's name, address and CVR (*Køber*), what
was supplied and its quantity (a line per citizen and rate: *Ydelse*, *Medarbejder*, hours as ``t:mm``,
rate per hour), the period of supply (*Leveringsperiode*), the net amount at the one VAT rate, the VAT rate
and amount, the total, payment terms and due date. Amounts are integer øre shown as Danish kroner with
Babel (``vikar_shared.web.formatting.kroner``: ``1.234,56 kr.``), never through a float.

The citizen's name is on the lines (the company knows who worked: ``shared/docs/domain.md`` rule 7); an
invoice carries no CPR number: invoicing never has one. A credit note (the same table, the same number sequence)
renders with the same template: titled *Kreditnota*, with *Krediterer faktura <number>*, the credited
invoice's period of supply and positive lines; it is settled against that invoice (due at once, terms 0).
The output is deterministic (no creation timestamp), so the same invoice renders to the same bytes and the same
SHA-256.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from invoicing.ledger.models import Invoice, InvoiceLine
from invoicing.periods import BillingPeriod, Period
from vikar_shared.web.formatting import full_date, hours_minutes, kroner, month

_TEMPLATES = Path(__file__).resolve().parent / "templates"
_ENV = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(["html"]), auto_reload=False)


@dataclass(frozen=True, slots=True)
class RenderedLine:
    position: int
    what: str
    citizen: str
    hours: str
    rate: str
    amount: str


def period_text(period: Period) -> str:
    """``1. oktober 2026 – 31. oktober 2026 (oktober 2026)``; weeks ``(uge 49)``, fortnights ``(uge 47–48)``."""
    span = f"{full_date(period.start)} – {full_date(period.end)}"
    if period.kind is BillingPeriod.MONTHLY:
        return f"{span} ({month(period.start)})"
    first, last = period.start.isocalendar().week, period.end.isocalendar().week
    return f"{span} (uge {first})" if first == last else f"{span} (uge {first}–{last})"


def _what(line: InvoiceLine, *, credit_note: bool) -> str:
    days = full_date(line.first_work_date)
    if line.last_work_date != line.first_work_date:
        days = f"{days} – {full_date(line.last_work_date)}"
    if line.adjusts_entry_id is not None:
        what = "Nedsat timesats" if credit_note else "Efterregulering af timesats"
        return f"{what} for timer arbejdet {days} (allerede faktureret)"
    if credit_note:
        return f"Krediterede arbejdstimer, arbejdet {days}"
    if not line.late:
        return "Arbejdstimer"
    return f"Arbejdstimer fra en tidligere faktureret periode, arbejdet {days}"


def _percent(rate: int) -> str:
    return f"{rate}\N{NO-BREAK SPACE}%"


def invoice_html(invoice: Invoice) -> str:
    """The invoice as an HTML document (Danish); a credit note titled *Kreditnota*, naming the invoice it credits
    (*Krediterer faktura 2026-000123*) and stating positive amounts. Raises ValueError for a draft (no number, no
    parties)."""
    issue = invoice.issue
    if issue is None:
        raise ValueError(f"invoice {invoice.invoice_id} is a draft: only an issued invoice has a document")
    lines = [
        RenderedLine(
            position=line.position,
            what=_what(line, credit_note=invoice.is_credit_note),
            citizen=line.citizen_name,
            hours=hours_minutes(line.minutes),
            rate=kroner(line.rate_ore_per_hour),
            amount=kroner(line.amount_ore),
        )
        for line in invoice.lines
    ]
    days = issue.payment_terms_days
    credit_note = invoice.is_credit_note
    return _ENV.get_template("invoice.html").render(
        title="Kreditnota" if credit_note else "Faktura",
        credit_note=credit_note,
        credits_number=invoice.credits_invoice_number,
        number=issue.number,
        issue_date=full_date(issue.issue_date),
        due_date=full_date(issue.due_date),
        terms=f"Netto {days} dage fra fakturadato",
        terms_short=f"netto {days} dage",
        period=period_text(invoice.period),
        seller=issue.seller,
        buyer=issue.buyer,
        lines=lines,
        total_hours=hours_minutes(sum(line.minutes for line in invoice.lines)),
        net=kroner(invoice.net_ore),
        vat_rate=_percent(invoice.vat_rate_percent),
        vat=kroner(invoice.vat_ore),
        total=kroner(invoice.total_ore),
        currency=invoice.currency,
    )


@cache
def renderer_name() -> str:
    """``weasyprint <version>``: stored beside each document."""
    import weasyprint

    return f"weasyprint {weasyprint.__version__}"


def render_pdf(invoice: Invoice) -> bytes:
    """The invoice's PDF (bytes, deterministic). CPU-bound and blocking (tens to hundreds of ms): call it
    in a thread from async code. Raises ValueError for a draft."""
    import weasyprint  # imported here: only the worker renders, the API role never loads it

    html = invoice_html(invoice)
    pdf: bytes = weasyprint.HTML(string=html, base_url=str(_TEMPLATES)).write_pdf()
    return pdf
