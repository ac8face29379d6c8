"""CSRF tokens for HTML forms: making them, comparing them in constant time, the double-submit check.

A logged-in page echoes a token bound to the session (the session itself is verified by
:mod:`vikar_shared.identity`); before login there is no session, so the token is a random cookie the form
must echo (double submit): another site can make a browser post, but cannot read or set the cookie.
The hidden field is rendered by ``csrf_field(token)`` in every template (:mod:`vikar_shared.web.pages`).
"""

from __future__ import annotations

import hmac
import secrets

FIELD = "csrf_token"
MIN_LENGTH, MAX_LENGTH = 20, 128


def new_token() -> str:
    """A fresh random token (32 bytes, URL-safe base64: 43 characters)."""
    return secrets.token_urlsafe(32)


def same_token(expected: str | None, submitted: str | None) -> bool:
    """Whether ``submitted`` equals ``expected``, compared in constant time; a missing one never matches."""
    if not expected or not submitted:
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())


def double_submit_ok(cookie: str | None, submitted: str | None) -> bool:
    """The double-submit check: the form's field equals the browser's cookie (constant time), and the
    cookie has the length a token of ours has."""
    return cookie is not None and MIN_LENGTH <= len(cookie) <= MAX_LENGTH and same_token(cookie, submitted)


def reusable_token(cookie: str | None) -> tuple[str, bool]:
    """The browser's token if it looks like ours, else a new one; and whether it is new (set the cookie)."""
    if cookie and MIN_LENGTH <= len(cookie) <= MAX_LENGTH:
        return cookie, False
    return new_token(), True


class CsrfRejectedError(Exception):
    """A form whose CSRF token is missing or wrong: answered with a 403 page (:mod:`vikar_shared.web.site`),
    nothing done."""
