"""The shared input types: text rules, the period parser with its exact boundaries, identifiers, bounds,
and the token claims built on them."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, SecretStr, ValidationError
from pydantic_core import PydanticCustomError

from vikar_shared.auth import Role, TokenVerifier, mint_token
from vikar_shared.errors import Category, DomainError
from vikar_shared.http.problem_types import SHARED_TYPES
from vikar_shared.types.identifiers import (
    IdentifierError,
    contains_cpr,
    cpr_number,
    cvr_number,
    employee_number,
    gln_number,
    postcode,
)
from vikar_shared.types.numbers import MAX_OFFSET, Offset
from vikar_shared.types.periods import (
    Day,
    IsoWeek,
    IsoWeekText,
    Month,
    MonthText,
    parse_day,
    parse_iso_week,
    parse_month,
)
from vikar_shared.types.text import Email, MultiLine, Name, Note, SingleLine, email_address, email_key


class _Form(BaseModel):
    name: Name | None = None
    code: Annotated[str, SingleLine(5, min_length=2)] | None = None
    email: Email | None = None
    note: Note | None = None
    short_note: Annotated[str, MultiLine(10)] | None = None
    day: Day | None = None
    month: MonthText | None = None
    week: IsoWeekText | None = None
    offset: Offset | None = None


def _rule(**fields: Any) -> tuple[str, str]:
    with pytest.raises(ValidationError) as caught:
        _Form(**fields)
    [error] = caught.value.errors()
    return ".".join(str(p) for p in error["loc"]), error["type"]


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("Aal\x00borg", "text-control-character"),
        ("Aal\x1bborg", "text-control-character"),
        ("Aal\x7fborg", "text-control-character"),
        ("Aal\x85borg", "text-control-character"),
        ("Aal\tborg", "text-control-character"),
        ("Aal\nborg", "text-line-break"),
        ("Aal\rborg", "text-line-break"),
        ("Aalborg\r\n", "text-line-break"),
        ("Aal\u2028borg", "text-line-break"),
        ("Aal\ud800borg", "text-invalid-character"),
        ("Aal\ufffeborg", "text-invalid-character"),
        ("   ", "not-blank"),
        ("", "string_too_short"),
        ("x" * 201, "string_too_long"),
        ("x" * 100_000, "string_too_long"),
    ],
)
def test_single_line_text_refuses_what_a_database_or_header_cannot_carry(value: str, rule: str) -> None:
    assert _rule(name=value) == ("name", rule)


def test_single_line_text_is_trimmed_nfc_normalised_and_counted_after_trimming() -> None:
    decomposed = "Sm\u00f8rrebr\u00f8d A\u030arhus"  # "Å" as A + combining ring
    assert _Form(name=f"  {decomposed}  ").name == "Smørrebrød Århus"
    assert _Form(name="  " + "x" * 200 + " ").name == "x" * 200
    assert _Form(code="ab").code == "ab" and _rule(code="a") == ("code", "string_too_short")
    assert _Form(code="abcde").code == "abcde" and _rule(code="abcdef") == ("code", "string_too_long")
    assert _rule(name=42) == ("name", "string_type")


def test_an_email_obeys_the_text_rules_before_the_address_syntax() -> None:
    assert _rule(email="ib@bager.example\r\nBcc: all@example.com") == ("email", "text-line-break")
    assert _rule(email="ib\x00@bager.example") == ("email", "text-control-character")
    assert _rule(email="not an address") == ("email", "value_error")
    assert _Form(email=" ib@bager.example ").email == "ib@bager.example"


def test_multi_line_text_keeps_lines_and_tabs_and_refuses_other_controls() -> None:
    assert _Form(note="first\r\nsecond\rthird\n\tfourth ").note == "first\nsecond\nthird\n\tfourth"
    assert _rule(note="a\x00b") == ("note", "text-control-character")
    assert _rule(note="a\x0bb") == ("note", "text-control-character")
    assert _Form(short_note="x" * 10).short_note == "x" * 10
    assert _rule(short_note="x" * 11) == ("short_note", "string_too_long")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2000-01", Month(2000, 1)),
        ("2100-12", Month(2100, 12)),
        ("２０２６-１１", Month(2026, 11)),
        (" 2026-11 ", Month(2026, 11)),
    ],
)
def test_months_parse_from_2000_01_to_2100_12(text: str, expected: Month) -> None:
    assert parse_month(text) == expected
    assert _Form(month=text).month == str(expected)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("1999-12", "month-out-of-range"),
        ("2101-01", "month-out-of-range"),
        ("9999-12", "month-out-of-range"),
        ("0000-01", "month-out-of-range"),
        ("2026-13", "month-format"),
        ("2026-00", "month-format"),
        ("2026-1", "month-format"),
        ("٢٠٢٦-11", "month-format"),
        ("10000-01", "month-format"),
        ("2026-11" + " " * 100, "month-format"),
    ],
)
def test_months_outside_the_range_or_shape_are_refused_naming_the_field(text: str, rule: str) -> None:
    with pytest.raises(DomainError) as caught:
        parse_month(text, "period")
    assert caught.value.category is Category.VALIDATION
    assert [(v.field, v.rule) for v in caught.value.violations] == [("period", rule)]
    assert _rule(month=text) == ("month", rule)


@pytest.mark.parametrize(
    ("text", "monday"),
    [
        ("2000-W01", date(2000, 1, 3)),
        ("2100-W52", date(2100, 12, 27)),
        ("2026-W53", date(2026, 12, 28)),
        ("２０２６-Ｗ４７", date(2026, 11, 16)),
    ],
)
def test_iso_weeks_parse_within_2000_to_2100(text: str, monday: date) -> None:
    assert parse_iso_week(text).monday == monday
    assert IsoWeek.of(monday) == parse_iso_week(text)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("1999-W52", "iso-week-out-of-range"),
        ("2101-W01", "iso-week-out-of-range"),
        ("9999-W52", "iso-week-out-of-range"),
        ("2027-W53", "iso-week-invalid"),
        ("2026-W00", "iso-week-invalid"),
        ("2026-w47", "iso-week-invalid"),
        ("2026-47", "iso-week-invalid"),
        ("٢٠٢٦-W47", "iso-week-invalid"),
    ],
)
def test_iso_weeks_outside_the_range_or_calendar_are_refused(text: str, rule: str) -> None:
    with pytest.raises(DomainError) as caught:
        parse_iso_week(text)
    assert [(v.field, v.rule) for v in caught.value.violations] == [("week", rule)]
    assert _rule(week=text) == ("week", rule)


def test_dates_run_from_2000_01_01_to_2100_12_31() -> None:
    assert parse_day("2000-01-01") == date(2000, 1, 1)
    assert parse_day("2100-12-31") == date(2100, 12, 31)
    assert _Form(day="２０２６-１１-０５").day == date(2026, 11, 5)
    assert _Form(day=date(2026, 11, 5)).day == date(2026, 11, 5)
    for text, rule in [
        ("1999-12-31", "date-out-of-range"),
        ("2101-01-01", "date-out-of-range"),
        ("9999-12-31", "date-out-of-range"),
        ("2026-02-30", "date-format"),
        ("2026-11-05T00:00:00", "date-format"),
        ("20261105", "date-format"),
        ("٢٠٢٦-11-05", "date-format"),
    ]:
        with pytest.raises(DomainError) as caught:
            parse_day(text, "work_date")
        assert [(v.field, v.rule) for v in caught.value.violations] == [("work_date", rule)], text
        assert _rule(day=text) == ("day", rule), text
    assert _rule(day=1_700_000_000) == ("day", "date-format")
    assert _rule(day=date(1999, 12, 31)) == ("day", "date-out-of-range")


def test_offsets_are_bounded() -> None:
    assert _Form(offset=MAX_OFFSET).offset == MAX_OFFSET
    assert _rule(offset=MAX_OFFSET + 1) == ("offset", "less_than_equal")
    assert _rule(offset=2**63) == ("offset", "less_than_equal")
    assert _rule(offset=-1) == ("offset", "greater_than_equal")


def test_full_width_identifiers_normalise_to_the_ascii_form() -> None:
    assert cpr_number("１７０３８７-４８２１") == cpr_number("170387-4821") == "1703874821"
    assert cvr_number("１０１５ ０８１７") == "10150817"
    assert gln_number("５７９８０００４１６６０４") == "5798000416604"
    assert postcode("０８００") == "0800"


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("170387-482", "cpr-format"),
        ("١٧٠٣٨٧-٤٨٢١", "cpr-format"),  # Arabic-Indic digits are not normalised to ASCII by NFKC
        ("310287-4821", "cpr-date"),  # 31 February
        ("170387-4\x0021", "cpr-format"),
    ],
)
def test_bad_cpr_numbers_name_the_rule(raw: str, rule: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        cpr_number(raw)
    assert caught.value.rule == rule
    assert "4821" not in caught.value.message


def test_cpr_numbers_need_not_pass_modulus_11_and_take_the_century_from_the_7th_digit() -> None:
    # 010190-1234 fails modulus 11 (numbers issued since 2007 may); still a valid CPR number.
    assert cpr_number("010190-1234") == "0101901234"
    # 7th digit 4 and year 36: born 2036, in the future, so refused; with year 37 it is 1937.
    with pytest.raises(IdentifierError) as caught:
        cpr_number("010136-4000")
    assert caught.value.rule == "cpr-date"
    assert cpr_number("010137-4000") == "0101374000"


_SECRET = "x" * 32


def _verify(sub: str, email: str | None = None) -> object:
    verifier = TokenVerifier({"k": SecretStr(_SECRET)}, "vikarmodel", "vikarmodel")
    return verifier.verify(
        mint_token(secret=_SECRET, kid="k", subject=sub, role=Role.CONSULTANT, email=email, max_ttl=None)
    )


@pytest.mark.parametrize(
    ("sub", "email"),
    [("an\x00na", None), ("", None), ("   ", None), ("an\nna", None), ("anna", "anna@x.example\r\nBcc: y")],
)
def test_a_token_whose_text_claims_break_the_rules_is_unauthenticated(sub: str, email: str | None) -> None:
    with pytest.raises(DomainError) as caught:
        _verify(sub, email)
    assert (caught.value.category, caught.value.code) == (Category.UNAUTHENTICATED, "unauthenticated")


def test_a_token_with_plain_claims_still_gives_its_principal() -> None:
    principal = _verify(" anna ", "anna@agency.example")
    assert getattr(principal, "subject", None) == "anna"
    assert getattr(principal, "email", None) == "anna@agency.example"


@pytest.mark.parametrize(
    "value",
    ["\u200b", "\ufeff", "\u200b\u200b\u200b", " \u200b ", "\u00ad", "\u2060", "\u200e", "\u200b\u00a0\u3000"],
    ids=["zwsp", "bom", "three-zwsp", "spaced-zwsp", "soft-hyphen", "word-joiner", "lrm", "zwsp-nbsp-ideographic"],
)
def test_text_of_only_invisible_characters_is_blank(value: str) -> None:
    assert _rule(name=value) == ("name", "not-blank")
    assert _rule(note=value) == ("note", "not-blank")


@pytest.mark.parametrize(
    "char", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
)
def test_bidirectional_overrides_embeddings_and_isolates_are_refused(char: str) -> None:
    assert _rule(name=f"ab{char}cd") == ("name", "text-bidi-control")
    assert _rule(note=f"line one\nab{char}cd") == ("note", "text-bidi-control")
    assert _rule(email=f"ib{char}@bager.example") == ("email", "text-bidi-control")


def test_visible_text_around_invisible_marks_is_kept_as_given() -> None:
    # The implicit marks reorder nothing; a zero-width joiner inside a word is part of its spelling.
    assert _Form(name="ab\u200ecd").name == "ab\u200ecd"
    assert _Form(name="\u200bAalborg").name == "\u200bAalborg"
    assert _Form(note="\u200b\nx").note == "\u200b\nx"


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("ａｐｐｒ@example.com", "appr@example.com"),
        ("ａｐｐｒ＠ｅｘａｍｐｌｅ．ｃｏｍ", "appr@example.com"),
        (" Appr@Example.COM ", "appr@example.com"),
        ("a@bæk.dk", "a@xn--bk-1ia.dk"),
        ("a@BÆK.dk", "a@xn--bk-1ia.dk"),
    ],
)
def test_an_email_is_stored_in_one_ascii_form(value: str, stored: str) -> None:
    assert _Form(email=value).email == stored
    assert email_address(value) == stored
    assert email_key(value) == stored


@pytest.mark.parametrize(
    "value",
    ["æøå@example.com", "ib@bager\u200b.example", "\u200b", "ib@localhost", "@bager.example", "a" * 250 + "@b.dk"],
)
def test_an_email_that_plain_smtp_cannot_carry_is_refused(value: str) -> None:
    assert _rule(email=value)[0] == "email"
    with pytest.raises(PydanticCustomError):
        email_address(value)


def test_the_email_key_never_raises_and_folds_what_it_cannot_check() -> None:
    assert email_key(" ÆØÅ@Example.com ") == "æøå@example.com"
    assert email_key("not an address") == "not an address"
    assert email_key("ＡＰＰＲ@example.com") == email_key("appr@example.com")


@pytest.mark.parametrize(
    ("text", "holds"),
    [
        ("250384-1881", True),
        ("sag 2503841881", True),
        ("x 250384 1881 y", True),
        ("２５０３８４-１８８１", True),  # full-width digits are normalised first
        ("AAL-2026-004711", False),
        ("Mette Jensen (1990)", False),
        ("999999-1234", False),  # no valid birth date
        ("12503841881", False),  # part of a longer run of digits
        ("250384-18810", False),
    ],
)
def test_contains_cpr_finds_a_cpr_number_inside_free_text(text: str, holds: bool) -> None:
    assert contains_cpr(text) is holds


@pytest.mark.parametrize(
    ("raw", "rule"),
    [("1001.0", "format"), ("+1001", "format"), ("1e3", "format"), ("10 01", "format"), ("", "format"), ("0", "range")],
)
def test_a_whole_number_is_digits_only_and_its_rules_have_catalogue_pages(raw: str, rule: str) -> None:
    with pytest.raises(IdentifierError) as refused:
        employee_number(raw)
    assert refused.value.rule == f"employee-number-{rule}"
    codes = {entry.code for entry in SHARED_TYPES}
    assert {"employee-number-format", "employee-number-range", "email-id-format", "email-id-range"} <= codes
    assert employee_number("１００１") == employee_number("01001") == 1001  # normalised like every identifier
