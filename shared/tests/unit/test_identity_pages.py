"""vikar_shared.identity.pages without a server: where each kind of visitor is sent, ``next`` never
leaving the origin, and the CSRF comparison."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.requests import Request

from vikar_shared.clock import FixedClock
from vikar_shared.identity.pages import (
    CurrentPageSession,
    PageSessionRequiredError,
    authenticate,
    csrf_matches,
    install_page_session_redirects,
    local_path,
    login_url,
    refresh_url,
)
from vikar_shared.identity.tokens import COOKIE_NAME
from vikar_shared.settings import ServiceSettings
from vikar_shared.testing.identity import page_session_cookie

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
# The keys every service trusts by default: the development key the fixture signs with.
KEYS = ServiceSettings().identity_verify_keys


class Ended:
    """Stands in for the service's connection: ``ended_page_sessions`` holding ``ended``."""

    def __init__(self, *ended: uuid.UUID) -> None:
        self.ended = set(ended)

    async def fetchval(self, _sql: str, session_id: uuid.UUID) -> Any:
        return True if session_id in self.ended else None


def _request(method: str = "GET", path: str = "/portal/pending", query: str = "", token: str | None = None) -> Request:
    headers = [(b"cookie", f"{COOKIE_NAME}={token}".encode())] if token else []
    return Request({"type": "http", "method": method, "path": path, "query_string": query.encode(), "headers": headers})


async def _where(request: Request, ended: Ended | None = None, now: datetime = NOW, **kwargs: Any) -> str:
    with pytest.raises(PageSessionRequiredError) as refused:
        await authenticate(request, ended or Ended(), now=now, verify_keys=KEYS, **kwargs)  # type: ignore[arg-type]
    return refused.value.location


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("/portal/pending?week=2026-W47", True),
        ("/", True),
        ("//evil.example/x", False),
        ("/\\evil.example", False),
        ("https://evil.example/", False),
        ("portal/pending", False),
        ("/portal/\r\nSet-Cookie:x=1", False),
        ("/" + "a" * 2000, False),
        ("", False),
        (None, False),
    ],
)
def test_next_is_always_a_path_of_this_origin(raw: str | None, kept: bool) -> None:
    assert local_path(raw) == (raw if kept else "/")
    assert login_url(raw or "").startswith("/auth/login?next=%2F")  # never anything but a local path


def test_login_and_refresh_urls_encode_next() -> None:
    assert login_url("/portal/history?month=2026-10") == "/auth/login?next=%2Fportal%2Fhistory%3Fmonth%3D2026-10"
    assert refresh_url("/portal/pending") == "/auth/refresh?next=%2Fportal%2Fpending"


async def test_a_valid_session_is_returned() -> None:
    minted = page_session_cookie(email="bo@bager.example", company_id=uuid.uuid4(), now=NOW)

    session = await authenticate(_request(token=minted.token), Ended(), now=NOW, verify_keys=KEYS)  # type: ignore[arg-type]

    assert (session.session_id, session.subject, session.company_id, session.csrf) == (
        minted.session.session_id,
        "bo@bager.example",
        minted.session.company_id,
        minted.csrf,
    )


async def test_each_visitor_is_sent_where_it_belongs() -> None:
    minted = page_session_cookie(email="bo@bager.example", now=NOW)
    other = page_session_cookie(email="bo@bager.example", now=NOW)
    get = "/portal/history?month=2026-10"
    login, refresh = login_url(get), refresh_url(get)

    assert await _where(_request(path="/portal/history", query="month=2026-10")) == login
    assert await _where(_request(path="/portal/history", query="month=2026-10", token="x.y.z")) == login
    expired = _request(path="/portal/history", query="month=2026-10", token=minted.token)
    assert await _where(expired, now=NOW + timedelta(minutes=5)) == refresh
    assert await _where(expired, now=NOW + timedelta(minutes=4, seconds=31)) == refresh  # about to expire
    assert await _where(expired, Ended(minted.session.session_id)) == login
    # Only that session ended.
    assert await authenticate(_request(token=other.token), Ended(minted.session.session_id), now=NOW, verify_keys=KEYS)  # type: ignore[arg-type]


async def test_a_post_is_never_replayed_it_comes_back_to_its_page() -> None:
    minted = page_session_cookie(email="bo@bager.example", now=NOW)
    post = _request("POST", "/portal/approve", token=minted.token)

    assert await _where(post, now=NOW + timedelta(minutes=5), next_after_post="/portal/pending") == refresh_url(
        "/portal/pending"
    )
    # A post with a token about to expire (but valid) acts: it was checked, nothing is gained by refusing.
    late = NOW + timedelta(minutes=4, seconds=59)
    assert await authenticate(post, Ended(), now=late, verify_keys=KEYS)  # type: ignore[arg-type]


def test_csrf_is_the_sessions_own_value_compared_in_constant_time() -> None:
    minted = page_session_cookie(email="bo@bager.example", now=NOW)
    value = minted.csrf

    assert csrf_matches(minted.session, value)
    assert not csrf_matches(minted.session, value[:-1])
    assert not csrf_matches(minted.session, value + "x")
    assert not csrf_matches(minted.session, "")
    assert not csrf_matches(minted.session, None)
    assert not csrf_matches(page_session_cookie(email="bo@bager.example", now=NOW).session, value)


async def test_the_dependency_gives_the_session_or_a_303() -> None:
    app = FastAPI()
    install_page_session_redirects(app)
    app.state.pool = Ended()
    app.state.clock = FixedClock(NOW)
    app.state.settings = ServiceSettings()

    @app.get("/pages/me")
    async def me(session: CurrentPageSession) -> dict[str, str]:
        return {"subject": session.subject}

    minted = page_session_cookie(email="bo@bager.example", now=NOW)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        anonymous = await client.get("/pages/me?x=1")
        client.cookies.set(COOKIE_NAME, minted.token)
        known = await client.get("/pages/me")

    assert (anonymous.status_code, anonymous.headers["location"]) == (303, "/auth/login?next=%2Fpages%2Fme%3Fx%3D1")
    assert (known.status_code, known.json()) == (200, {"subject": "bo@bager.example"})
