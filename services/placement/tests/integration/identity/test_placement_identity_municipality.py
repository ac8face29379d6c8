"""Login for municipality users (issue 12) through the shared identity, over HTTP (httpx, real PostgreSQL and
Kafka): the same links, rate limit, session and CSRF rules as approvers; the session's role is ``municipality``
with the municipality's id; with no ``next`` they land on ``/municipality/``; a removed user loses the session."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx

from vikar_shared.auth import Role
from vikar_shared.identity.tokens import DEV_KEY_ID, DEV_PUBLIC_KEY_PEM, verify_page_session
from vikar_shared.testing.plugin import bearer

if TYPE_CHECKING:
    from conftest import Identity

KEYS = {DEV_KEY_ID: DEV_PUBLIC_KEY_PEM}
ADMIN = bearer(Role.ADMIN, sub="admin-1")
TOKEN_IN_LINK = re.compile(r"/auth/login/([A-Za-z0-9_-]+)$")


async def _municipality(p: Identity, name: str, users: list[dict[str, str]]) -> uuid.UUID:
    r = await p.client.post("/municipalities", headers=ADMIN, json={"name": name, "users": users})
    assert r.status_code == 201, r.text
    return uuid.UUID(r.json()["id"])


def _token(p: Identity, event: dict[str, Any]) -> str:
    match = TOKEN_IN_LINK.search(p.opened_link(event))
    assert match is not None
    return match.group(1)


async def _confirm(p: Identity, token: str, browser: httpx.AsyncClient | None = None) -> httpx.Response:
    client = browser or p.client
    page = await client.get(f"/auth/login/{token}")
    assert page.status_code == 200, page.text
    return await client.post(f"/auth/login/{token}", data={"csrf_token": p.csrf_of(page.text)})


async def _log_in(
    p: Identity, email: str, browser: httpx.AsyncClient | None = None, next_path: str | None = None
) -> httpx.Response:
    assert (await p.ask_for_link(email, browser, next_path)).status_code == 303
    [event] = [e for e in await p.link_events() if e["data"]["email"] == email and e["data"]["role"] == "municipality"][
        -1:
    ]
    return await _confirm(p, _token(p, event), browser)


async def test_a_municipality_user_gets_a_sealed_link_whose_session_has_the_municipality_role(
    identity: Identity,
) -> None:
    p = identity
    email = f"mette-{uuid.uuid4().hex[:6]}@aalborg.dk"
    aalborg = await _municipality(p, "Aalborg", [{"email": email.upper(), "name": "Mette Jensen"}])

    asked = await p.ask_for_link(f" {email.upper()} ")

    assert (asked.status_code, asked.headers["location"]) == (303, "/auth/check-email")
    [event] = await p.link_events()
    data = event["data"]
    assert data["role"] == "municipality"
    assert data["email"] == email
    assert data["municipality_id"] == str(aalborg)
    assert data["company_id"] is None
    assert (data["municipality_name"], data["person_name"]) == ("Aalborg", "Mette Jensen")
    assert data["locale"] == "da"
    assert datetime.fromisoformat(data["expires_at"]) == p.clock.now() + timedelta(minutes=15)
    assert set(data["sealed_link"]) == {"key_id", "nonce", "ciphertext"}
    assert "/auth/login/" not in json.dumps(event)
    token = _token(p, event)
    assert token not in json.dumps(event)
    [row] = await p.pool.fetch("select token_hash, email, role, company_id, municipality_id from identity_login_tokens")
    assert bytes(row["token_hash"]) == hashlib.sha256(token.encode()).digest()
    assert (row["email"], row["role"], row["company_id"], row["municipality_id"]) == (
        email,
        "municipality",
        None,
        aalborg,
    )

    confirmed = await _confirm(p, token)

    assert (confirmed.status_code, confirmed.headers["location"]) == (303, "/municipality/")
    session = verify_page_session(p.access_token() or "", public_keys_pem=KEYS, now=p.clock.now())
    assert (session.role, session.municipality_id, session.company_id) == (Role.MUNICIPALITY, aalborg, None)
    assert session.subject == email
    assert {"httponly", "samesite=lax", "path=/"} <= set(p.cookie_flags(confirmed, "vikar_session"))
    [stored] = await p.pool.fetch("select email, role, municipality_id, company_id from identity_sessions")
    assert tuple(stored) == (email, "municipality", aalborg, None)
    # A refresh keeps the role and, with no next, lands on the municipality's pages again.
    p.clock.advance(minutes=4)
    refreshed = await p.client.get("/auth/refresh")
    assert (refreshed.status_code, refreshed.headers["location"]) == (303, "/municipality/")
    again = verify_page_session(p.access_token() or "", public_keys_pem=KEYS, now=p.clock.now())
    assert (again.session_id, again.role, again.municipality_id) == (session.session_id, Role.MUNICIPALITY, aalborg)


async def test_an_explicit_local_next_is_kept_for_a_municipality_user(identity: Identity) -> None:
    p = identity
    email = f"finn-{uuid.uuid4().hex[:6]}@aalborg.dk"
    await _municipality(p, "Aalborg", [{"email": email, "name": "Finn"}])

    confirmed = await _log_in(p, email, next_path="/municipality/statements")
    refreshed = await p.client.get("/auth/refresh", params={"next": "/municipality/progress?as_of=2026-06-30"})
    evil = await p.client.get("/auth/refresh", params={"next": "//evil.example/"})

    assert confirmed.headers["location"] == "/municipality/statements"
    assert refreshed.headers["location"] == "/municipality/progress?as_of=2026-06-30"
    assert evil.headers["location"] == "/municipality/"


async def test_a_removed_municipality_user_loses_the_session_and_cannot_refresh(identity: Identity) -> None:
    p = identity
    mette, finn = f"mette-{uuid.uuid4().hex[:6]}@aalborg.dk", f"finn-{uuid.uuid4().hex[:6]}@aalborg.dk"
    aalborg = await _municipality(p, "Aalborg", [{"email": mette, "name": "Mette"}, {"email": finn, "name": "Finn"}])
    await _log_in(p, mette)
    session = verify_page_session(p.access_token() or "", public_keys_pem=KEYS, now=p.clock.now())
    async with p.browser() as colleague:
        await _log_in(p, finn, colleague)
        # A link sent before the removal does not log in after it.
        async with p.browser() as other_browser:
            assert (await p.ask_for_link(mette, other_browser)).status_code == 303
        pending = [e for e in await p.link_events() if e["data"]["email"] == mette]
        unused = await p.pool.fetch("select token_hash from identity_login_tokens where used_at is null")
        [late] = [
            t
            for e in pending
            if hashlib.sha256((t := _token(p, e)).encode()).digest() in {bytes(r["token_hash"]) for r in unused}
        ]
        late_page = await p.client.get(f"/auth/login/{late}")

        removed = await p.client.delete(f"/municipalities/{aalborg}/users/{mette.upper()}", headers=ADMIN)
        assert removed.status_code == 200, removed.text

        refused = await p.client.get("/auth/refresh")
        assert (refused.status_code, refused.headers["location"]) == (303, "/auth/login?next=%2Fportal%2Fpending")
        assert (await colleague.get("/auth/refresh")).headers["location"] == "/municipality/"
    [ended] = await p.ended_events()
    assert ended["data"]["session_id"] == str(session.session_id)
    assert (ended["data"]["reason"], ended["data"]["email"]) == ("access-removed", mette)
    rows = await p.pool.fetch("select email, end_reason from identity_sessions")
    assert {(r["email"], r["end_reason"]) for r in rows} == {(mette, "access-removed"), (finn, None)}
    # The removal, its audit and the session's end are one transaction's writes.
    assert (
        await p.pool.fetchval(
            "select count(*) from audit_log where action = 'municipality.user_removed' and subject = $1", str(aalborg)
        )
        == 1
    )
    late_confirm = await p.client.post(f"/auth/login/{late}", data={"csrf_token": p.csrf_of(late_page.text)})
    assert late_confirm.status_code == 404
    assert await p.pool.fetchval("select count(*) from identity_sessions where ended_at is null") == 1


async def test_an_address_that_approves_and_is_a_municipality_user_gets_two_links(identity: Identity) -> None:
    p = identity
    aalborg = await _municipality(p, "Aalborg", [{"email": p.approver, "name": "Bo Kommune"}])

    await p.ask_for_link(p.approver)

    events = sorted(await p.link_events(), key=lambda e: e["data"]["role"])
    assert [(e["data"]["role"], e["data"]["company_id"], e["data"]["municipality_id"]) for e in events] == [
        ("company_approver", str(p.company_id), None),
        ("municipality", None, str(aalborg)),
    ]
    assert [(e["data"]["person_name"], e["data"]["municipality_name"]) for e in events] == [
        ("Bo Hansen", None),
        ("Bo Kommune", "Aalborg"),
    ]
    assert await p.pool.fetchval("select count(*) from identity_login_tokens") == 2
    # Each link opens its own role: the approver's lands on the portal, the municipality's on its pages.
    approver_link, municipality_link = (_token(p, e) for e in events)
    async with p.browser() as other:
        assert (await _confirm(p, approver_link, other)).headers["location"] == "/portal/pending"
        approver_session = verify_page_session(p.access_token(other) or "", public_keys_pem=KEYS, now=p.clock.now())
    assert (await _confirm(p, municipality_link)).headers["location"] == "/municipality/"
    municipality_session = verify_page_session(p.access_token() or "", public_keys_pem=KEYS, now=p.clock.now())
    assert (approver_session.role, approver_session.company_id) == (Role.COMPANY_APPROVER, p.company_id)
    assert (municipality_session.role, municipality_session.municipality_id) == (Role.MUNICIPALITY, aalborg)


async def test_a_municipality_user_is_rate_limited_like_an_approver(identity: Identity) -> None:
    p = identity
    email = f"mette-{uuid.uuid4().hex[:6]}@aalborg.dk"
    await _municipality(p, "Aalborg", [{"email": email, "name": "Mette"}])
    stranger = f"nobody-{uuid.uuid4().hex[:6]}@aalborg.dk"

    known = [(await p.ask_for_link(email)).status_code for _ in range(4)]
    unknown = [(await p.ask_for_link(stranger, p.browser(address="10.0.0.9"))).status_code for _ in range(4)]

    # Three pass at once, the fourth waits: the same answers as for an unknown address (no enumeration).
    assert known == unknown == [303, 303, 303, 429]
    assert len(await p.link_events()) == known.count(303)
