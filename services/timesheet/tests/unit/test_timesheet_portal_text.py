"""The portal's form fields obey the shared rules: text the database cannot store, months in range."""

from __future__ import annotations

from datetime import date

from pydantic import TypeAdapter

from timesheet.entries.schemas import Reason
from timesheet.portal.models import ReasonProblem, clean_reason, parse_month, reason_problem


def test_a_reason_may_span_lines_but_holds_no_other_control_character() -> None:
    assert reason_problem("Syg den dag.\r\nRet venligst.") is None
    assert reason_problem("Syg\x1bden dag") is ReasonProblem.INVALID_CHARACTER
    assert reason_problem("Syg\ud800 dag") is ReasonProblem.INVALID_CHARACTER


def test_a_reason_is_kept_as_the_api_keeps_it_nfc_trimmed_with_lf_line_ends() -> None:
    typed = "  Syg den dag.\r\nCafe\u0301en var lukket.\rRet venligst.  "

    kept = clean_reason(typed)

    assert kept == "Syg den dag.\nCaf\u00e9en var lukket.\nRet venligst."
    assert kept == TypeAdapter(Reason).validate_python(typed)


def test_the_history_month_is_the_shared_month_of_2000_to_2100() -> None:
    assert parse_month("2100-12") == date(2100, 12, 1)
    assert parse_month("２０２６-１１") == date(2026, 11, 1)
    assert [parse_month(raw) for raw in ("2101-01", "9999-12", "1999-12", "2026-1\x001")] == [None] * 4
