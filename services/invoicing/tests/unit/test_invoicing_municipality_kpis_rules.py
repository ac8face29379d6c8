"""Pure rules of a municipality's progress figures (issue 12): the per mille rounding, the months listed and the
assembly of the aggregated rows (cumulative citizens from the very start, every end reason present)."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from invoicing.municipality_kpis.models import (
    END_REASONS,
    MAX_MONTHS,
    CitizenMonthRow,
    PlacementMonthRow,
    Retention,
    TermsFacts,
    listed_months,
    municipality_kpis,
)

AALBORG = uuid.UUID("00000000-0000-4000-8000-0000000000a1")


@pytest.mark.parametrize(
    ("in_work", "measured", "permille"),
    [
        (0, 3, 0),
        (1, 3, 333),  # 333.33… down
        (2, 3, 667),  # 666.67… up
        (1, 8, 125),  # exactly 125
        (1, 16, 63),  # 62.5 half up
        (1, 2000, 1),  # 0.5 half up
        (1, 2001, 0),  # 0.49… down
        (7, 7, 1000),
    ],
)
def test_share_permille_rounds_half_up(in_work: int, measured: int, permille: int) -> None:
    assert Retention(days=30, measured=measured, in_work=in_work).share_permille == permille


def test_nobody_measured_has_no_share() -> None:
    assert Retention(days=90, measured=0, in_work=0).share_permille is None


def test_months_run_from_the_first_through_as_of_across_a_new_year() -> None:
    assert listed_months(date(2025, 11, 17), date(2026, 2, 1)) == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]
    assert listed_months(date(2026, 12, 1), date(2026, 11, 30)) == []


def test_at_most_max_months_are_listed_the_newest() -> None:
    months = listed_months(date(2015, 1, 1), date(2026, 11, 30))
    assert len(months) == MAX_MONTHS == 60
    assert (months[0], months[-1]) == (date(2021, 12, 1), date(2026, 11, 1))


def test_the_cumulative_count_includes_months_left_off() -> None:
    terms = TermsFacts(name="Aalborg Kommune", target=40, first_effective=date(2015, 1, 1))
    citizens = [
        CitizenMonthRow(month=date(2016, 3, 1), minutes=600, new_citizens=4),  # before the listed months
        CitizenMonthRow(month=date(2026, 10, 1), minutes=90, new_citizens=1),
    ]
    placements = [
        PlacementMonthRow(month=date(2026, 10, 1), ended=False, end_reason=None, placements=2),
        PlacementMonthRow(month=date(2026, 11, 1), ended=True, end_reason="education", placements=1),
        PlacementMonthRow(month=date(2026, 11, 1), ended=True, end_reason="a_newer_reason", placements=1),
    ]
    kpis = municipality_kpis(AALBORG, date(2026, 11, 30), terms, citizens, placements, [])
    assert len(kpis.months) == 60
    assert [(m.month, m.unique_citizens_cumulative, m.new_citizens) for m in kpis.months[-3:]] == [
        ("2026-09", 4, 0),
        ("2026-10", 5, 1),
        ("2026-11", 5, 0),
    ]
    assert (kpis.unique_citizens, kpis.co_financed_minutes, kpis.target_unique_citizens) == (5, 690, 40)
    assert kpis.agreement_from == date(2015, 1, 1), "the first terms version's effective_from"
    assert (kpis.placements_started, kpis.placements_ended) == (2, 2)
    november = kpis.months[-1]
    assert list(november.end_reasons) == [*END_REASONS, "a_newer_reason"]
    assert (november.placements_ended, november.end_reasons["education"]) == (2, 1)
    assert kpis.end_reasons == {**dict.fromkeys(END_REASONS, 0), "education": 1, "a_newer_reason": 1}
    assert all(list(m.end_reasons) == list(END_REASONS) for m in kpis.months[:-1])


def test_data_before_the_agreement_starts_the_months_earlier() -> None:
    terms = TermsFacts(name="Aalborg Kommune", target=None, first_effective=date(2026, 10, 1))
    started = [PlacementMonthRow(month=date(2026, 8, 1), ended=False, end_reason=None, placements=1)]
    kpis = municipality_kpis(AALBORG, date(2026, 10, 3), terms, [], started, [])
    assert [m.month for m in kpis.months] == ["2026-08", "2026-09", "2026-10"]
    assert kpis.target_unique_citizens is None
    assert kpis.agreement_from == date(2026, 10, 1)
