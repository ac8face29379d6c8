"""The bookkeeping export: a period's issued invoices and credit notes as Danish bookkeeping systems (e-conomic,
Dinero, Billy) import them, with the csv module.

One row per document and VAT rate (a document of ours has one VAT rate, so one row each), by number. Format:
UTF-8 with a byte-order mark, ``;`` as separator, CRLF line ends, a header row; amounts in kroner with a
decimal comma and two decimals, no thousands separator (``1234,56``), computed from integer øre by integer
arithmetic; dates ``dd-mm-yyyy``. Columns:

``Bilagsnummer`` (our number) ; ``Dato`` (issue date) ; ``Type`` (``Faktura`` / ``Kreditnota``) ; ``Kunde`` (the
buyer's name as the document states it) ; ``CVR`` ; ``Netto`` ; ``Momssats`` (percent, e.g. ``25``) ; ``Moms`` ;
``Total`` ; ``Forfaldsdato`` ; ``Valuta`` ; ``Krediterer`` (a credit note: the number of the invoice it credits).

Sign rule: an invoice's amounts are positive, a credit note's negative (it reverses revenue and VAT), so the
``Netto``, ``Moms`` and ``Total`` columns each sum to the period's net revenue, VAT and total. The rate is
never negative. A customer name that starts like a formula is prefixed with ``'`` (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date

from invoicing.documents.models import BookkeepingDocument
from vikar_shared.spreadsheet import danish_date, spreadsheet_text

HEADER = (
    "Bilagsnummer",
    "Dato",
    "Type",
    "Kunde",
    "CVR",
    "Netto",
    "Momssats",
    "Moms",
    "Total",
    "Forfaldsdato",
    "Valuta",
    "Krediterer",
)


def kroner(ore: int) -> str:
    """Integer øre as kroner with a decimal comma and two decimals, no thousands separator: ``-123456`` is
    ``-1234,56``. Integer arithmetic only."""
    whole, part = divmod(abs(ore), 100)
    return f"{'-' if ore < 0 else ''}{whole},{part:02d}"


def bookkeeping_csv(documents: Iterable[BookkeepingDocument]) -> bytes:
    """The CSV (bytes: UTF-8 with BOM, ``;``, CRLF) of ``documents`` in the order given (see the module)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(HEADER)
    for d in documents:
        sign = -1 if d.is_credit_note else 1
        writer.writerow(
            (
                d.number,
                danish_date(d.issue_date),
                "Kreditnota" if d.is_credit_note else "Faktura",
                spreadsheet_text(d.buyer_name),
                d.buyer_cvr,
                kroner(sign * d.net_ore),
                d.vat_rate_percent,
                kroner(sign * d.vat_ore),
                kroner(sign * d.total_ore),
                danish_date(d.due_date),
                d.currency,
                d.credits_number or "",
            )
        )
    return out.getvalue().encode("utf-8-sig")


def one_year_after(day: date) -> date:
    """The same day a year later (29 February: 1 March)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return date(day.year + 1, 3, 1)
