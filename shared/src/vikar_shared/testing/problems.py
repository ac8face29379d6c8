"""Reading problem+json answers (RFC 9457) in tests: which fields broke which rules."""

from __future__ import annotations

from typing import Any

from vikar_shared.http.problems import MEDIA_TYPE


def field_errors(response: Any) -> list[tuple[str, str]]:
    """``[(field, rule), ...]`` of a problem answer's ``errors``, in order; fails the test when the
    answer is not ``application/problem+json`` (a 4xx must be one) or carries no ``errors``."""
    assert response.headers["content-type"] == MEDIA_TYPE, response.text
    return [(e["field"], e["rule"]) for e in response.json()["errors"]]
