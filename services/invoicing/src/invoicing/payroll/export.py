"""A closed pay period's wage basis as the payroll system imports it: CSV and JSON, rendered from the stored rows
(deterministic: the same period downloads byte for byte the same). Employee numbers only: no names, no CPR.

CSV: UTF-8 with BOM, ``;``, CRLF, one row per pay line (employee × wage rate; adjustments also per adjusted
period), ordered by employee number, hours before adjustments, adjusted period, rate. Columns (:data:`CSV_HEADER`):
Medarbejdernummer, Lønperiode, Periode start, Periode slut, Linjetype (``Timer`` or ``Regulering``), Regulerer
periode, Timer, Timesats, Bruttoløn, Feriepengegrundlag.

``Timer`` = minutes / 60 with two decimals rounded half up, decimal comma (``75,00``); amounts in kroner with a
decimal comma (``9750,00``). The gross is authoritative: it is the sum of each entry's gross rounded once, so
``Timer × Timesats`` may differ from it by øre. ``Feriepengegrundlag`` = the row's gross (all pay of hourly paid
employees is holiday-entitled, ferieloven § 16, stk. 2)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from invoicing.documents.bookkeeping import kroner
from invoicing.money import divide_round_half_up
from invoicing.payroll.models import LineKind, PayLine
from vikar_shared.spreadsheet import danish_date, spreadsheet_text

CSV_HEADER = (
    "Medarbejdernummer",
    "Lønperiode",
    "Periode start",
    "Periode slut",
    "Linjetype",
    "Regulerer periode",
    "Timer",
    "Timesats",
    "Bruttoløn",
    "Feriepengegrundlag",
)
_KIND_TEXT = {LineKind.HOURS: "Timer", LineKind.ADJUSTMENT: "Regulering"}


def hours_text(minutes: int) -> str:
    """Minutes as hours with two decimals, half away from zero, decimal comma: 4 500 → ``75,00``, 7 → ``0,12``."""
    return kroner(divide_round_half_up(minutes * 100, 60))


def line_order(line: PayLine) -> tuple[int, bool, str, int, int]:
    return (
        line.employee_number,
        line.kind is LineKind.ADJUSTMENT,
        "" if line.adjusts_period_start is None else line.adjusts_period_start.isoformat(),
        line.rate_ore_per_hour,
        line.position,
    )


def wage_basis_csv(period: dict[str, Any], lines: list[PayLine]) -> bytes:
    """The CSV bytes of a closed period (``period``: its stored row with ``period_start``, ``period_end``,
    ``period_label``) and its lines."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for line in sorted(lines, key=line_order):
        adjusts = "" if line.adjusts_period_start is None else danish_date(line.adjusts_period_start)
        writer.writerow(
            (
                str(line.employee_number),
                spreadsheet_text(str(period["period_label"])),
                danish_date(period["period_start"]),
                danish_date(period["period_end"]),
                _KIND_TEXT[line.kind],
                adjusts,
                hours_text(line.minutes),
                kroner(line.rate_ore_per_hour),
                kroner(line.gross_ore),
                kroner(line.gross_ore),
            )
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def wage_basis_json(document: dict[str, Any]) -> bytes:
    """The JSON bytes of ``document`` (already JSON-safe), keys sorted: the same period is always the same
    bytes."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
