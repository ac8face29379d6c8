"""Login to pages over HTTP (httpx, real PostgreSQL and Kafka), ported from timesheet's portal login
tests when login moved to placement (issue 7 item 4b): single-use magic links that expire, the rate
limit, no account enumeration, CSRF on every form, the session and refresh cookies and their flags."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import httpx
import pytest

from vikar_shared.identity.tokens import DEV_KEY_ID, DEV_PUBLIC_KEY_PEM, InvalidPageSessionError, verify_page_session

if TYPE_CHECKING:
    from conftest import Identity

KEYS = {DEV_KEY_ID: DEV_PUBLIC_KEY_PEM}


async def test_a_registered_approver_gets_one_link_event_with_a_15_minute_single_use_token(
    identity: Identity,
) -> None:
    p = identity

    response = await p.ask_for_link(f"  {p.approver.upper()} ")

    assert response.status_code == 303
    assert response.headers["location"] == "/auth/check-email"
    [event] = await p.link_events()
    assert event["version"] == 1
    data = event["data"]
    assert data["email"] == p.approver
    assert data["company_id"] == str(p.company_id)
    assert data["role"] == "company_approver"
    assert data["locale"] == "da"
    assert datetime.fromisoformat(data["expires_at"]) == p.clock.now() + timedelta(minutes=15)
    # The link travels sealed for notifications: nothing on the topic reads as a link or a token.
    assert "link" not in data
    assert set(data["sealed_link"]) == {"key_id", "nonce", "ciphertext"}
    assert "/auth/login/" not in json.dumps(event)
    assert p.opened_link(event).startswith(f"{p.base_url}/auth/login/")
    token = await p.latest_token()
    assert token not in json.dumps(event)
    # Once Kafka has it, the outbox keeps nothing of it.
    assert await p.pool.fetchval("select count(*) from outbox where envelope->>'type' like '%login_link%'") == 0
    assert len(token) >= 43  # 256 random bits, URL-safe
    [row] = await p.pool.fetch("select token_hash, email, company_id, used_at from identity_login_tokens")
    # Only the hash is kept: the table never holds the token itself.
    assert bytes(row["token_hash"]) == hashlib.sha256(token.encode()).digest()
    assert (row["email"], row["company_id"], row["used_at"]) == (p.approver, p.company_id, None)


async def test_an_unknown_address_gets_the_same_answer_and_no_event(identity: Identity) -> None:
    p = identity
    known = await p.ask_for_link(p.approver)
    stranger = p.browser()

    unknown = await p.ask_for_link(f"nobody-{uuid.uuid4().hex[:6]}@bager.example", stranger)

    assert (unknown.status_code, unknown.headers["location"]) == (known.status_code, known.headers["location"])
    page_for_known = await p.client.get(known.headers["location"])
    page_for_unknown = await stranger.get(unknown.headers["location"])
    assert page_for_unknown.status_code == page_for_known.status_code == 200
    assert page_for_unknown.text == page_for_known.text
    assert "Tjek din e-mail" in page_for_unknown.text
    assert len(await p.link_events()) == 1
    assert await p.pool.fetchval("select count(*) from identity_login_tokens") == 1


async def test_opening_the_link_does_not_use_it_and_confirming_uses_it_once(identity: Identity) -> None:
    p = identity
    await p.ask_for_link(p.approver)
    token = await p.latest_token()

    first_look = await p.client.get(f"/auth/login/{token}")
    second_look = await p.client.get(f"/auth/login/{token}")
    assert first_look.status_code == second_look.status_code == 200
    assert "Bekræft login" in second_look.text
    assert await p.pool.fetchval("select used_at from identity_login_tokens") is None

    confirmed = await p.client.post(f"/auth/login/{token}", data={"csrf_token": p.csrf_of(second_look.text)})
    assert confirmed.status_code == 303
    assert confirmed.headers["location"] == "/portal/pending"
    assert await p.pool.fetchval("select used_at from identity_login_tokens") == p.clock.now()

    again = p.browser()
    look = await again.get(f"/auth/login/{token}")
    replay = await again.post(
        f"/auth/login/{token}", data={"csrf_token": p.csrf_of((await again.get("/auth/login")).text)}
    )
    assert look.status_code == replay.status_code == 410
    assert "Linket er allerede brugt" in replay.text
    assert "vikar_session" not in replay.headers.get("set-cookie", "")
    assert await p.pool.fetchval("select count(*) from identity_sessions") == 1


async def test_a_link_older_than_15_minutes_is_refused_as_expired(identity: Identity) -> None:
    p = identity
    await p.ask_for_link(p.approver)
    token = await p.latest_token()
    page = await p.client.get(f"/auth/login/{token}")
    p.clock.advance(minutes=15)

    confirmed = await p.client.post(f"/auth/login/{token}", data={"csrf_token": p.csrf_of(page.text)})

    assert confirmed.status_code == 410
    assert "Linket er udløbet" in confirmed.text
    assert (await p.client.get(f"/auth/login/{token}")).status_code == 410
    assert await p.pool.fetchval("select count(*) from identity_sessions") == 0
    assert await p.pool.fetchval("select used_at from identity_login_tokens") is None


async def test_one_second_before_expiry_the_link_still_works(identity: Identity) -> None:
    p = identity
    await p.ask_for_link(p.approver)
    token = await p.latest_token()
    page = await p.client.get(f"/auth/login/{token}")
    p.clock.advance(minutes=15, seconds=-1)

    confirmed = await p.client.post(f"/auth/login/{token}", data={"csrf_token": p.csrf_of(page.text)})

    assert confirmed.status_code == 303


async def test_an_invented_token_is_an_invalid_link(identity: Identity) -> None:
    p = identity
    page = await p.client.get("/auth/login")

    look = await p.client.get("/auth/login/not-a-real-token")
    post = await p.client.post("/auth/login/" + "x" * 300, data={"csrf_token": p.csrf_of(page.text)})

    assert look.status_code == post.status_code == 404
    assert "Ugyldigt link" in look.text


async def test_login_sets_a_5_minute_access_token_and_an_8_hour_refresh_cookie(identity: Identity) -> None:
    p = identity

    confirmed = await p.log_in()

    access = p.cookie_flags(confirmed, "vikar_session")
    assert {"httponly", "samesite=lax", "path=/", "max-age=28800"} <= set(access)
    refresh = p.cookie_flags(confirmed, "vikar_refresh")
    assert {"httponly", "samesite=lax", "path=/auth/", "max-age=28800"} <= set(refresh)
    assert "secure" not in access + refresh  # served over plain http in this test
    secret = p.cookie_value(confirmed, "vikar_refresh")
    assert secret is not None and len(secret) >= 43
    [row] = await p.pool.fetch("select * from identity_sessions")
    assert bytes(row["refresh_hash"]) == hashlib.sha256(secret.encode()).digest()
    assert (row["email"], row["company_id"], row["role"]) == (p.approver, p.company_id, "company_approver")
    assert row["expires_at"] == p.clock.now() + timedelta(hours=8)
    token = p.cookie_value(confirmed, "vikar_session")
    assert token is not None
    session = verify_page_session(token, public_keys_pem=KEYS, now=p.clock.now())
    assert (session.subject, session.company_id, session.role.value) == (p.approver, p.company_id, "company_approver")
    assert session.session_id == row["session_id"]
    assert session.lang == "da"
    assert session.expires_at == p.clock.now() + timedelta(minutes=5)


async def test_over_https_both_cookies_are_secure(identity: Identity) -> None:
    p = identity
    async with p.browser("https://testserver") as browser:
        confirmed = await p.log_in(browser)

    assert confirmed.status_code == 303
    assert "secure" in p.cookie_flags(confirmed, "vikar_session")
    assert "secure" in p.cookie_flags(confirmed, "vikar_refresh")


async def test_refresh_issues_a_new_access_token_of_the_same_session(identity: Identity) -> None:
    p = identity
    await p.log_in()
    first_token = p.access_token() or ""
    first = verify_page_session(first_token, public_keys_pem=KEYS, now=p.clock.now())
    p.clock.advance(minutes=4)

    refreshed = await p.client.get("/auth/refresh", params={"next": "/portal/history?month=2026-11"})

    assert (refreshed.status_code, refreshed.headers["location"]) == (303, "/portal/history?month=2026-11")
    assert p.cookie_value(refreshed, "vikar_refresh") is None  # the refresh secret is not re-sent
    token = p.cookie_value(refreshed, "vikar_session")
    assert token is not None
    second = verify_page_session(token, public_keys_pem=KEYS, now=p.clock.now())
    assert (second.session_id, second.subject, second.csrf) == (first.session_id, first.subject, first.csrf)
    assert second.expires_at == p.clock.now() + timedelta(minutes=5)
    # The old one is worthless after its five minutes; the new one is not.
    p.clock.advance(minutes=2)
    with pytest.raises(InvalidPageSessionError) as expired:
        verify_page_session(first_token, public_keys_pem=KEYS, now=p.clock.now())
    assert expired.value.rule == "token-expired"
    assert verify_page_session(token, public_keys_pem=KEYS, now=p.clock.now()).session_id == first.session_id


async def test_without_a_session_refresh_sends_the_browser_to_login_keeping_next(identity: Identity) -> None:
    p = identity

    response = await p.client.get("/auth/refresh", params={"next": "/portal/history?month=2026-11"})

    assert response.status_code == 303
    assert response.headers["location"] == "/auth/login?next=%2Fportal%2Fhistory%3Fmonth%3D2026-11"
    login = await p.client.get(response.headers["location"])
    assert 'name="next" value="/portal/history?month=2026-11"' in login.text
    p.client.cookies.set("vikar_refresh", "x" * 43, path="/auth/")
    assert (await p.client.get("/auth/refresh")).headers["location"].startswith("/auth/login")


async def test_a_session_ends_after_8_hours(identity: Identity) -> None:
    p = identity
    await p.log_in()
    p.clock.advance(hours=8, seconds=-1)
    assert (await p.client.get("/auth/refresh")).headers["location"] == "/portal/pending"
    p.clock.advance(seconds=1)

    response = await p.client.get("/auth/refresh")

    assert (response.status_code, response.headers["location"]) == (303, "/auth/login?next=%2Fportal%2Fpending")


async def test_logout_ends_the_session_clears_both_cookies_and_announces_it(identity: Identity) -> None:
    p = identity
    await p.log_in()
    session = verify_page_session(p.access_token() or "", public_keys_pem=KEYS, now=p.clock.now())
    p.clock.advance(minutes=1)

    response = await p.client.post("/auth/logout", data={"csrf_token": session.csrf})

    assert (response.status_code, response.headers["location"]) == (303, "/auth/login?logged_out=1")
    assert p.cookie_value(response, "vikar_session") == ""
    assert p.cookie_value(response, "vikar_refresh") == ""
    [row] = await p.pool.fetch("select ended_at, end_reason from identity_sessions")
    assert (row["ended_at"], row["end_reason"]) == (p.clock.now(), "logout")
    [ended] = await p.ended_events()
    assert ended["version"] == 1
    assert ended["data"]["session_id"] == str(session.session_id)
    assert ended["data"]["email"] == p.approver
    assert ended["data"]["reason"] == "logout"
    assert datetime.fromisoformat(ended["data"]["ended_at"]) == p.clock.now()
    assert datetime.fromisoformat(ended["data"]["not_after"]) >= session.expires_at
    logged_out = await p.client.get("/auth/login?logged_out=1")
    assert "Du er logget ud." in logged_out.text


async def test_after_logout_the_old_refresh_cookie_opens_nothing(identity: Identity) -> None:
    p = identity
    await p.log_in()
    secret = p.refresh_secret()
    session = verify_page_session(p.access_token() or "", public_keys_pem=KEYS, now=p.clock.now())
    await p.client.post("/auth/logout", data={"csrf_token": session.csrf})

    async with p.browser() as thief:
        thief.cookies.set("vikar_refresh", secret or "", path="/auth/")
        response = await thief.get("/auth/refresh")

    assert response.headers["location"].startswith("/auth/login")
    assert p.cookie_value(response, "vikar_session") == ""


async def test_an_approver_removed_from_the_company_loses_the_session_everywhere(identity: Identity) -> None:
    p = identity
    await p.log_in()
    session = verify_page_session(p.access_token() or "", public_keys_pem=KEYS, now=p.clock.now())
    async with p.browser() as colleague:
        await p.log_in(colleague, email=p.other_approver)

        await p.remove_approver(p.approver)

        refused = await p.client.get("/auth/refresh")
        assert (refused.status_code, refused.headers["location"]) == (303, "/auth/login?next=%2Fportal%2Fpending")
        assert (await colleague.get("/auth/refresh")).headers["location"] == "/portal/pending"
    [ended] = await p.ended_events()
    assert ended["data"]["session_id"] == str(session.session_id)
    assert (ended["data"]["reason"], ended["data"]["email"]) == ("access-removed", p.approver)
    rows = await p.pool.fetch("select email, end_reason from identity_sessions order by email")
    assert {(r["email"], r["end_reason"]) for r in rows} == {(p.approver, "access-removed"), (p.other_approver, None)}
    # The removal, its audit, CompanyUpdated and the session's end are one transaction's writes.
    types = [r["t"] for r in await p.pool.fetch("select envelope->>'type' as t from outbox order by id")]
    assert types[-2:] == ["placement.page_session_ended", "placement.company_updated"]


async def test_a_link_sent_before_the_removal_does_not_log_in_after_it(identity: Identity) -> None:
    p = identity
    await p.ask_for_link(p.approver)
    token = await p.latest_token()
    page = await p.client.get(f"/auth/login/{token}")
    await p.remove_approver(p.approver)

    confirmed = await p.client.post(f"/auth/login/{token}", data={"csrf_token": p.csrf_of(page.text)})

    assert confirmed.status_code == 404
    assert await p.pool.fetchval("select count(*) from identity_sessions") == 0


@pytest.mark.parametrize(
    "evil",
    ["//evil.example/", "https://evil.example/", "/\\evil.example", "http:/evil", "portal/pending", "/\t/evil.example"],
)
async def test_next_never_leaves_the_origin(identity: Identity, evil: str) -> None:
    p = identity

    confirmed = await p.log_in(next_path=evil)
    refreshed = await p.client.get("/auth/refresh", params={"next": evil})
    login = await p.browser().get("/auth/login", params={"next": evil})

    assert confirmed.headers["location"] == refreshed.headers["location"] == "/portal/pending"
    assert 'name="next" value="/portal/pending"' in login.text


async def test_a_local_next_is_kept_through_the_login_link(identity: Identity) -> None:
    p = identity

    confirmed = await p.log_in(next_path="/portal/history?month=2026-10")

    assert confirmed.headers["location"] == "/portal/history?month=2026-10"


async def _statuses(p: Identity, email: str, times: int, browser: httpx.AsyncClient | None = None) -> list[int]:
    return [(await p.ask_for_link(email, browser)).status_code for _ in range(times)]


async def test_requests_for_one_address_back_off_doubling_and_never_wait_more_than_a_minute(
    identity: Identity,
) -> None:
    p = identity
    # Three pass at once (a lost mail, a second device); the fourth must wait 5 s after the third.
    assert await _statuses(p, p.approver, 4) == [303, 303, 303, 429]
    refused = await p.ask_for_link(p.approver)
    assert refused.headers["retry-after"] == "5"
    assert "For mange forsøg" in refused.text
    assert "Vent 5 sekunder" in refused.text

    waits = []
    for _ in range(6):
        wait = int((await p.ask_for_link(p.approver)).headers["retry-after"])
        waits.append(wait)
        p.clock.advance(seconds=wait - 1)
        assert (await p.ask_for_link(p.approver)).status_code == 429  # a second early
        p.clock.advance(seconds=1)
        assert (await p.ask_for_link(p.approver)).status_code == 303
    # Doubling, capped at a minute: never a lockout.
    assert waits == [5, 10, 20, 40, 60, 60]
    assert len(await p.link_events()) == 3 + 6

    # Refused requests are not counted: after the window nothing is remembered at all.
    p.clock.advance(minutes=10)
    assert await _statuses(p, p.approver, 3) == [303, 303, 303]


async def test_an_unknown_address_is_rate_limited_exactly_like_a_known_one(identity: Identity) -> None:
    p = identity
    unknown = f"nobody-{uuid.uuid4().hex[:6]}@bager.example"

    known_answers = await _statuses(p, p.approver, 4)
    other = p.browser(address="198.51.100.9")
    unknown_answers = await _statuses(p, unknown, 4, other)
    known_page = await p.ask_for_link(p.approver)
    unknown_page = await p.ask_for_link(unknown, other)

    assert known_answers == unknown_answers == [303, 303, 303, 429]
    # The same neutral page, word for word: a limited request tells nothing about the address.
    assert (known_page.status_code, known_page.headers["retry-after"]) == (429, "5")
    assert (unknown_page.status_code, unknown_page.headers["retry-after"]) == (429, "5")
    assert known_page.text == unknown_page.text
    assert len(await p.link_events()) == 3


async def test_one_client_backs_off_after_10_requests_whatever_the_addresses(identity: Identity) -> None:
    p = identity
    answers = [(await p.ask_for_link(f"guess-{n}@bager.example")).status_code for n in range(10)]
    assert answers == [303] * 10

    refused = await p.ask_for_link(p.approver)

    assert (refused.status_code, refused.headers["retry-after"]) == (429, "5")
    assert await p.link_events() == []
    p.clock.advance(seconds=5)
    assert (await p.ask_for_link(p.approver)).status_code == 303


async def test_an_attacker_cannot_lock_an_approver_out(identity: Identity) -> None:
    """Another client hammering the approver's address for ten minutes: the approver, from their own
    browser, never waits more than a minute, and every request that passed mailed *them* a link."""
    p = identity
    attacker = p.browser(address="203.0.113.66")
    approver = p.browser(address="198.51.100.20")
    for _ in range(60):
        await _statuses(p, p.approver, 5, attacker)
        p.clock.advance(seconds=10)

    refused = await p.ask_for_link(p.approver, approver)
    if refused.status_code == 429:
        wait = int(refused.headers["retry-after"])
        assert wait <= 60
        p.clock.advance(seconds=wait)
    answered = await p.ask_for_link(p.approver, approver)

    assert answered.status_code == 303
    events = await p.link_events()
    assert {e["data"]["email"] for e in events} == {p.approver}  # links go to the owner only
    token = await p.latest_token()
    confirm = await approver.get(f"/auth/login/{token}")
    confirmed = await approver.post(f"/auth/login/{token}", data={"csrf_token": p.csrf_of(confirm.text)})
    assert confirmed.status_code == 303
    assert "vikar_session=" in confirmed.headers["set-cookie"]


async def test_an_attackers_burst_leaves_the_approver_a_link_within_the_first_backoff(identity: Identity) -> None:
    p = identity
    attacker = p.browser(address="203.0.113.66")
    assert (await _statuses(p, p.approver, 50, attacker))[:4] == [303, 303, 303, 429]

    approver = p.browser(address="198.51.100.20")
    first = await p.ask_for_link(p.approver, approver)
    assert (first.status_code, first.headers["retry-after"]) == (429, "5")
    p.clock.advance(seconds=5)
    assert (await p.ask_for_link(p.approver, approver)).status_code == 303


async def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(identity: Identity) -> None:
    p = identity
    # Loopback, but no proxy is configured: each request claims another client, all count as the peer's.
    answers = [
        (
            await p.client.post(
                "/auth/login",
                data={
                    "csrf_token": p.csrf_of((await p.client.get("/auth/login")).text),
                    "email": f"g{n}@bager.example",
                },
                headers={"X-Forwarded-For": f"203.0.113.{n}"},
            )
        ).status_code
        for n in range(11)
    ]

    assert answers == [303] * 10 + [429]
    clients = await p.pool.fetch("select distinct client from identity_login_requests")
    assert [r["client"] for r in clients] == ["127.0.0.1"]


@pytest.mark.parametrize("identity", [{"trusted_proxies": ["127.0.0.0/8"]}], indirect=True)
async def test_x_forwarded_for_from_a_configured_proxy_names_the_client(identity: Identity) -> None:
    p = identity
    page = await p.client.get("/auth/login")

    async def ask(email: str, client: str) -> int:
        response = await p.client.post(
            "/auth/login",
            data={"csrf_token": p.csrf_of(page.text), "email": email},
            headers={"X-Forwarded-For": client},
        )
        return response.status_code

    # Behind the proxy, 11 different clients are 11 clients: none is limited by the others.
    assert [await ask(f"g{n}@bager.example", f"203.0.113.{n}") for n in range(11)] == [303] * 11
    # One client behind the proxy is still limited on its own.
    assert [await ask(f"h{n}@bager.example", "198.51.100.7") for n in range(11)] == [303] * 10 + [429]
    clients = {r["client"] for r in await p.pool.fetch("select client from identity_login_requests")}
    assert "127.0.0.1" not in clients
    assert clients == {f"203.0.113.{n}" for n in range(11)} | {"198.51.100.7"}


async def test_a_login_post_without_the_csrf_token_is_403_and_sends_nothing(identity: Identity) -> None:
    p = identity
    await p.client.get("/auth/login")

    missing = await p.client.post("/auth/login", data={"email": p.approver})
    wrong = await p.client.post("/auth/login", data={"email": p.approver, "csrf_token": "forged"})
    no_cookie = await p.browser().post("/auth/login", data={"email": p.approver, "csrf_token": "forged"})

    assert missing.status_code == wrong.status_code == no_cookie.status_code == 403
    assert "Handlingen blev afvist" in missing.text
    assert await p.link_events() == []
    assert await p.pool.fetchval("select count(*) from identity_login_requests") == 0


async def test_confirming_a_link_without_the_csrf_token_is_403_and_keeps_the_link(identity: Identity) -> None:
    p = identity
    await p.ask_for_link(p.approver)
    token = await p.latest_token()

    response = await p.client.post(f"/auth/login/{token}", data={})

    assert response.status_code == 403
    assert await p.pool.fetchval("select used_at from identity_login_tokens") is None
    assert await p.pool.fetchval("select count(*) from identity_sessions") == 0


async def test_logout_without_the_session_csrf_value_is_403_and_ends_nothing(identity: Identity) -> None:
    p = identity
    await p.log_in()
    pre_login_token = p.client.cookies.get("vikar_auth_csrf")

    posts = [
        await p.client.post("/auth/logout", data={}),
        await p.client.post("/auth/logout", data={"csrf_token": "forged"}),
        # The pre-login token is no substitute for the session's own.
        await p.client.post("/auth/logout", data={"csrf_token": pre_login_token}),
    ]

    assert [r.status_code for r in posts] == [403] * 3
    assert await p.pool.fetchval("select count(*) from identity_sessions where ended_at is null") == 1
    assert await p.ended_events() == []


async def test_a_malformed_address_is_asked_again_without_counting_or_sending(identity: Identity) -> None:
    p = identity

    response = await p.ask_for_link("not an address")

    assert response.status_code == 422
    assert "Skriv en gyldig e-mailadresse." in response.text
    assert 'aria-invalid="true"' in response.text
    assert await p.pool.fetchval("select count(*) from identity_login_requests") == 0


async def test_english_is_chosen_with_lang_and_kept_for_the_link_and_the_session(identity: Identity) -> None:
    p = identity
    english = await p.client.get("/auth/login?lang=en")
    assert '<html lang="en">' in english.text
    assert "Send login link" in english.text

    await p.client.post("/auth/login", data={"csrf_token": p.csrf_of(english.text), "email": p.approver, "lang": "en"})
    [event] = await p.link_events()
    assert event["data"]["locale"] == "en"
    token = await p.latest_token()
    confirm = await p.client.get(f"/auth/login/{token}")
    assert "Confirm log-in" in confirm.text
    await p.client.post(f"/auth/login/{token}", data={"csrf_token": p.csrf_of(confirm.text)})

    assert verify_page_session(p.access_token() or "", public_keys_pem=KEYS, now=p.clock.now()).lang == "en"
    danish = await p.client.get("/auth/refresh?lang=da")
    assert danish.status_code == 303
    assert verify_page_session(p.access_token() or "", public_keys_pem=KEYS, now=p.clock.now()).lang == "da"
    assert await p.pool.fetchval("select language from identity_sessions") == "da"


async def test_login_pages_forbid_framing_scripts_caching_and_referrers(identity: Identity) -> None:
    p = identity

    page = await p.client.get("/auth/login")

    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "script-src" not in page.headers["content-security-policy"]  # default-src 'none' covers scripts


async def test_logout_with_only_the_access_cookie_still_ends_the_session(identity: Identity) -> None:
    p = identity
    await p.log_in()
    token = p.access_token() or ""
    session = verify_page_session(token, public_keys_pem=KEYS, now=p.clock.now())

    async with p.browser() as other_tab:
        other_tab.cookies.set("vikar_session", token, path="/")
        refused = await other_tab.post("/auth/logout", data={"csrf_token": "forged"})
        response = await other_tab.post("/auth/logout", data={"csrf_token": session.csrf})

    assert refused.status_code == 403
    assert (response.status_code, response.headers["location"]) == (303, "/auth/login?logged_out=1")
    assert await p.pool.fetchval("select end_reason from identity_sessions") == "logout"
    assert [e["data"]["session_id"] for e in await p.ended_events()] == [str(session.session_id)]
    assert (await p.client.get("/auth/refresh")).headers["location"].startswith("/auth/login")
