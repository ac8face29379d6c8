"""The pure parts of Idempotency-Key: which keys are accepted, what makes two requests the same, whose
key it is."""

from __future__ import annotations

import uuid

import pytest

from vikar_shared.auth.principal import Principal, Role
from vikar_shared.errors import DomainError
from vikar_shared.http.idempotency import HEADER, caller_scope, fingerprint, parse_key


@pytest.mark.parametrize(
    ("raw", "key"),
    [(None, None), ("abc", "abc"), ('"abc"', "abc"), ("  8e2f-1  ", "8e2f-1"), ("x" * 255, "x" * 255)],
)
def test_keys_are_visible_ascii_up_to_255_characters_sf_string_quotes_dropped(raw: str | None, key: str | None) -> None:
    assert parse_key(raw) == key


@pytest.mark.parametrize("raw", ["", '""', "x" * 256, "two words", "nøgle", "tab\there", "nul\x00"])
def test_other_keys_are_422_naming_the_header(raw: str) -> None:
    with pytest.raises(DomainError) as raised:
        parse_key(raw)
    assert [(v.field, v.rule) for v in raised.value.violations] == [(HEADER, "idempotency-key-invalid")]


def test_the_fingerprint_is_method_path_and_canonical_json_body() -> None:
    same = fingerprint("POST", "/a", b'{"x": 1, "y": [1, 2]}')
    assert fingerprint("post", "/a", b'{ "y":[1,2], "x":1 }') == same
    assert fingerprint("POST", "/b", b'{"x": 1, "y": [1, 2]}') != same
    assert fingerprint("PUT", "/a", b'{"x": 1, "y": [1, 2]}') != same
    assert fingerprint("POST", "/a", b'{"x": 2, "y": [1, 2]}') != same
    assert fingerprint("POST", "/a", b'{"x": 1, "y": [2, 1]}') != same
    # Not JSON (a form): compared as bytes. Path and body cannot run into each other.
    assert fingerprint("POST", "/a", b"k=v") != fingerprint("POST", "/ak", b"=v")


def test_keys_are_scoped_to_the_caller() -> None:
    company = uuid.uuid4()
    bo = Principal("bo", Role.COMPANY_APPROVER, company_id=company)
    assert caller_scope(bo) == caller_scope(Principal("bo", Role.COMPANY_APPROVER, company_id=company))
    assert caller_scope(bo) != caller_scope(Principal("eva", Role.COMPANY_APPROVER, company_id=company))
    assert caller_scope(bo) != caller_scope(Principal("bo", Role.COMPANY_APPROVER, company_id=uuid.uuid4()))
    assert caller_scope(bo) != caller_scope(Principal("bo", Role.CONSULTANT))
    assert "bo" not in caller_scope(bo)
