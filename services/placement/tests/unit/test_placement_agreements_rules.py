from __future__ import annotations

import pytest

from placement.reference.models import gs1_check_digit, parse_gln
from vikar_shared.errors import DomainError


@pytest.mark.parametrize("gln", ["4006381333931", "5901234123457", "5798000416604", "5790000000005"])
def test_ean_with_a_valid_gs1_check_digit_is_accepted(gln: str) -> None:
    assert parse_gln(gln) == gln


def test_ean_may_be_written_with_spaces() -> None:
    assert parse_gln("5798 0004 1660 4") == "5798000416604"


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("5798000416605", "ean-check-digit"),
        ("4006381333932", "ean-check-digit"),
        ("579800041660", "ean-format"),
        ("57980004166044", "ean-format"),
        ("57980004166O4", "ean-format"),
    ],
)
def test_invalid_ean_names_field_and_rule(raw: str, rule: str) -> None:
    with pytest.raises(DomainError) as err:
        parse_gln(raw, "ean")
    assert (err.value.violations[0].field, err.value.violations[0].rule) == ("ean", rule)


def test_gs1_check_digit_weights_three_from_the_right() -> None:
    # 5·1+7·3+9·1+0·3+1·1+2·3+3·1+4·3+1·1+2·3+3·1+4·3 = 83 → 10 - 3 = 7
    assert gs1_check_digit("590123412345") == 7
    # A body whose weighted sum is a multiple of ten has check digit 0, not 10.
    assert gs1_check_digit("000000000000") == 0
