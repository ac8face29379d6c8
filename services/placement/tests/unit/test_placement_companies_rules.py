from __future__ import annotations

import pytest

from placement.companies.models import parse_postcode
from vikar_shared.errors import DomainError


@pytest.mark.parametrize("postcode", ["9000", "0800", "1050"])
def test_four_digit_postcodes_are_accepted(postcode: str) -> None:
    assert parse_postcode(postcode) == postcode


@pytest.mark.parametrize("postcode", ["900", "90000", "DK-9000", "90a0", ""])
def test_other_postcodes_are_rejected_naming_field_and_rule(postcode: str) -> None:
    with pytest.raises(DomainError) as err:
        parse_postcode(postcode)
    assert (err.value.violations[0].field, err.value.violations[0].rule) == ("address.postcode", "postcode-format")
