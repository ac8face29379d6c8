"""Money rules: integer øre, integer minutes, round half up. No floats, ever."""

from __future__ import annotations

MINUTES_PER_HOUR = 60
VAT_RATE_PERCENT = 25


def divide_round_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded to the nearest integer, halves away from zero.

    Halves go away from zero on both sides so a credit of -x always mirrors a charge of x."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    magnitude = (2 * abs(numerator) + denominator) // (2 * denominator)
    return magnitude if numerator >= 0 else -magnitude


def amount_for(minutes: int, rate_ore_per_hour: int) -> int:
    """Øre for ``minutes`` at an hourly rate: (minutes * rate * 2 + 60) // 120 for non-negative values."""
    return divide_round_half_up(minutes * rate_ore_per_hour, MINUTES_PER_HOUR)


def vat_on(subtotal_ore: int, rate_percent: int = VAT_RATE_PERCENT) -> int:
    return divide_round_half_up(subtotal_ore * rate_percent, 100)
