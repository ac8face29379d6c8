"""The economics as CSV for Danish spreadsheets, with the csv module (pure).

Format as the bookkeeping export: UTF-8 with a byte-order mark, ``;`` as separator, CRLF line ends, a header
row; amounts in kroner with a decimal comma and two decimals (``documents.bookkeeping.kroner``); the margin
percentage with two decimals (``50,50``; empty when there is no revenue). One row per placement, then a totals
row (``I alt``). Names that start like a formula are prefixed with ``'`` (``documents.attachment.spreadsheet_text``).
No personal data beyond the employee number. Columns:

``Måned`` (YYYY-MM) ; ``Placering`` (placement id) ; ``Virksomhed`` ; ``Kommune`` ; ``Medarbejdernummer`` ;
``Minutter`` ; ``Omsætning virksomhed`` ; ``Medfinansiering`` ; ``Bruttoløn`` ; ``Feriegodtgørelse`` ;
``Arbejdsgiveromkostninger`` ; ``Lønomkostning`` ; ``Dækningsbidrag`` ; ``Dækningsgrad %``.
"""

from __future__ import annotations

import csv
import io

from invoicing.documents.bookkeeping import kroner
from invoicing.economics.models import Economics, Figures
from vikar_shared.spreadsheet import spreadsheet_text

HEADER = (
    "Måned",
    "Placering",
    "Virksomhed",
    "Kommune",
    "Medarbejdernummer",
    "Minutter",
    "Omsætning virksomhed",
    "Medfinansiering",
    "Bruttoløn",
    "Feriegodtgørelse",
    "Arbejdsgiveromkostninger",
    "Lønomkostning",
    "Dækningsbidrag",
    "Dækningsgrad %",
)
TOTAL_LABEL = "I alt"


def percent(basis_points: int | None) -> str:
    """Basis points as a percentage with a decimal comma and two decimals (``5050`` is ``50,50``); ``None``: empty."""
    return "" if basis_points is None else kroner(basis_points)


def _money(f: Figures) -> tuple[str, ...]:
    return (
        str(f.minutes),
        kroner(f.revenue_company_ore),
        kroner(f.revenue_municipality_ore),
        kroner(f.wage_gross_ore),
        kroner(f.holiday_allowance_ore),
        kroner(f.on_cost_ore),
        kroner(f.wage_cost_ore),
        kroner(f.margin_ore),
        percent(f.margin_basis_points),
    )


def economics_csv(economics: Economics) -> bytes:
    """The CSV (bytes: UTF-8 with BOM, ``;``, CRLF) of the month's placements and the agency's totals."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(HEADER)
    month = str(economics.month)
    for row in economics.placements:
        f = row.facts
        writer.writerow(
            (
                month,
                f.placement_id,
                spreadsheet_text(f.company_name or ""),
                spreadsheet_text(f.municipality_name or ""),
                "" if f.employee_number is None else f.employee_number,
                *_money(row.figures),
            )
        )
    writer.writerow((month, TOTAL_LABEL, "", "", "", *_money(economics.totals)))
    return out.getvalue().encode("utf-8-sig")


def filename(economics: Economics) -> str:
    """``daekningsbidrag-2026-11.csv``."""
    return f"daekningsbidrag-{economics.month}.csv"
