"""The fuzz test's own checks catch what they promise and nothing plausible (no server needed)."""

from __future__ import annotations

import pytest

from fuzz.checks import implausible
from fuzz.edges import DATES, INTEGERS, MONTHS, TEXTS, WEEKS, _body_slots, _choices


@pytest.mark.parametrize(
    "value",
    ["9999-12-31", "0001-01-01", "1999-12-31T23:00:00Z", "2101-01", "9999-W52", "10000-01-01", "+12026-01-01"],
)
def test_a_year_outside_2000_to_2100_is_implausible(value: str) -> None:
    assert [f for f in implausible({"d": value}) if "year outside" in f]


@pytest.mark.parametrize(
    "value", ["", " ", "\u00a0\t ", "a\x00b", "Ib\x1b[31m", "x\x85", "tab\there", "\u200b", "\ufeff", "ab\u202ecd"]
)
def test_blank_text_and_control_characters_are_implausible(value: str) -> None:
    assert list(implausible({"items": [{"name": value}]}))


@pytest.mark.parametrize(
    "value",
    [
        "2000-01-01",
        "2100-12-31",
        "2026-11-30T09:00:00+00:00",
        "2026-11",
        "2026-W47",
        "Mette Jensen",
        "Line 1\nLine 2\r\n",
    ],
)
def test_plausible_values_pass(value: str) -> None:
    assert list(implausible({"v": value, "n": 12, "none": None, "ok": True})) == []


def test_the_finding_names_where_it_is() -> None:
    assert list(implausible({"terms": [{"effective_from": "0001-01-01"}]})) == [
        "$.terms[0].effective_from = '0001-01-01': a year outside 2000-2100"
    ]


def test_edge_values_follow_the_shape_of_what_they_replace() -> None:
    assert _choices("offset", None, "integer") == INTEGERS
    assert _choices("month", "x") == MONTHS
    assert _choices("week", None, "string") == WEEKS
    assert _choices("end_date", "2026-01-01") == DATES
    assert _choices("name", "Ib") == TEXTS
    assert _choices("all_pending", True) == []
    body = {"entries": [{"work_date": "2026-10-05", "minutes": 60}], "note": "x"}
    assert sorted(str(key) for _, key, _ in _body_slots(body)) == ["minutes", "note", "work_date"]
