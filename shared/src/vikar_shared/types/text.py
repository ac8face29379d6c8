"""Constrained text: what every HTTP input schema uses for free text, so the database can store it and a
mail header can carry it.

Rules (checked in this order, after Unicode NFC normalisation):

- ``text-invalid-character``: an unpaired surrogate (``\\ud800``) or a non-character; PostgreSQL's UTF-8
  cannot hold the first.
- ``text-control-character``: a C0/C1 control character or DEL (NUL included: PostgreSQL text cannot
  hold it). Multi-line text allows LF, CR and TAB (CR LF and a lone CR become LF).
- ``text-line-break``: single-line text holds no CR, LF, U+2028 or U+2029 (a name can end up in a mail
  header or a CSV cell).
- ``not-blank``: text of spaces only (an empty string is ``string_too_short``).
- ``string_too_short`` / ``string_too_long``: lengths are counted in code points after trimming
  surrounding whitespace. (Pydantic's own codes, so clients see one rule
  for lengths whatever the field.)

Each rule reaches the client as a 422 problem+json whose ``errors[].rule`` is the code above and whose
``errors[].field`` names the field.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import EmailStr, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

# Sizes of the single-line kinds; each is documented in the OpenAPI schema as maxLength.
NAME_MAX = 200
SHORT_CODE_MAX = 50
REFERENCE_MAX = 100
EMAIL_MAX = 254
NOTE_MAX = 4000

# For the OpenAPI document only (clients and fuzzers); ``clean_text`` is the rule.
_ALLOWED = r"[^\u0000-\u001f\u007f-\u009f\u2028\u2029]"
_VISIBLE = r"[^\s\u0000-\u001f\u007f-\u009f\u2028\u2029]"
SINGLE_LINE_PATTERN = rf"^{_ALLOWED}*{_VISIBLE}{_ALLOWED}*$"
_LINE_BREAKS = frozenset("\r\n\u2028\u2029")
_MULTI_LINE_ALLOWED = frozenset("\n\t")


def _bad_character(text: str, *, multi_line: bool) -> PydanticCustomError | None:
    for position, char in enumerate(text):
        category = unicodedata.category(char)
        if category == "Cs" or (category == "Cn" and _is_noncharacter(char)):
            return PydanticCustomError(
                "text-invalid-character",
                "Character {position} is not a valid Unicode character",
                {"position": position},
            )
        if char in _LINE_BREAKS and not multi_line:
            return PydanticCustomError(
                "text-line-break", "Single-line text holds no line break (character {position})", {"position": position}
            )
        if category == "Cc" and not (multi_line and char in _MULTI_LINE_ALLOWED):
            return PydanticCustomError(
                "text-control-character",
                f"Text holds no control characters (U+{ord(char):04X} at character {position})",
            )
    return None


def _is_noncharacter(char: str) -> bool:
    code = ord(char)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def clean_text(value: str, *, max_length: int, min_length: int = 1, multi_line: bool = False) -> str:
    """The stored form of ``value``: NFC-normalised, line ends as LF (multi-line), trimmed.

    Raises ``PydanticCustomError`` with one of the rule codes of this module."""
    if len(value) > 4 * max_length + 16:  # bound the work before normalising a huge value
        raise PydanticCustomError(
            "string_too_long", "String should have at most {max_length} characters", {"max_length": max_length}
        )
    if multi_line:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    problem = _bad_character(value, multi_line=multi_line)
    if problem is not None:
        raise problem
    text = unicodedata.normalize("NFC", value).strip()
    if value and not text:
        raise PydanticCustomError("not-blank", "Text must hold more than spaces")
    if len(text) < min_length:
        raise PydanticCustomError(
            "string_too_short",
            "String should have at least {min_length} characters besides surrounding spaces",
            {"min_length": min_length},
        )
    if len(text) > max_length:
        raise PydanticCustomError(
            "string_too_long", "String should have at most {max_length} characters", {"max_length": max_length}
        )
    return text


@dataclass(frozen=True, slots=True)
class SingleLine:
    """``Annotated[str, SingleLine(100)]``: one line of text, ``min_length``..``max_length`` code points.

    Also usable on ``EmailStr`` (the text rules run before the address check)."""

    max_length: int
    min_length: int = 1

    def _validate(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value  # the inner schema names the type error
        return clean_text(value, max_length=self.max_length, min_length=self.min_length)

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(self._validate, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema.update(minLength=self.min_length, maxLength=self.max_length, pattern=SINGLE_LINE_PATTERN)
        return json_schema


@dataclass(frozen=True, slots=True)
class MultiLine:
    """``Annotated[str, MultiLine(4000)]``: free text over several lines (LF, CR LF and TAB allowed)."""

    max_length: int
    min_length: int = 1

    def _validate(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        return clean_text(value, max_length=self.max_length, min_length=self.min_length, multi_line=True)

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(self._validate, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema.update(minLength=self.min_length, maxLength=self.max_length)
        return json_schema


Name = Annotated[str, SingleLine(NAME_MAX)]
"""A person's, company's or municipality's name: one line, 1..200 characters."""
ShortCode = Annotated[str, SingleLine(SHORT_CODE_MAX)]
"""A code or identifier typed by a person (target-group code, consultant id): one line, 1..50."""
Reference = Annotated[str, SingleLine(REFERENCE_MAX)]
"""A reference, category or city: one line, 1..100."""
Email = Annotated[EmailStr, SingleLine(EMAIL_MAX)]
"""An e-mail address: the single-line rules, then RFC 5322 syntax (``value_error``); at most 254."""
Note = Annotated[str, MultiLine(NOTE_MAX)]
"""Free text over several lines: 1..4000 characters."""
