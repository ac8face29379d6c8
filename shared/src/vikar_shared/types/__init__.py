"""Constrained input types shared by every service: text, periods, identifiers and integer bounds.

- ``text``: single-line names, codes, references, e-mail addresses; multi-line notes.
- ``periods``: months, ISO weeks and dates of the years 2000..2100.
- ``identifiers``: CPR, CVR, EAN/GLN, postcodes (python-stdnum).
- ``digits``: the one rule for digits (NFKC, then ASCII only).
- ``numbers``: bounds for integer parameters.
"""

from vikar_shared.types.periods import Day, IsoWeek, IsoWeekText, Month, MonthText, parse_iso_week, parse_month
from vikar_shared.types.text import Email, MultiLine, Name, Note, Reference, ShortCode, SingleLine

__all__ = [
    "Day",
    "Email",
    "IsoWeek",
    "IsoWeekText",
    "Month",
    "MonthText",
    "MultiLine",
    "Name",
    "Note",
    "Reference",
    "ShortCode",
    "SingleLine",
    "parse_iso_week",
    "parse_month",
]
