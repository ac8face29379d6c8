from datetime import date

import pytest

from notifications.emails.formatting import format_date, format_minutes


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (0, "0:00"),
        (5, "0:05"),
        (59, "0:59"),
        (60, "1:00"),
        (135, "2:15"),
        (600, "10:00"),
        (1439, "23:59"),
        (-65, "-1:05"),
    ],
)
def test_minutes_are_formatted_as_hours_and_zero_padded_minutes(minutes: int, expected: str) -> None:
    assert format_minutes(minutes) == expected


def test_dates_are_written_in_danish_with_weekday() -> None:
    assert format_date(date(2026, 1, 12)) == "mandag 12. januar 2026"
    assert format_date(date(2026, 3, 1)) == "søndag 1. marts 2026"
    assert format_date(date(2026, 5, 16)) == "lørdag 16. maj 2026"
