"""The pay close's pure rules with exact øre: gross per entry, lines per rate, holiday allowance rounding, ATP
bands at their boundaries, adjustments of closed periods with their ATP change, blocked employees, CSV rows."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from invoicing.payroll.export import hours_text, wage_basis_csv
from invoicing.payroll.models import (
    AtpBand,
    LineKind,
    PayItem,
    Unapproved,
    atp_band,
    holiday_allowance,
    plan_pay_period,
)
from invoicing.periods import BillingPeriod, Period

M = BillingPeriod.MONTHLY
W = BillingPeriod.WEEKLY
START = date(2016, 4, 1)
BANDS = [
    AtpBand(START, M, 0, "0", 0, 0),
    AtpBand(START, M, 2_340, "1/3", 3_155, 6_310),
    AtpBand(START, M, 4_680, "2/3", 6_310, 12_625),
    AtpBand(START, M, 7_020, "1", 9_465, 18_935),
    AtpBand(START, W, 0, "0", 0, 0),
    AtpBand(START, W, 540, "1/3", 830, 1_660),
    AtpBand(START, W, 1_080, "2/3", 1_660, 3_320),
    AtpBand(START, W, 1_620, "1", 2_490, 4_980),
]
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31), M)
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30), M)
DECEMBER = Period(date(2026, 12, 1), date(2026, 12, 31), M)
PLACEMENT = uuid.UUID("00000000-0000-4000-8000-00000000f001")
CITIZEN = uuid.UUID("00000000-0000-4000-8000-00000000e001")


def _item(day: date, minutes: int, rate: int | None, number: int | None = 1001) -> PayItem:
    return PayItem(uuid.uuid4(), PLACEMENT, CITIZEN, number, day, minutes, rate)


@pytest.mark.parametrize(
    ("kind", "minutes", "band", "employee", "employer"),
    [
        (M, 2_339, "0", 0, 0),
        (M, 2_340, "1/3", 3_155, 6_310),
        (M, 4_679, "1/3", 3_155, 6_310),
        (M, 4_680, "2/3", 6_310, 12_625),
        (M, 7_019, "2/3", 6_310, 12_625),
        (M, 7_020, "1", 9_465, 18_935),
        (M, -60, "0", 0, 0),
        (W, 539, "0", 0, 0),
        (W, 540, "1/3", 830, 1_660),
        (W, 1_620, "1", 2_490, 4_980),
    ],
)
def test_atp_band_is_the_greatest_threshold_reached(
    kind: BillingPeriod, minutes: int, band: str, employee: int, employer: int
) -> None:
    found = atp_band(BANDS, kind, date(2026, 11, 30), minutes)
    assert (found.band, found.employee_ore, found.employer_ore) == (band, employee, employer)


def test_atp_band_follows_the_newest_row_set_in_force_on_the_period_end() -> None:
    newer = [*BANDS, AtpBand(date(2027, 1, 1), M, 0, "0", 0, 0), AtpBand(date(2027, 1, 1), M, 7_020, "1", 1, 2)]
    assert atp_band(newer, M, date(2026, 12, 31), 7_020).employee_ore == 9_465
    assert atp_band(newer, M, date(2027, 1, 31), 7_020).employee_ore == 1
    assert atp_band(newer, M, date(2027, 1, 31), 4_680).band == "0"  # the new set has no 2/3 row
    assert atp_band([], M, date(2026, 1, 31), 9_999).band == "0"


@pytest.mark.parametrize(
    ("basis", "allowance"), [(1_004, 126), (1_003, 125), (-1_004, -126), (0, 0), (2_150_625, 268_828)]
)
def test_holiday_allowance_is_twelve_and_a_half_percent_rounded_half_away_from_zero(basis: int, allowance: int) -> None:
    assert holiday_allowance(basis, 1_250) == allowance


def test_wage_change_mid_month_gives_one_line_per_rate_and_exact_totals() -> None:
    weekdays = [d for d in (NOVEMBER.start + timedelta(days=n) for n in range(30)) if d.isoweekday() <= 5]
    items = [_item(d, 450, 13_000 if d <= date(2026, 11, 15) else 14_250) for d in weekdays]
    plan = plan_pay_period(NOVEMBER, items, atp_bands=BANDS, holiday_basis_points=1_250)
    assert [(li.kind, li.rate_ore_per_hour, li.minutes, li.gross_ore) for li in plan.lines] == [
        (LineKind.HOURS, 13_000, 4_500, 975_000),
        (LineKind.HOURS, 14_250, 4_950, 1_175_625),
    ]
    [employee] = plan.employees
    assert (employee.gross_ore, employee.holiday_allowance_ore) == (2_150_625, 268_828)
    assert (employee.atp_minutes, employee.atp_band, employee.atp_employee_ore, employee.atp_employer_ore) == (
        9_450,
        "1",
        9_465,
        18_935,
    )
    assert (plan.gross_ore, plan.holiday_allowance_ore, plan.total_minutes) == (2_150_625, 268_828, 9_450)
    period = {"period_label": "2026-11", "period_start": NOVEMBER.start, "period_end": NOVEMBER.end}
    text = wage_basis_csv(period, list(plan.lines)).decode("utf-8")
    assert text.startswith("\ufeffMedarbejdernummer;Lønperiode;Periode start;")
    assert text.split("\r\n")[1:3] == [
        "1001;2026-11;01-11-2026;30-11-2026;Timer;;75,00;130,00;9750,00;9750,00",
        "1001;2026-11;01-11-2026;30-11-2026;Timer;;82,50;142,50;11756,25;11756,25",
    ]


def test_late_approval_is_an_adjustment_of_its_closed_period_and_reports_the_atp_change() -> None:
    late = _item(date(2026, 11, 20), 120, 13_000)
    own = _item(date(2026, 12, 2), 60, 13_000)
    plan = plan_pay_period(
        DECEMBER,
        [late, own],
        paid_before={(1001, NOVEMBER.start): 6_960},
        closed_periods=[OCTOBER, NOVEMBER],
        atp_bands=BANDS,
        holiday_basis_points=1_250,
    )
    assert [(li.kind, li.adjusts_period_start, li.minutes, li.gross_ore) for li in plan.lines] == [
        (LineKind.HOURS, None, 60, 13_000),
        (LineKind.ADJUSTMENT, NOVEMBER.start, 120, 26_000),
    ]
    [employee] = plan.employees
    assert (employee.gross_ore, employee.holiday_allowance_ore, employee.atp_minutes) == (39_000, 4_875, 60)
    [change] = employee.atp_changes
    assert (change.period_label, change.minutes_before, change.minutes_after) == ("2026-11", 6_960, 7_080)
    assert (change.band_before, change.band_after, change.employee_diff_ore, change.employer_diff_ore) == (
        "2/3",
        "1",
        3_155,
        6_310,
    )
    assert plan.adjustment_gross_ore == 26_000


def test_a_lone_correction_is_a_negative_adjustment_with_negative_holiday_allowance() -> None:
    correction = PayItem(uuid.uuid4(), PLACEMENT, CITIZEN, 1001, date(2026, 11, 3), -60, 1_004, uuid.uuid4())
    plan = plan_pay_period(
        DECEMBER, [correction], closed_periods=[NOVEMBER], atp_bands=BANDS, holiday_basis_points=1_250
    )
    [employee] = plan.employees
    assert (employee.gross_ore, employee.holiday_allowance_ore, employee.atp_minutes) == (-1_004, -126, 0)
    assert employee.atp_changes == ()  # 0 minutes paid before: band 0 either way


def test_an_item_without_a_wage_rate_blocks_all_of_the_employees_items() -> None:
    other = uuid.uuid4()
    items = [_item(date(2026, 11, 3), 60, 13_000), _item(date(2026, 11, 4), 60, None)]
    unnumbered = PayItem(uuid.uuid4(), other, uuid.uuid4(), None, date(2026, 11, 5), 30, 13_000)
    plan = plan_pay_period(NOVEMBER, [*items, unnumbered], atp_bands=BANDS, holiday_basis_points=1_250)
    assert plan.lines == ()
    [employee] = plan.employees
    assert employee.blocked is not None
    assert (employee.blocked.reason, employee.blocked.work_dates) == ("wage-rate-missing", (date(2026, 11, 4),))
    assert (employee.gross_ore, employee.minutes) == (0, 0)
    [waiting] = plan.unnumbered
    assert (waiting.reason, waiting.placement_ids) == ("employee-number-unknown", (other,))
    assert plan.blocked_employees == 2


def test_unapproved_hours_are_listed_not_paid_and_not_in_atp() -> None:
    listed = Unapproved(uuid.uuid4(), 1002, CITIZEN, PLACEMENT, date(2026, 11, 9), 7_020, "submitted")
    plan = plan_pay_period(NOVEMBER, [], unapproved=[listed], atp_bands=BANDS, holiday_basis_points=1_250)
    [employee] = plan.employees
    assert (employee.employee_number, employee.gross_ore, employee.atp_band, employee.unapproved) == (
        1002,
        0,
        "0",
        (listed,),
    )
    assert (plan.unapproved_minutes("submitted"), plan.unapproved_minutes("rejected")) == (7_020, 0)


@pytest.mark.parametrize(("minutes", "text"), [(4_500, "75,00"), (7, "0,12"), (1, "0,02"), (-90, "-1,50"), (0, "0,00")])
def test_hours_are_two_decimals_with_a_decimal_comma(minutes: int, text: str) -> None:
    assert hours_text(minutes) == text
