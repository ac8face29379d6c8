"""The statement as CSV: one row per statement line, with the csv module, in the format of the invoice's CSV
(:mod:`invoicing.documents.attachment`: UTF-8 with a byte-order mark, ``;``, CRLF, a header row; integer øre
and minutes, so the ``Beløb (øre)`` column sums exactly to the statement's lines).

Columns: ``Opgørelse`` (the number; ``UDKAST`` for a draft) ; ``Linje`` ; ``Borgerreference`` (the agreement's
choice: case number, or name and birth year; never a CPR number; a text starting like a spreadsheet formula is
prefixed with ``'``: :func:`invoicing.documents.attachment.spreadsheet_text`) ; ``Første arbejdsdato`` and
``Sidste arbejdsdato`` (YYYY-MM-DD) ; ``Minutter`` ; ``Sats (øre/time)`` ; ``Beløb (øre)`` (a correction
statement's positive, as it states them) ; ``Sen`` and ``Regulering`` (``ja``/``nej``: hours of an earlier
period approved late; a retroactive rate change's difference)."""

from __future__ import annotations

import csv
import io

from invoicing.documents.attachment import CSV_MEDIA_TYPE
from invoicing.statement_documents.models import DocumentFacts
from invoicing.statements.models import Statement
from vikar_shared.spreadsheet import spreadsheet_text

__all__ = ["CSV_MEDIA_TYPE", "HEADER", "statement_csv"]

HEADER = (
    "Opgørelse",
    "Linje",
    "Borgerreference",
    "Første arbejdsdato",
    "Sidste arbejdsdato",
    "Minutter",
    "Sats (øre/time)",
    "Beløb (øre)",
    "Sen",
    "Regulering",
)


def _yes(flag: bool) -> str:
    return "ja" if flag else "nej"


def statement_csv(statement: Statement, facts: DocumentFacts) -> bytes:
    """The CSV (bytes: UTF-8 with BOM, ``;``, CRLF) of the statement's lines in position order."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(HEADER)
    number = facts.number or "UDKAST"
    for line in statement.lines:
        writer.writerow(
            (
                number,
                line.position,
                spreadsheet_text(line.citizen_reference),
                line.first_work_date.isoformat(),
                line.last_work_date.isoformat(),
                line.minutes,
                line.rate_ore_per_hour,
                line.amount_ore,
                _yes(line.late),
                _yes(line.adjustment),
            )
        )
    return out.getvalue().encode("utf-8-sig")
