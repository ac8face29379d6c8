"""Bill rate versions (the one in force on the work date, else the creation rate) and correction entries."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from invoicing.accruals.models import (
    ApprovedEntry,
    BillRateVersion,
    Placement,
    TermsVersion,
    accrue,
    bill_rate_in_force,
)

MUNICIPALITY = uuid.UUID("00000000-0000-0000-0000-00000000a1b0")
TERMS = TermsVersion(uuid.uuid4(), MUNICIPALITY, date(2026, 1, 1), 10_000)
FROM_15TH = BillRateVersion(date(2026, 11, 15), 19_999, position=0)
FROM_NEW_YEAR = BillRateVersion(date(2027, 1, 1), 21_000, position=1)
PLACEMENT = Placement(
    placement_id=uuid.uuid4(),
    company_id=uuid.uuid4(),
    citizen_id=uuid.uuid4(),
    citizen_name="Anna Jensen",
    municipality_id=MUNICIPALITY,
    co_financing_eligible=True,
    bill_rate_ore_per_hour=17_999,
    start_date=date(2026, 1, 1),
    end_date=None,
)


def _entry(work_date: date, minutes: int, corrects: uuid.UUID | None = None) -> ApprovedEntry:
    return ApprovedEntry(
        entry_id=uuid.uuid4(),
        placement_id=PLACEMENT.placement_id,
        company_id=PLACEMENT.company_id,
        work_date=work_date,
        minutes=minutes,
        approved_at=datetime(2026, 11, 30, 12, tzinfo=UTC),
        corrects_entry_id=corrects,
    )


def test_before_the_first_version_the_creation_rate_applies() -> None:
    assert bill_rate_in_force(PLACEMENT, [FROM_NEW_YEAR, FROM_15TH], date(2026, 11, 14)) == 17_999


def test_without_versions_the_creation_rate_applies() -> None:
    assert bill_rate_in_force(PLACEMENT, [], date(2026, 11, 20)) == 17_999


def test_the_day_a_version_starts_and_after_use_it_whatever_the_input_order() -> None:
    assert bill_rate_in_force(PLACEMENT, [FROM_NEW_YEAR, FROM_15TH], date(2026, 11, 15)) == 19_999
    assert bill_rate_in_force(PLACEMENT, [FROM_NEW_YEAR, FROM_15TH], date(2026, 12, 31)) == 19_999
    assert bill_rate_in_force(PLACEMENT, [FROM_15TH, FROM_NEW_YEAR], date(2027, 1, 1)) == 21_000


def test_two_versions_from_the_same_day_resolve_to_the_one_listed_last() -> None:
    first = BillRateVersion(date(2026, 11, 15), 19_999, position=0)
    second = BillRateVersion(date(2026, 11, 15), 20_500, position=1)
    assert bill_rate_in_force(PLACEMENT, [second, first], date(2026, 11, 20)) == 20_500


def test_billable_line_uses_the_version_in_force_on_the_work_date() -> None:
    day_before = accrue(_entry(date(2026, 11, 14), 45), PLACEMENT, [TERMS], bill_rates=[FROM_15TH])
    first_day = accrue(_entry(date(2026, 11, 15), 90), PLACEMENT, [TERMS], bill_rates=[FROM_15TH])
    assert day_before is not None and first_day is not None
    assert (day_before.billable.rate_ore_per_hour, day_before.billable.amount_ore) == (17_999, 13_499)
    assert (first_day.billable.rate_ore_per_hour, first_day.billable.amount_ore) == (19_999, 29_999)


def test_bill_rate_versions_do_not_touch_the_co_financing_rate() -> None:
    accrual = accrue(_entry(date(2026, 11, 15), 90), PLACEMENT, [TERMS], bill_rates=[FROM_15TH])
    assert accrual is not None and accrual.co_financing is not None
    assert (accrual.co_financing.rate_ore_per_hour, accrual.co_financing.amount_ore) == (10_000, 15_000)


def test_negative_correction_gives_negative_lines_rounded_half_away_from_zero() -> None:
    original = uuid.uuid4()
    accrual = accrue(_entry(date(2026, 11, 14), -90, corrects=original), PLACEMENT, [TERMS], bill_rates=[FROM_15TH])
    assert accrual is not None and accrual.co_financing is not None
    # -90 min at 17 999 øre/h = -26 998.5 → -26 999, the mirror of +90 → 26 999.
    assert (accrual.billable.minutes, accrual.billable.amount_ore) == (-90, -26_999)
    assert (accrual.co_financing.minutes, accrual.co_financing.amount_ore) == (-90, -15_000)
    assert accrual.billable.corrects_entry_id == original
    assert accrual.co_financing.corrects_entry_id == original


def test_only_a_correction_may_have_negative_minutes() -> None:
    assert _entry(date(2026, 11, 14), -30, corrects=uuid.uuid4()).minutes_make_sense
    assert _entry(date(2026, 11, 14), 30, corrects=uuid.uuid4()).minutes_make_sense
    assert _entry(date(2026, 11, 14), 0).minutes_make_sense
    assert not _entry(date(2026, 11, 14), -30).minutes_make_sense


def test_an_approval_naming_another_corrected_entry_is_not_the_same_facts() -> None:
    entry = _entry(date(2026, 11, 14), -30, corrects=uuid.uuid4())
    other = ApprovedEntry(
        entry_id=entry.entry_id,
        placement_id=entry.placement_id,
        company_id=entry.company_id,
        work_date=entry.work_date,
        minutes=entry.minutes,
        approved_at=entry.approved_at,
        corrects_entry_id=uuid.uuid4(),
    )
    assert entry.same_facts_as(entry)
    assert not entry.same_facts_as(other)
