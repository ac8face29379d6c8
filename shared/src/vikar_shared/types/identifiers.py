"""Danish identifiers, checked with python-stdnum (``stdnum.dk.cpr``, ``stdnum.dk.cvr``, ``stdnum.ean``).

Digits follow ``vikar_shared.types.digits``: NFKC first (full-width to ASCII), then ASCII only; the
value returned is the compact ASCII form, which is what is stored, hashed and compared.

Each function raises ``IdentifierError`` with a stable rule code:

- CPR: ``cpr-format`` (not 10 digits, with an optional ``-`` after the sixth), ``cpr-date`` (no valid birth
  date, the century taken from the 7th digit, or born in the future). No modulus-11 check: numbers
  issued since 2007 need not pass it, and stdnum does not require it either.
- CVR: ``cvr-format`` (not 8 digits or a leading 0), ``cvr-checksum`` (modulus 11, weights 2765 4321).
- EAN/GLN: ``ean-format`` (not 13 digits), ``ean-check-digit`` (GS1 modulus 10).
- Postcode: ``postcode-format`` (not 4 digits).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated

from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError
from stdnum import ean
from stdnum.dk import cpr, cvr
from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError

from vikar_shared.types.digits import is_ascii_digits, normalise

__all__ = ["IdentifierError", "contains_cpr", "cpr_number", "cvr_number", "gln_number", "postcode"]

_CPR_SHAPE = re.compile(r"[0-9]{6}-?[0-9]{4}", re.ASCII)
# A CPR-shaped run inside free text: not part of a longer run of digits.
_CPR_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{6}[- ]?[0-9]{4}(?![0-9])", re.ASCII)
_MAX_INPUT = 40


class IdentifierError(ValueError):
    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


def cpr_number(raw: str) -> str:
    """``"170387-4821"`` or ``"１７０３８７４８２１"`` → ``"1703874821"``. The message never repeats the number."""
    text = normalise(raw) if len(raw) <= _MAX_INPUT else ""
    if _CPR_SHAPE.fullmatch(text) is None:
        raise IdentifierError("cpr-format", "CPR must be 10 digits, DDMMYY-SSSS")
    try:
        return str(cpr.validate(text))
    except ValidationError:
        raise IdentifierError("cpr-date", "CPR must begin with a valid birth date (DDMMYY)") from None


def contains_cpr(text: str) -> bool:
    """Whether free ``text`` (a case number, a reference, a name) holds something that is a CPR number: ten
    digits (``DDMMYY-SSSS``, ``DDMMYYSSSS`` or with a space, full-width digits normalised first) with a valid birth
    date by the 7th digit's century, not part of a longer run of digits. Free texts that leave the placement service
    (events, documents) are refused when this holds (``shared/docs/domain.md`` rule 7)."""
    for match in _CPR_IN_TEXT.finditer(normalise(text)):
        try:
            cpr.validate(match.group().replace(" ", ""))
        except ValidationError:
            continue
        return True
    return False


def cvr_number(raw: str) -> str:
    """Eight digits, no leading zero, modulus-11 check; spaces are ignored."""
    text = normalise(raw).replace(" ", "") if len(raw) <= _MAX_INPUT else ""
    if len(text) != 8 or not is_ascii_digits(text) or text[0] == "0":
        raise IdentifierError("cvr-format", "CVR must be 8 digits and not start with 0")
    try:
        return str(cvr.validate(text))
    except InvalidChecksum:
        raise IdentifierError("cvr-checksum", "CVR fails the modulus-11 check") from None
    except ValidationError:
        raise IdentifierError("cvr-format", "CVR must be 8 digits and not start with 0") from None


def gln_number(raw: str) -> str:
    """An EAN/GLN location number (what public bodies receive e-invoices on): 13 digits, GS1 check digit;
    spaces are ignored."""
    text = normalise(raw).replace(" ", "") if len(raw) <= _MAX_INPUT else ""
    if len(text) != 13 or not is_ascii_digits(text):
        raise IdentifierError("ean-format", "EAN/GLN must be 13 digits")
    try:
        return str(ean.validate(text))
    except (InvalidChecksum, InvalidComponent):
        raise IdentifierError("ean-check-digit", "EAN/GLN fails the GS1 modulus-10 check digit") from None
    except ValidationError:
        raise IdentifierError("ean-format", "EAN/GLN must be 13 digits") from None


def postcode(raw: str) -> str:
    """Danish postcodes are four digits (0800 and 0555 exist, so a leading zero is allowed)."""
    text = normalise(raw) if len(raw) <= _MAX_INPUT else ""
    if len(text) != 4 or not is_ascii_digits(text):
        raise IdentifierError("postcode-format", "A postcode is 4 digits")
    return text


MAX_EMPLOYEE_NUMBER = 99_999_999


def whole_number(raw: object, *, rule: str, maximum: int, what: str) -> int:
    """A whole number 1..``maximum`` (an employee number, a numeric id), written in digits only: normalised like
    every identifier, so full-width digits count; no sign, decimal point, exponent or inner space. Raises
    ``IdentifierError`` ``<rule>-format`` or ``<rule>-range``."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    else:
        text = normalise(raw) if isinstance(raw, str) and len(raw) <= _MAX_INPUT else ""
        if not is_ascii_digits(text) or len(text) > len(str(maximum)):
            raise IdentifierError(f"{rule}-format", f"{what} is written in 1 to {len(str(maximum))} digits")
        value = int(text)
    if not 1 <= value <= maximum:
        raise IdentifierError(f"{rule}-range", f"{what} is 1 to {maximum}")
    return value


def employee_number(raw: object) -> int:
    """An employee number (issue 13): :func:`whole_number` 1..99 999 999, rules ``employee-number-format`` and
    ``employee-number-range``."""
    return whole_number(raw, rule="employee-number", maximum=MAX_EMPLOYEE_NUMBER, what="An employee number")


def whole_number_check(rule: str, maximum: int, what: str) -> Callable[[object], int]:
    """A pydantic before-validator of :func:`whole_number` (its rule named in the 422); use it with
    :func:`whole_number_schema` in an ``Annotated[int, ...]``, as :data:`EmployeeNumber` does."""

    def check(raw: object) -> int:
        try:
            return whole_number(raw, rule=rule, maximum=maximum, what=what)
        except IdentifierError as error:
            raise PydanticCustomError(error.rule, error.message) from None

    return check


def whole_number_schema(maximum: int) -> WithJsonSchema:
    return WithJsonSchema({"type": "integer", "minimum": 1, "maximum": maximum})


EmployeeNumber = Annotated[
    int,
    BeforeValidator(whole_number_check("employee-number", MAX_EMPLOYEE_NUMBER, "An employee number")),
    whole_number_schema(MAX_EMPLOYEE_NUMBER),
]
"""An employee number as a path or query parameter or a field (:func:`employee_number`)."""
