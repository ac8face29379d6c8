"""The invoice's (or credit note's) CSV attachment: every approved entry and every rate adjustment behind
each line, with the csv module.

Format (chosen for Danish Excel, which opens it with a double click): UTF-8 with a byte-order mark, ``;`` as
separator, CRLF line ends, a header row. Amounts stay integer øre and durations integer minutes (no
decimal comma to misread), as the document states them (a credit note's positive), so the ``Beløb (øre)``
column sums exactly to the document's net. Columns:

``Linje`` (the invoice line's number) ; ``Registrering`` (entry id; on an adjustment line the adjustment's id,
minutes 0 and the new rate, as the line's ``entry_ids`` and ``adjusts_entry_id`` state) ; ``Arbejdsdato`` (YYYY-MM-DD) ;
``Medarbejder-id`` ; ``Medarbejder`` (the citizen's name, never a CPR) ; ``Minutter`` ; ``Sats (øre/time)`` ;
``Beløb (øre)``.

A name that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with ``'`` so a
spreadsheet shows it as text and never runs it as a formula (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from invoicing.documents.models import EntryDetail
from vikar_shared.spreadsheet import spreadsheet_text

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
HEADER = (
    "Linje",
    "Registrering",
    "Arbejdsdato",
    "Medarbejder-id",
    "Medarbejder",
    "Minutter",
    "Sats (øre/time)",
    "Beløb (øre)",
)


def lines_csv(entries: Iterable[EntryDetail]) -> bytes:
    """The CSV (bytes: UTF-8 with BOM, ``;``, CRLF) of ``entries`` in the order given."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(HEADER)
    for e in entries:
        writer.writerow(
            (
                e.position,
                e.entry_id,
                e.work_date.isoformat(),
                e.citizen_id,
                spreadsheet_text(e.citizen_name),
                e.minutes,
                e.rate_ore_per_hour,
                e.amount_ore,
            )
        )
    return out.getvalue().encode("utf-8-sig")


def filename(number: str | None, invoice_id: object, suffix: str, *, credit_note: bool = False) -> str:
    """``faktura-2026-000123.pdf`` / ``faktura-2026-000123-linjer.csv`` (a credit note ``kreditnota-…``); a
    draft by its id."""
    kind = "kreditnota" if credit_note else "faktura"
    return f"{kind}-{number or invoice_id}{suffix}"
