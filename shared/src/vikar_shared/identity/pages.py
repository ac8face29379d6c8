"""Serving a page behind the one identity: who is asking, verified locally, or where to send them first.

Every page-serving service (timesheet's company portal today; municipality pages and the agency's
workspace later) reads the ``vikar_session`` cookie (:data:`vikar_shared.identity.tokens.COOKIE_NAME`,
``Path=/`` on the one origin), verifies it here with the identity owner's public keys
(``settings.identity_verify_keys``, kid → Ed25519 PEM) at the app's clock (``app.state.clock``, so a
frozen or settable clock works), and refuses a session the owner said ended. No call to the owner per
request.

The choice (issue 7, item 4b): **short access tokens refreshed by the owner, plus revocation events.**
An access token lives five minutes (at most fifteen); the owner (placement, which keeps the directory of
people) re-mints it at ``/auth/refresh`` while its own session (the ``vikar_refresh`` cookie, path
``/auth/``) lives. A logout, or a person removed, ends the owner's session at once and publishes
``placement.page_session_ended``; each service records it (:mod:`vikar_shared.identity.revocation`) and
refuses that ``sid`` within seconds of the event, long before the token's own expiry. A service may also
refuse on its own data at once (the portal: an approver no longer listed for the company).

Where a visitor is sent (303, nothing done; ``next`` is always a local path of this origin):

- no cookie, a malformed, forged or foreign-key token, or a session recorded as ended →
  ``/auth/login?next=<path>`` (:data:`LOGIN_PATH`);
- an expired token, or (on a GET/HEAD) one expiring within :data:`REFRESH_MARGIN` →
  ``/auth/refresh?next=<path>`` (:data:`REFRESH_PATH`), where the owner re-mints it or sends to login.

``<path>`` is the requested path and query for a GET/HEAD; a POST cannot be replayed through a redirect,
so it names the page the form belongs to (``next_after_post``) and the POST decides nothing: the visitor
comes back to the page and acts again.

Forms: every POST echoes the session's ``csrf`` claim in the field :data:`CSRF_FIELD`;
:func:`csrf_matches` compares it in constant time. The value is fixed for the session, readable only from
the token (an ``HttpOnly`` cookie) by the server, and never stored.

Errors: :class:`PageSessionRequiredError` (``location``, ``rule``: ``session-missing``, ``session-ended``,
``session-refresh``, or :class:`~vikar_shared.identity.tokens.InvalidPageSessionError`'s rule).
:func:`install_page_session_redirects` turns it into the 303 for apps using the :data:`CurrentPageSession`
dependency.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

import asyncpg
from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from vikar_shared.http.deps import DbPool, Now
from vikar_shared.identity import revocation
from vikar_shared.identity.tokens import COOKIE_NAME, InvalidPageSessionError, PageSession, verify_page_session
from vikar_shared.web import csrf as web_csrf

LOGIN_PATH = "/auth/login"
REFRESH_PATH = "/auth/refresh"
LOGOUT_PATH = "/auth/logout"
CSRF_FIELD = web_csrf.FIELD
REFRESH_MARGIN = timedelta(seconds=30)
"""A page is not rendered with a token this close to expiry: its forms would be refused when posted."""
MAX_NEXT_LENGTH = 2000
_SAFE_METHODS = frozenset({"GET", "HEAD"})


class PageSessionRequiredError(Exception):
    """The visitor must log in (or get a fresh token) first: answer 303 to ``location``; nothing was done."""

    def __init__(self, location: str, rule: str) -> None:
        super().__init__(f"{rule}: see {location}")
        self.location = location
        self.rule = rule


def local_path(raw: str | None, default: str = "/") -> str:
    """``raw`` if it is a path of this origin (``/``, not ``//`` or ``/\\``, no scheme or control
    character, at most :data:`MAX_NEXT_LENGTH` characters), else ``default``: never an open redirect."""
    if (
        not raw
        or len(raw) > MAX_NEXT_LENGTH
        or not raw.startswith("/")
        or raw.startswith(("//", "/\\"))
        or any(ord(c) < 0x20 or ord(c) == 0x7F or c == "\\" for c in raw)
    ):
        return default
    return raw


def login_url(next_path: str) -> str:
    """``/auth/login?next=<next_path>`` (``next_path`` checked by :func:`local_path`)."""
    return f"{LOGIN_PATH}?{urlencode({'next': local_path(next_path)})}"


def refresh_url(next_path: str) -> str:
    """``/auth/refresh?next=<next_path>`` (``next_path`` checked by :func:`local_path`)."""
    return f"{REFRESH_PATH}?{urlencode({'next': local_path(next_path)})}"


def requested_path(request: Request) -> str:
    """The request's path and query, as ``next`` gives it back."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


async def authenticate(
    request: Request,
    conn: asyncpg.Connection | asyncpg.Pool,
    *,
    now: datetime,
    verify_keys: dict[str, str],
    next_after_post: str = "/",
) -> PageSession:
    """The verified, unexpired, not ended page session of ``request``'s ``vikar_session`` cookie.

    ``verify_keys``: kid → Ed25519 public PEM (``settings.identity_verify_keys``); ``now``: the app's
    clock; ``conn``: where the service's ``ended_page_sessions`` is read; ``next_after_post``: the page
    a refused non-GET comes back to. Raises :class:`PageSessionRequiredError` (see the module docstring)."""
    safe = request.method in _SAFE_METHODS
    next_path = requested_path(request) if safe else next_after_post
    token = request.cookies.get(COOKIE_NAME)
    if not token:
        raise PageSessionRequiredError(login_url(next_path), "session-missing")
    try:
        session = verify_page_session(token, public_keys_pem=verify_keys, now=now)
    except InvalidPageSessionError as exc:
        target = refresh_url if exc.rule == "token-expired" else login_url
        raise PageSessionRequiredError(target(next_path), exc.rule) from None
    if await revocation.is_ended(conn, session.session_id):
        raise PageSessionRequiredError(login_url(next_path), "session-ended")
    if safe and session.expires_at - now <= REFRESH_MARGIN:
        raise PageSessionRequiredError(refresh_url(next_path), "session-refresh")
    return session


def csrf_matches(session: PageSession, submitted: str | None) -> bool:
    """Whether a form's ``csrf_token`` is the session's ``csrf`` claim (constant time; empty never matches)."""
    return web_csrf.same_token(session.csrf, submitted)


def verify_keys_of(request: Request) -> dict[str, str]:
    """The app's page-session verify keys (``app.state.settings.identity_verify_keys``)."""
    keys: dict[str, str] = request.app.state.settings.identity_verify_keys
    return keys


async def _current_page_session(request: Request, pool: DbPool, now: Now) -> PageSession:
    return await authenticate(request, pool, now=now, verify_keys=verify_keys_of(request))


CurrentPageSession = Annotated[PageSession, Depends(_current_page_session)]
"""FastAPI dependency: the page session, or :class:`PageSessionRequiredError` (answered 303 by
:func:`install_page_session_redirects`). A non-GET refused by it comes back to ``/``."""


def redirect_response(exc: PageSessionRequiredError) -> Response:
    """The 303 for ``exc`` (``Cache-Control: no-store``: the answer depends on the cookie)."""
    return RedirectResponse(exc.location, status_code=303, headers={"Cache-Control": "no-store"})


def install_page_session_redirects(app: FastAPI) -> None:
    """Answers :class:`PageSessionRequiredError` raised anywhere in ``app`` with its 303."""

    async def handler(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PageSessionRequiredError)
        return redirect_response(exc)

    app.add_exception_handler(PageSessionRequiredError, handler)
