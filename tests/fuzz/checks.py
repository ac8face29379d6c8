"""Checks of the fuzz test beyond Schemathesis's own: every 4xx is a problem+json naming what was wrong,
and no successful answer carries implausible data (the fuzzer may send it; the service must refuse it)."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

import schemathesis

PROBLEM_JSON = "application/problem+json"
# Years the system computes with; a date outside is one it should never have accepted.
YEARS = range(2000, 2101)
DATE_LIKE = re.compile(r"^[+-]?(\d{4,})-(?:\d{2}(?:-\d{2}(?:[T ].*)?)?|W\d{2}(?:-\d)?)$", re.DOTALL)
# Newlines belong in multi-line notes; every other control character is a fault.
ALLOWED_CONTROLS = {"\n", "\r"}
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _json(response: schemathesis.Response) -> Any:
    try:
        return json.loads(response.content or b"null")
    except ValueError:
        return None


@schemathesis.check
def problem_json_names_the_fault(ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Any) -> None:
    """A 4xx answers ``application/problem+json`` with type, title and status, a non-generic ``code``, and for a
    request the schema refuses (400, ``request-invalid``) ``errors[]`` each naming a ``field`` and a ``rule``."""
    if not 400 <= response.status_code < 500:
        return None
    media = (response.headers.get("content-type") or [""])[0].split(";")[0].strip()
    if media != PROBLEM_JSON:
        raise AssertionError(f"{response.status_code} answered as {media or 'no media type'!r}, not {PROBLEM_JSON}")
    body = _json(response)
    if not isinstance(body, dict):
        raise AssertionError(f"{response.status_code} problem body is not a JSON object")
    missing = [k for k in ("type", "title", "status") if k not in body]
    if missing:
        raise AssertionError(f"problem without {missing}")
    if body.get("status") != response.status_code:
        raise AssertionError(f"problem status {body.get('status')!r} differs from HTTP {response.status_code}")
    code = body.get("code")
    if not isinstance(code, str) or not code.strip() or code in ("http-error", "internal"):
        raise AssertionError(f"{response.status_code} problem names no rule (code {code!r})")
    if response.status_code == 400 or code == "request-invalid":
        errors = body.get("errors")
        if not isinstance(errors, list) or not errors:
            raise AssertionError(f"{response.status_code} {code} problem without errors[] naming a field")
        unnamed = [e for e in errors if not (isinstance(e, dict) and e.get("field") and e.get("rule"))]
        if unnamed:
            raise AssertionError(f"{response.status_code} {code} errors without field and rule: {unnamed[:3]}")
    return None


def implausible(value: Any, path: str = "$") -> Iterator[str]:
    """Where a JSON document holds a date outside years 2000-2100, a blank text, or a control character."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from implausible(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from implausible(v, f"{path}[{i}]")
    elif isinstance(value, str):
        match = DATE_LIKE.match(value)
        if match and int(match.group(1)) not in YEARS:
            yield f"{path} = {value!r}: a year outside {YEARS.start}-{YEARS.stop - 1}"
        if all(c.isspace() or unicodedata.category(c) == "Cf" for c in value):
            yield f"{path} = {value!r}: blank text (nothing but whitespace and invisible format characters)"
        if BIDI_CONTROLS.intersection(value):
            yield f"{path} = {value[:60]!r}: a bidirectional override, embedding or isolate"
        controls = sorted({c for c in value if unicodedata.category(c) == "Cc" and c not in ALLOWED_CONTROLS})
        if controls:
            yield f"{path} = {value[:60]!r}: control characters {controls}"


@schemathesis.check
def only_plausible_data(ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Any) -> None:
    """No 2xx answer holds a date outside 2000-2100, a blank or whitespace-only text, or a control character
    (newlines aside): what the service answers with, it accepted and stores."""
    if not 200 <= response.status_code < 300:
        return None
    found = list(implausible(_json(response)))
    if found:
        raise AssertionError("\n".join(f"accepted implausible data: {f}" for f in found[:5]))
    return None
