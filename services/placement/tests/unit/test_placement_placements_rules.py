from __future__ import annotations

from datetime import date

import pytest

from placement.placements.models import check_can_activate, check_can_end, check_rate_date
from vikar_shared.errors import Category, DomainError

START = date(2026, 3, 1)


def test_only_a_planned_placement_can_be_activated() -> None:
    check_can_activate("planned")
    for status in ("active", "ended"):
        with pytest.raises(DomainError) as err:
            check_can_activate(status)
        assert err.value.category is Category.CONFLICT and err.value.code == "placement-not-planned"


def test_only_an_active_placement_can_end_and_not_before_it_started() -> None:
    check_can_end("active", START, START)
    for status in ("planned", "ended"):
        with pytest.raises(DomainError) as err:
            check_can_end(status, START, START)
        assert err.value.code == "placement-not-active"
    with pytest.raises(DomainError) as err:
        check_can_end("active", START, date(2026, 2, 28))
    assert (err.value.violations[0].field, err.value.violations[0].rule) == ("end_date", "after-start")


@pytest.mark.parametrize(
    ("effective_from", "end_date", "rule"),
    [
        (date(2026, 2, 28), None, "on-or-after-start"),
        (date(2026, 4, 1), date(2026, 3, 31), "on-or-before-end"),
    ],
)
def test_a_rate_version_must_fall_within_the_placement(effective_from: date, end_date: date | None, rule: str) -> None:
    with pytest.raises(DomainError) as err:
        check_rate_date(effective_from, START, end_date)
    assert (err.value.violations[0].field, err.value.violations[0].rule) == ("effective_from", rule)


def test_rate_versions_on_the_start_and_end_days_are_allowed() -> None:
    check_rate_date(START, START, date(2026, 3, 31))
    check_rate_date(date(2026, 3, 31), START, date(2026, 3, 31))
