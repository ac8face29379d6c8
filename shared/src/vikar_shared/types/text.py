"""Constrained text: what every HTTP input schema uses for free text, so the database can store it and a
mail header can carry it.

Rules (checked in this order, after Unicode NFC normalisation):

- ``text-invalid-character``: an unpaired surrogate (``\\ud800``) or a non-character; PostgreSQL's UTF-8
  cannot hold the first.
- ``text-control-character``: a C0/C1 control character or DEL (NUL included: PostgreSQL text cannot
  hold it). Multi-line text allows LF, CR and TAB (CR LF and a lone CR become LF).
- ``text-line-break``: single-line text holds no CR, LF, U+2028 or U+2029 (a name can end up in a mail
  header or a CSV cell).
- ``text-bidi-control``: no text (single- or multi-line) holds a bidirectional embedding, override or
  isolate control (U+202A..U+202E, U+2066..U+2069): they reorder what is shown, so a name could read
  differently on an invoice or in a mail than it is stored ("Trojan Source", CVE-2021-42574). The
  implicit marks U+200E, U+200F and U+061C (LRM, RLM, ALM) are allowed: they reorder nothing, and
  mixed-direction names need them.
- ``not-blank``: nothing is left after removing whitespace and Unicode format characters (category Cf:
  zero-width space U+200B, BOM U+FEFF, soft hyphen, the marks above...): text that shows nothing is
  blank (an empty string is ``string_too_short``).
- ``string_too_short`` / ``string_too_long``: lengths are counted in code points after trimming
  surrounding whitespace. (Pydantic's own codes, so clients see one rule
  for lengths whatever the field.)

E-mail addresses (``Email``, ``email_address``) follow the single-line rules, then are NFKC-normalised
(full-width ``ａｐｐｒ＠example.com`` is ``appr@example.com``), checked by ``email-validator`` without
SMTPUTF8 and without a DNS look-up (``value_error``: e.g. a non-ASCII local part such as
``æøå@example.com``), and stored in their ASCII form, lower-cased: an internationalised domain as
punycode (``a@bæk.dk`` is ``a@xn--bk-1ia.dk``), so every address accepted can be sent to by plain SMTP
and one mailbox has one spelling. ``email_key`` gives that form for comparisons of addresses stored
before this rule (it never raises).

Each rule reaches the client as a 422 problem+json whose ``errors[].rule`` is the code above and whose
``errors[].field`` names the field.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Annotated, Any

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, GetCoreSchemaHandler, GetJsonSchemaHandler, WithJsonSchema
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

# Sizes of the single-line kinds; each is documented in the OpenAPI schema as maxLength.
NAME_MAX = 200
SHORT_CODE_MAX = 50
REFERENCE_MAX = 100
EMAIL_MAX = 254
NOTE_MAX = 4000

# For the OpenAPI document only (clients and fuzzers); ``clean_text`` is the rule.
_ALLOWED = r"[^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
_VISIBLE = r"[^\s\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]"
SINGLE_LINE_PATTERN = rf"^{_ALLOWED}*{_VISIBLE}{_ALLOWED}*$"
_LINE_BREAKS = frozenset("\r\n\u2028\u2029")
_MULTI_LINE_ALLOWED = frozenset("\n\t")
# Embeddings, overrides (U+202A..U+202E) and isolates (U+2066..U+2069): they reorder the displayed text.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


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
        if char in BIDI_CONTROLS:
            return PydanticCustomError(
                "text-bidi-control",
                f"Text holds no bidirectional override, embedding or isolate (U+{ord(char):04X} at character "
                f"{position}): it would show the text in another order than it is stored",
            )
    return None


def is_blank(text: str) -> bool:
    """True when ``text`` shows nothing: only whitespace and Unicode format characters (category Cf)."""
    return all(char.isspace() or unicodedata.category(char) == "Cf" for char in text)


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
    if value and is_blank(text):
        raise PydanticCustomError("not-blank", "Text must hold more than spaces and invisible characters")
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

    ``Email`` runs these rules before the address check."""

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


def _ascii_address(text: str) -> str:
    """NFKC, then ``email-validator`` without SMTPUTF8 or DNS: the ASCII address, lower-cased.
    Raises ``EmailNotValidError``."""
    checked = validate_email(unicodedata.normalize("NFKC", text), allow_smtputf8=False, check_deliverability=False)
    return checked.ascii_email.lower() if checked.ascii_email else checked.normalized.lower()


def email_address(value: str) -> str:
    """The stored form of an e-mail address: the single-line text rules, NFKC, ``email-validator``
    (no SMTPUTF8, no DNS), ASCII with an internationalised domain as punycode, lower-cased. Raises
    ``PydanticCustomError`` (``value_error`` for an address that is not one, or one the rules of this
    module refuse)."""
    return _email(clean_text(value, max_length=EMAIL_MAX))


def email_key(value: str) -> str:
    """The form two addresses are compared in (and a read model stores): ``email_address`` of ``value``,
    or, for text stored before that rule that it refuses, the NFKC, trimmed, lower-cased text. Never
    raises: for comparing what is already stored or published."""
    text = unicodedata.normalize("NFKC", value).strip()
    try:
        return _ascii_address(text)
    except EmailNotValidError:
        return text.lower()


def _email(value: str) -> str:
    try:
        return _ascii_address(value)  # ``value`` has passed the single-line rules already
    except EmailNotValidError as exc:
        raise PydanticCustomError(
            "value_error", "value is not a valid email address: {reason}", {"reason": str(exc)}
        ) from None


Email = Annotated[
    str,
    AfterValidator(_email),
    SingleLine(EMAIL_MAX),
    WithJsonSchema(
        {"type": "string", "format": "email", "minLength": 1, "maxLength": EMAIL_MAX, "pattern": SINGLE_LINE_PATTERN}
    ),
]
"""An e-mail address: the single-line rules, then NFKC and ``email-validator`` (``value_error``); at most
254; stored as ASCII (punycode domain), lower-cased (see ``email_address``)."""
Note = Annotated[str, MultiLine(NOTE_MAX)]
"""Free text over several lines: 1..4000 characters."""
