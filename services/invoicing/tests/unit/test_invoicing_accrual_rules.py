"""Accrual rules: the rate in force on the work date, billable and co-financing lines, and waiting for terms."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from invoicing.accruals.models import ApprovedEntry, Placement, TermsVersion, accrue, terms_in_force

MUNICIPALITY = uuid.UUID("00000000-0000-0000-0000-00000000a1b0")
OTHER_MUNICIPALITY = uuid.UUID("00000000-0000-0000-0000-00000000a1b1")
OLD = TermsVersion(uuid.uuid4(), MUNICIPALITY, date(2026, 1, 1), 10_000)
NEW = TermsVersion(uuid.uuid4(), MUNICIPALITY, date(2026, 11, 15), 12_500)


def _placement(*, eligible: bool = True, rate: int = 17_999) -> Placement:
    return Placement(
        placement_id=uuid.uuid4(),
        company_id=uuid.uuid4(),
        citizen_id=uuid.uuid4(),
        citizen_name="Anna Jensen",
        municipality_id=MUNICIPALITY,
        co_financing_eligible=eligible,
        bill_rate_ore_per_hour=rate,
        start_date=date(2026, 1, 1),
        end_date=None,
    )


def _entry(placement: Placement, work_date: date, minutes: int) -> ApprovedEntry:
    return ApprovedEntry(
        entry_id=uuid.uuid4(),
        placement_id=placement.placement_id,
        company_id=placement.company_id,
        work_date=work_date,
        minutes=minutes,
        approved_at=datetime(2026, 11, 30, 12, tzinfo=UTC),
    )


def test_the_day_a_new_rate_starts_uses_the_new_rate() -> None:
    assert terms_in_force([OLD, NEW], date(2026, 11, 15)) == NEW


def test_the_day_before_a_new_rate_starts_uses_the_old_rate() -> None:
    assert terms_in_force([NEW, OLD], date(2026, 11, 14)) == OLD


def test_no_terms_are_in_force_before_the_first_version() -> None:
    assert terms_in_force([OLD, NEW], date(2025, 12, 31)) is None


def test_the_latest_version_applies_long_after_it_started_whatever_the_input_order() -> None:
    future = TermsVersion(uuid.uuid4(), MUNICIPALITY, date(2027, 1, 1), 15_000)
    assert terms_in_force([future, OLD, NEW], date(2026, 12, 31)) == NEW
    assert terms_in_force([NEW, future, OLD], date(2027, 6, 1)) == future


def test_two_versions_from_the_same_day_resolve_to_the_one_recorded_last() -> None:
    first = TermsVersion(uuid.uuid4(), MUNICIPALITY, date(2026, 11, 15), 12_500, recorded_seq=1)
    correction = TermsVersion(uuid.uuid4(), MUNICIPALITY, date(2026, 11, 15), 13_000, recorded_seq=2)
    assert terms_in_force([correction, first], date(2026, 11, 20)) == correction


def test_eligible_entry_gets_billable_line_at_bill_rate_and_co_financing_at_rate_in_force() -> None:
    placement = _placement(rate=17_999)
    entry = _entry(placement, date(2026, 11, 14), 45)
    accrual = accrue(entry, placement, [OLD, NEW], bill_rates=[])
    assert accrual is not None
    assert (accrual.billable.rate_ore_per_hour, accrual.billable.amount_ore) == (17_999, 13_499)
    assert accrual.billable.company_id == placement.company_id
    assert accrual.billable.citizen_name == "Anna Jensen"
    assert accrual.co_financing is not None
    assert (accrual.co_financing.rate_ore_per_hour, accrual.co_financing.amount_ore) == (10_000, 7_500)
    assert accrual.co_financing.terms_id == OLD.terms_id
    assert accrual.co_financing.municipality_id == MUNICIPALITY


def test_entry_on_the_first_day_of_new_terms_is_co_financed_at_the_new_rate() -> None:
    placement = _placement()
    accrual = accrue(_entry(placement, date(2026, 11, 15), 90), placement, [OLD, NEW], bill_rates=[])
    assert accrual is not None and accrual.co_financing is not None
    assert (accrual.co_financing.rate_ore_per_hour, accrual.co_financing.amount_ore) == (12_500, 18_750)


def test_non_eligible_placement_accrues_a_billable_line_only_even_without_terms() -> None:
    placement = _placement(eligible=False, rate=20_000)
    accrual = accrue(_entry(placement, date(2026, 11, 20), 30), placement, [], bill_rates=[])
    assert accrual is not None
    assert accrual.billable.amount_ore == 10_000
    assert accrual.co_financing is None


def test_eligible_entry_waits_while_no_terms_of_its_municipality_are_in_force_on_its_work_date() -> None:
    placement = _placement()
    assert accrue(_entry(placement, date(2025, 12, 31), 60), placement, [OLD, NEW], bill_rates=[]) is None
    others = TermsVersion(uuid.uuid4(), OTHER_MUNICIPALITY, date(2020, 1, 1), 9_000)
    assert accrue(_entry(placement, date(2026, 11, 1), 60), placement, [others], bill_rates=[]) is None
