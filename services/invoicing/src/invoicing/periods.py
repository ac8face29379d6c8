"""Billing periods. A period is a calendar month, named ``YYYY-MM`` in URLs and documents.

The parser is the shared one (``vikar_shared.types.periods``): years 2000..2100, digits normalised
(NFKC) then ASCII only; ``parse_month`` raises ``DomainError`` ``month-format`` or ``month-out-of-range``
naming the field."""

from __future__ import annotations

from vikar_shared.types.periods import Month, parse_month

__all__ = ["Month", "parse_month"]
