"""Invoice documents, pure parts (issue 9): the CSV attachment's format and the period of supply in words."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date

from invoicing.documents.attachment import lines_csv
from invoicing.documents.models import EntryDetail
from invoicing.documents.rendering import period_text
from invoicing.periods import BillingPeriod, Period


def _entry(name: str, minutes: int = 60, amount: int = 17_999) -> EntryDetail:
    return EntryDetail(1, uuid.uuid4(), date(2026, 10, 5), uuid.uuid4(), name, minutes, 17_999, amount)


def test_csv_is_utf8_with_bom_semicolons_and_crlf() -> None:
    data = lines_csv([_entry('Åse Ærø; "Øster"')])
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert (
        text.split("\r\n")[0]
        == "Linje;Registrering;Arbejdsdato;Medarbejder-id;Medarbejder;Minutter;Sats (øre/time);Beløb (øre)"
    )
    [row] = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))[1:]
    assert row[4] == 'Åse Ærø; "Øster"'  # quoted, read back whole
    assert (row[5], row[6], row[7]) == ("60", "17999", "17999")


def test_a_name_a_spreadsheet_would_run_as_a_formula_is_kept_as_text() -> None:
    rows = list(
        csv.reader(
            io.StringIO(
                lines_csv([_entry("=HYPERLINK(1)"), _entry("@sum"), _entry("Bo", -30, -9_000)]).decode("utf-8-sig"),
                newline="",
            ),
            delimiter=";",
        )
    )[1:]
    assert [r[4] for r in rows] == ["'=HYPERLINK(1)", "'@sum", "Bo"]
    assert (rows[2][5], rows[2][7]) == ("-30", "-9000")  # numbers keep their sign


def test_the_period_of_supply_in_danish() -> None:
    assert period_text(Period(date(2026, 10, 1), date(2026, 10, 31), BillingPeriod.MONTHLY)) == (
        "1. oktober 2026 – 31. oktober 2026 (oktober 2026)"
    )
    assert period_text(Period(date(2026, 12, 28), date(2027, 1, 3), BillingPeriod.WEEKLY)) == (
        "28. december 2026 – 3. januar 2027 (uge 53)"
    )
    assert period_text(Period(date(2026, 11, 16), date(2026, 11, 29), BillingPeriod.FORTNIGHTLY)) == (
        "16. november 2026 – 29. november 2026 (uge 47–48)"
    )
