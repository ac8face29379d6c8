"""Portal login over HTTP (httpx, real PostgreSQL and Kafka): single-use magic links that expire, the
rate limit, no account enumeration, CSRF on every form, session cookies and their flags."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import httpx
import pytest

from vikar_shared.events.placement import CompanyUpdated
from vikar_shared.testing.plugin import publish_events, wait_until

if TYPE_CHECKING:
    from conftest import Portal

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match is not None, html
    return match.group(1)


async def test_a_registered_approver_gets_one_link_event_with_a_15_minute_single_use_token(portal: Portal) -> None:
    p = portal

    response = await p.ask_for_link(f"  {p.approver.upper()} ")

    assert response.status_code == 303
    assert response.headers["location"] == "/portal/check-email"
    [event] = await p.link_events()
    assert event["version"] == 2
    data = event["data"]
    assert data["email"] == p.approver
    assert data["company_id"] == str(p.company_id)
    assert data["locale"] == "da"
    assert datetime.fromisoformat(data["expires_at"]) == p.clock.now() + timedelta(minutes=15)
    # The link travels sealed for notifications: nothing on the topic reads as a link or a token.
    assert "link" not in data
    assert set(data["sealed_link"]) == {"key_id", "nonce", "ciphertext"}
    assert "/portal/login/" not in json.dumps(event)
    assert p.opened_link(event).startswith(f"{p.base_url}/portal/login/")
    token = await p.latest_token()
    assert token not in json.dumps(event)
    # Once Kafka has it, the outbox keeps nothing of it.
    assert await p.pool.fetchval("select count(*) from outbox where envelope->>'type' like '%login_link%'") == 0
    assert len(token) >= 43  # 256 random bits, URL-safe
    [row] = await p.pool.fetch("select token_hash, email, used_at from portal_login_tokens")
    # Only the hash is kept: the table never holds the token itself.
    assert bytes(row["token_hash"]) == hashlib.sha256(token.encode()).digest()
    assert (row["email"], row["used_at"]) == (p.approver, None)


async def test_an_unknown_address_gets_the_same_answer_and_no_event(portal: Portal) -> None:
    p = portal
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
    assert await p.pool.fetchval("select count(*) from portal_login_tokens") == 1


async def test_opening_the_link_does_not_use_it_and_confirming_uses_it_once(portal: Portal) -> None:
    p = portal
    await p.ask_for_link(p.approver)
    token = await p.latest_token()

    first_look = await p.client.get(f"/portal/login/{token}")
    second_look = await p.client.get(f"/portal/login/{token}")
    assert first_look.status_code == second_look.status_code == 200
    assert "Bekræft login" in second_look.text
    assert await p.pool.fetchval("select used_at from portal_login_tokens") is None

    confirmed = await p.client.post(f"/portal/login/{token}", data={"csrf_token": csrf_of(second_look.text)})
    assert confirmed.status_code == 303
    assert confirmed.headers["location"] == "/portal/pending"
    assert await p.pool.fetchval("select used_at from portal_login_tokens") == p.clock.now()

    again = p.browser()
    look = await again.get(f"/portal/login/{token}")
    replay = await again.post(
        f"/portal/login/{token}", data={"csrf_token": csrf_of((await again.get("/portal/login")).text)}
    )
    assert look.status_code == replay.status_code == 410
    assert "Linket er allerede brugt" in replay.text
    assert "vikar_portal_session" not in replay.headers.get("set-cookie", "")
    assert await p.pool.fetchval("select count(*) from portal_sessions") == 1


async def test_a_link_older_than_15_minutes_is_refused_as_expired(portal: Portal) -> None:
    p = portal
    await p.ask_for_link(p.approver)
    token = await p.latest_token()
    page = await p.client.get(f"/portal/login/{token}")
    p.clock.advance(minutes=15)

    confirmed = await p.client.post(f"/portal/login/{token}", data={"csrf_token": csrf_of(page.text)})

    assert confirmed.status_code == 410
    assert "Linket er udløbet" in confirmed.text
    assert (await p.client.get(f"/portal/login/{token}")).status_code == 410
    assert await p.pool.fetchval("select count(*) from portal_sessions") == 0
    assert await p.pool.fetchval("select used_at from portal_login_tokens") is None


async def test_one_second_before_expiry_the_link_still_works(portal: Portal) -> None:
    p = portal
    await p.ask_for_link(p.approver)
    token = await p.latest_token()
    page = await p.client.get(f"/portal/login/{token}")
    p.clock.advance(minutes=15, seconds=-1)

    confirmed = await p.client.post(f"/portal/login/{token}", data={"csrf_token": csrf_of(page.text)})

    assert confirmed.status_code == 303


async def test_an_invented_token_is_an_invalid_link(portal: Portal) -> None:
    p = portal
    page = await p.client.get("/portal/login")

    look = await p.client.get("/portal/login/not-a-real-token")
    post = await p.client.post("/portal/login/" + "x" * 300, data={"csrf_token": csrf_of(page.text)})

    assert look.status_code == post.status_code == 404
    assert "Ugyldigt link" in look.text


async def test_the_session_cookie_is_httponly_lax_and_limited_to_the_portal(portal: Portal) -> None:
    p = portal

    confirmed = await p.log_in()

    cookie = confirmed.headers["set-cookie"]
    assert cookie.startswith("vikar_portal_session=")
    flags = [part.strip().lower() for part in cookie.split(";")]
    assert "httponly" in flags
    assert "samesite=lax" in flags
    assert "path=/portal" in flags
    assert "max-age=28800" in flags
    assert "secure" not in flags  # served over plain http in this test
    session_id = cookie.split(";")[0].split("=", 1)[1]
    assert len(session_id) >= 43
    [row] = await p.pool.fetch("select id_hash, email, company_id, expires_at from portal_sessions")
    assert bytes(row["id_hash"]) == hashlib.sha256(session_id.encode()).digest()
    assert (row["email"], row["company_id"]) == (p.approver, p.company_id)
    assert row["expires_at"] == p.clock.now() + timedelta(hours=8)
    pending = await p.client.get("/portal/pending")
    assert pending.status_code == 200
    assert "Timer til godkendelse" in pending.text


async def test_over_https_the_session_cookie_is_secure(portal: Portal) -> None:
    p = portal
    async with p.browser("https://testserver") as browser:
        confirmed = await p.log_in(browser)

    assert confirmed.status_code == 303
    flags = [part.strip().lower() for part in confirmed.headers["set-cookie"].split(";")]
    assert "secure" in flags


async def test_pages_without_a_session_send_the_browser_to_login(portal: Portal) -> None:
    p = portal
    for path in ("/portal/pending", "/portal/history", f"/portal/entries/{uuid.uuid4()}/reject"):
        response = await p.client.get(path)
        assert (response.status_code, response.headers["location"]) == (303, "/portal/login"), path


async def test_a_session_ends_after_8_hours(portal: Portal) -> None:
    p = portal
    await p.log_in()
    p.clock.advance(hours=8)

    response = await p.client.get("/portal/pending")

    assert (response.status_code, response.headers["location"]) == (303, "/portal/login")


async def test_logout_deletes_the_session_and_clears_the_cookie(portal: Portal) -> None:
    p = portal
    await p.log_in()
    page = await p.client.get("/portal/pending")

    response = await p.client.post("/portal/logout", data={"csrf_token": csrf_of(page.text)})

    assert (response.status_code, response.headers["location"]) == (303, "/portal/login?logged_out=1")
    assert 'vikar_portal_session=""' in response.headers["set-cookie"]
    assert await p.pool.fetchval("select count(*) from portal_sessions") == 0
    assert (await p.client.get("/portal/pending")).status_code == 303


async def test_an_approver_removed_from_the_company_loses_the_session(portal: Portal) -> None:
    p = portal
    await p.log_in()
    updated = CompanyUpdated(company_id=p.company_id, name="Bager Hansen ApS", cvr="12345674", approvers=[])
    await publish_events(p.kafka, p.namespace, [(updated, p.company_id)])

    async def removed() -> bool:
        return bool(await p.pool.fetchval("select count(*) from company_approvers") == 0)

    await wait_until(removed, what="the approver removed from the read model")
    response = await p.client.get("/portal/pending")

    assert (response.status_code, response.headers["location"]) == (303, "/portal/login")


async def _statuses(p: Portal, email: str, times: int, browser: httpx.AsyncClient | None = None) -> list[int]:
    return [(await p.ask_for_link(email, browser)).status_code for _ in range(times)]


async def test_requests_for_one_address_back_off_doubling_and_never_wait_more_than_a_minute(portal: Portal) -> None:
    p = portal
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


async def test_an_unknown_address_is_rate_limited_exactly_like_a_known_one(portal: Portal) -> None:
    p = portal
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


async def test_one_client_backs_off_after_10_requests_whatever_the_addresses(portal: Portal) -> None:
    p = portal
    answers = [(await p.ask_for_link(f"guess-{n}@bager.example")).status_code for n in range(10)]
    assert answers == [303] * 10

    refused = await p.ask_for_link(p.approver)

    assert (refused.status_code, refused.headers["retry-after"]) == (429, "5")
    assert await p.link_events() == []
    p.clock.advance(seconds=5)
    assert (await p.ask_for_link(p.approver)).status_code == 303


async def test_an_attacker_cannot_lock_an_approver_out(portal: Portal) -> None:
    """Another client hammering the approver's address for ten minutes: the approver, from their own
    browser, never waits more than a minute, and every request that passed mailed *them* a link."""
    p = portal
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
    confirm = await approver.get(f"/portal/login/{token}")
    confirmed = await approver.post(f"/portal/login/{token}", data={"csrf_token": csrf_of(confirm.text)})
    assert confirmed.status_code == 303
    assert "vikar_portal_session=" in confirmed.headers["set-cookie"]


async def test_an_attackers_burst_leaves_the_approver_a_link_within_the_first_backoff(portal: Portal) -> None:
    p = portal
    attacker = p.browser(address="203.0.113.66")
    assert (await _statuses(p, p.approver, 50, attacker))[:4] == [303, 303, 303, 429]

    approver = p.browser(address="198.51.100.20")
    first = await p.ask_for_link(p.approver, approver)
    assert (first.status_code, first.headers["retry-after"]) == (429, "5")
    p.clock.advance(seconds=5)
    assert (await p.ask_for_link(p.approver, approver)).status_code == 303


async def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(portal: Portal) -> None:
    p = portal
    # Loopback, but no proxy is configured: each request claims another client, all count as the peer's.
    answers = [
        (
            await p.client.post(
                "/portal/login",
                data={
                    "csrf_token": csrf_of((await p.client.get("/portal/login")).text),
                    "email": f"g{n}@bager.example",
                },
                headers={"X-Forwarded-For": f"203.0.113.{n}"},
            )
        ).status_code
        for n in range(11)
    ]

    assert answers == [303] * 10 + [429]
    clients = await p.pool.fetch("select distinct client from portal_login_requests")
    assert [r["client"] for r in clients] == ["127.0.0.1"]


@pytest.mark.parametrize("portal", [{"trusted_proxies": ["127.0.0.0/8"]}], indirect=True)
async def test_x_forwarded_for_from_a_configured_proxy_names_the_client(portal: Portal) -> None:
    p = portal
    page = await p.client.get("/portal/login")

    async def ask(email: str, client: str) -> int:
        response = await p.client.post(
            "/portal/login",
            data={"csrf_token": csrf_of(page.text), "email": email},
            headers={"X-Forwarded-For": client},
        )
        return response.status_code

    # Behind the proxy, 11 different clients are 11 clients: none is limited by the others.
    assert [await ask(f"g{n}@bager.example", f"203.0.113.{n}") for n in range(11)] == [303] * 11
    # One client behind the proxy is still limited on its own.
    assert [await ask(f"h{n}@bager.example", "198.51.100.7") for n in range(11)] == [303] * 10 + [429]
    clients = {r["client"] for r in await p.pool.fetch("select client from portal_login_requests")}
    assert "127.0.0.1" not in clients
    assert clients == {f"203.0.113.{n}" for n in range(11)} | {"198.51.100.7"}


async def test_a_login_post_without_the_csrf_token_is_403_and_sends_nothing(portal: Portal) -> None:
    p = portal
    await p.client.get("/portal/login")

    missing = await p.client.post("/portal/login", data={"email": p.approver})
    wrong = await p.client.post("/portal/login", data={"email": p.approver, "csrf_token": "forged"})
    no_cookie = await p.browser().post("/portal/login", data={"email": p.approver, "csrf_token": "forged"})

    assert missing.status_code == wrong.status_code == no_cookie.status_code == 403
    assert "Handlingen blev afvist" in missing.text
    assert await p.link_events() == []
    assert await p.pool.fetchval("select count(*) from portal_login_requests") == 0


async def test_confirming_a_link_without_the_csrf_token_is_403_and_keeps_the_link(portal: Portal) -> None:
    p = portal
    await p.ask_for_link(p.approver)
    token = await p.latest_token()

    response = await p.client.post(f"/portal/login/{token}", data={})

    assert response.status_code == 403
    assert await p.pool.fetchval("select used_at from portal_login_tokens") is None
    assert await p.pool.fetchval("select count(*) from portal_sessions") == 0


async def test_logged_in_forms_without_the_session_csrf_token_are_403_and_change_nothing(portal: Portal) -> None:
    p = portal
    entry_id = await p.submit(p.today - timedelta(days=1), 240)
    await p.log_in()
    pre_login_token = p.client.cookies.get("vikar_portal_csrf")

    posts = [
        await p.client.post(f"/portal/entries/{entry_id}/approve", data={}),
        await p.client.post(f"/portal/entries/{entry_id}/approve", data={"csrf_token": "forged"}),
        # The pre-login token is no substitute for the session's own.
        await p.client.post(f"/portal/entries/{entry_id}/approve", data={"csrf_token": pre_login_token}),
        await p.client.post(f"/portal/entries/{entry_id}/reject", data={"reason": "Forkert dag"}),
        await p.client.post("/portal/approve", data={"entry_id": entry_id}),
        await p.client.post("/portal/logout", data={}),
    ]

    assert [r.status_code for r in posts] == [403] * 6
    assert await p.pool.fetchval("select status from entries where id = $1", uuid.UUID(entry_id)) == "submitted"
    assert await p.pool.fetchval("select count(*) from portal_sessions") == 1


async def test_a_malformed_address_is_asked_again_without_counting_or_sending(portal: Portal) -> None:
    p = portal

    response = await p.ask_for_link("not an address")

    assert response.status_code == 422
    assert "Skriv en gyldig e-mailadresse." in response.text
    assert 'aria-invalid="true"' in response.text
    assert await p.pool.fetchval("select count(*) from portal_login_requests") == 0


async def test_english_is_chosen_with_lang_and_kept_for_the_link_and_the_session(portal: Portal) -> None:
    p = portal
    english = await p.client.get("/portal/login?lang=en")
    assert '<html lang="en">' in english.text
    assert "Send login link" in english.text

    await p.client.post("/portal/login", data={"csrf_token": csrf_of(english.text), "email": p.approver, "lang": "en"})
    [event] = await p.link_events()
    assert event["data"]["locale"] == "en"
    token = await p.latest_token()
    confirm = await p.client.get(f"/portal/login/{token}")
    assert "Confirm log-in" in confirm.text
    await p.client.post(f"/portal/login/{token}", data={"csrf_token": csrf_of(confirm.text)})

    pending = await p.client.get("/portal/pending")
    assert '<html lang="en">' in pending.text
    assert "Hours to approve" in pending.text
    danish = await p.client.get("/portal/pending?lang=da")
    assert '<html lang="da">' in danish.text
    assert await p.pool.fetchval("select locale from portal_sessions") == "da"


async def test_portal_pages_forbid_framing_scripts_caching_and_referrers(portal: Portal) -> None:
    p = portal

    page = await p.client.get("/portal/login")

    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "script-src" not in page.headers["content-security-policy"]  # default-src 'none' covers scripts
