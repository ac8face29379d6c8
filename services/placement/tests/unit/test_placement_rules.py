from __future__ import annotations

import uuid
from datetime import date

import pytest
from pydantic import SecretStr

from placement.agreements.models import Terms, terms_in_force
from placement.citizens.models import is_eligible, parse_cpr
from placement.citizens.vault import CprVault
from placement.companies.models import parse_cvr
from placement.config import PlacementSettings
from vikar_shared.errors import DomainError


@pytest.mark.parametrize("raw", ["010190-1234", "0101901234", "290200-4000", " 311299-9999 "])
def test_valid_cpr_numbers_are_accepted(raw: str) -> None:
    assert len(parse_cpr(raw).digits) == 10


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("12345", "cpr-format"),
        ("010190-12345", "cpr-format"),
        ("abcdef-1234", "cpr-format"),
        ("320190-1234", "cpr-date"),
        ("011390-1234", "cpr-date"),
        ("290201-4000", "cpr-date"),
    ],
)
def test_invalid_cpr_numbers_name_field_and_rule(raw: str, rule: str) -> None:
    with pytest.raises(DomainError) as err:
        parse_cpr(raw)
    assert err.value.violations[0].field == "cpr"
    assert err.value.violations[0].rule == rule


def test_cpr_repr_never_shows_digits() -> None:
    cpr = parse_cpr("010190-1234")
    assert "0101" not in repr(cpr) and "1234" not in str(cpr)


def test_vault_round_trips_and_hashes_deterministically_without_clear_text() -> None:
    settings = PlacementSettings()
    vault = CprVault(settings.cpr_encryption_key, settings.cpr_hash_key)
    cpr = parse_cpr("010190-1234")
    sealed = vault.seal(cpr)
    assert b"0101901234" not in sealed
    assert vault.open(sealed) == cpr
    assert vault.seal(cpr) != sealed  # fresh nonce each time
    assert vault.lookup_hash(cpr) == vault.lookup_hash(parse_cpr("0101901234"))
    other = CprVault(settings.cpr_encryption_key, SecretStr("another-key"))
    assert other.lookup_hash(cpr) != vault.lookup_hash(cpr)


@pytest.mark.parametrize("cvr", ["12345674", "10150817"])
def test_cvr_with_valid_checksum_is_accepted(cvr: str) -> None:
    assert parse_cvr(cvr) == cvr


@pytest.mark.parametrize(
    ("cvr", "rule"),
    [("12345678", "cvr-checksum"), ("02345678", "cvr-format"), ("1234567", "cvr-format"), ("1234567a", "cvr-format")],
)
def test_invalid_cvr_is_rejected(cvr: str, rule: str) -> None:
    with pytest.raises(DomainError) as err:
        parse_cvr(cvr)
    assert err.value.violations[0].rule == rule


def test_terms_in_force_picks_latest_version_on_or_before_the_day() -> None:
    m = uuid.uuid4()
    project = Terms(uuid.uuid4(), m, date(2024, 1, 1), 5000, 52)
    after = Terms(uuid.uuid4(), m, date(2026, 1, 1), 6500, 26)
    assert terms_in_force([after, project], date(2023, 12, 31)) is None
    assert terms_in_force([after, project], date(2025, 12, 31)) == project
    assert terms_in_force([after, project], date(2026, 1, 1)) == after


def test_eligibility_threshold_is_inclusive() -> None:
    assert is_eligible(52, 52) and not is_eligible(51, 52) and is_eligible(26, 26)
