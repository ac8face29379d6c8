"""The one decision about digits, for identifiers (CPR, CVR, EAN/GLN, postcodes, employee and case
numbers) and periods (months, ISO weeks, dates) alike:

**normalise, then require ASCII.** Text is first put in Unicode NFKC form, which turns full-width and
other compatibility digits (``１７０３８７-４８２１``) into ASCII ones (``170387-4821``); after that only
the ASCII digits ``0``-``9`` count as digits. Digits of other scripts (Arabic-Indic ``٣``, Devanagari
``३``), which Python's ``int()`` and ``\\d`` would otherwise accept, are refused with the field's format
rule. Validation, hashing and comparison all see the normalised ASCII form, so one number typed two
ways is one number.
"""

from __future__ import annotations

import re
import unicodedata

ASCII_DIGITS = re.compile(r"[0-9]+", re.ASCII)


def normalise(text: str) -> str:
    """NFKC form with surrounding whitespace removed: full-width ``２０２６`` becomes ``2026``."""
    return unicodedata.normalize("NFKC", text).strip()


def is_ascii_digits(text: str) -> bool:
    return ASCII_DIGITS.fullmatch(text) is not None
