"""Placement rules: pure, no I/O."""

from __future__ import annotations

from datetime import date

from vikar_shared.errors import invalid


def check_period(start_date: date, end_date: date | None, referred_on: date) -> None:
    if end_date is not None and end_date < start_date:
        raise invalid("end_date", "after-start", "end_date cannot be before start_date")
    if start_date < referred_on:
        raise invalid("start_date", "after-referral", "A placement cannot start before the citizen was referred")
