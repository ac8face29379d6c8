"""The CPR export's file (issue 13): the newly employed citizens with the CPR number the payroll system needs
(eIndkomst), for finance only. The one place a CPR number leaves placement in clear; built by
``citizens.service.cpr_export`` after the download is audited. Pure: no I/O.

Format (for Danish Excel and payroll imports): UTF-8 with a byte-order mark, ``;`` as separator, CRLF line ends,
a header row, one row per employee by employee number:

``Medarbejdernummer`` ; ``Navn`` ; ``CPR-nummer`` (``DDMMYY-SSSS``: with the hyphen a spreadsheet keeps it as text,
so the leading zero of a birth day 01..09 is never dropped) ; ``Ansat fra`` (``dd-mm-yyyy``).

A name that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with ``'`` so a
spreadsheet shows it as text and never runs it as a formula (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date

from placement.citizens.models import NewEmployee
from vikar_shared.spreadsheet import danish_date, spreadsheet_text

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
HEADER = ("Medarbejdernummer", "Navn", "CPR-nummer", "Ansat fra")


def cpr_export_csv(rows: Iterable[NewEmployee]) -> bytes:
    """The CSV (bytes: UTF-8 with BOM, ``;``, CRLF) of ``rows`` in the order given (see the module)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(HEADER)
    for row in rows:
        digits = row.cpr.digits
        writer.writerow(
            (
                row.employee.employee_number,
                spreadsheet_text(row.employee.name),
                f"{digits[:6]}-{digits[6:]}",
                danish_date(row.employee.employed_from),
            )
        )
    return out.getvalue().encode("utf-8-sig")


def filename(first: date, last: date) -> str:
    """``nyansatte-2026-11-01-2026-11-30.csv``."""
    return f"nyansatte-{first.isoformat()}-{last.isoformat()}.csv"
