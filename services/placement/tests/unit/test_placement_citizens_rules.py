from __future__ import annotations

from datetime import date

import pytest

from placement.reference.models import TargetGroup, check_target_group
from vikar_shared.errors import DomainError

RETIRED = TargetGroup("matchgruppe_2", "Indsatsklar", date(2010, 1, 1), date(2013, 12, 31))


def test_target_group_is_valid_from_its_first_to_its_last_day_inclusive() -> None:
    assert not RETIRED.valid_on(date(2009, 12, 31))
    assert RETIRED.valid_on(date(2010, 1, 1))
    assert RETIRED.valid_on(date(2013, 12, 31))
    assert not RETIRED.valid_on(date(2014, 1, 1))


def test_open_ended_target_group_stays_valid() -> None:
    assert TargetGroup("jobparat", "Jobparat", date(2014, 1, 1), None).valid_on(date(2099, 1, 1))


@pytest.mark.parametrize(
    ("group", "on", "rule"),
    [(None, date(2026, 1, 1), "target-group-exists"), (RETIRED, date(2014, 1, 1), "target-group-valid-on-date")],
)
def test_referral_target_group_check_names_field_and_rule(group: TargetGroup | None, on: date, rule: str) -> None:
    with pytest.raises(DomainError) as err:
        check_target_group(group, "matchgruppe_2", on)
    assert (err.value.violations[0].field, err.value.violations[0].rule) == ("target_group_code", rule)
