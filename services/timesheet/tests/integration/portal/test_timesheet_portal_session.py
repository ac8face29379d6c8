"""The portal behind the one identity over HTTP (httpx, real PostgreSQL and Kafka): who is let in, where
everybody else is sent, CSRF on every form, the language, and a session the identity owner ended.

Logging in (links, their rate limit, sessions, cookies) is the identity owner's and tested in placement;
here a test logs in with a page session minted with the development key (``Portal.log_in``)."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from vikar_shared.auth.principal import Role
from vikar_shared.events.placement import CompanyUpdated
from vikar_shared.identity.tokens import COOKIE_NAME
from vikar_shared.testing.plugin import publish_events, wait_until

if TYPE_CHECKING:
    from conftest import Portal


def login_at(path: str) -> str:
    return "/auth/login?next=" + quote(path, safe="")


def refresh_at(path: str) -> str:
    return "/auth/refresh?next=" + quote(path, safe="")


def other_private_key() -> str:
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )


async def test_pages_without_a_session_send_the_browser_to_login_and_back(portal: Portal) -> None:
    p = portal
    entry = uuid.uuid4()
    for path in ("/portal/pending", "/portal/history?month=2026-10", f"/portal/entries/{entry}/reject"):
        response = await p.client.get(path)
        assert (response.status_code, response.headers["location"]) == (303, login_at(path)), path
        assert response.headers["cache-control"] == "no-store"


async def test_the_old_login_paths_lead_to_the_identity_owners_login(portal: Portal) -> None:
    p = portal
    old_form = await p.client.get("/portal/login")
    old_link = await p.client.get("/portal/login/" + "x" * 43)
    english = await p.client.get("/portal/login?lang=en")

    assert (old_form.status_code, old_form.headers["location"]) == (303, login_at("/portal/pending"))
    assert (old_link.status_code, old_link.headers["location"]) == (303, login_at("/portal/pending"))
    assert english.headers["location"] == login_at("/portal/pending?lang=en")
    assert "set-cookie" not in old_link.headers  # a portal link no longer logs anybody in


async def test_a_minted_session_opens_the_pages_as_the_companys_approver(portal: Portal) -> None:
    p = portal
    minted = await p.log_in()

    pending = await p.client.get("/portal/pending")

    assert pending.status_code == 200
    text = p.visible_text(pending.text)
    assert "Timer til godkendelse" in text
    assert f"Bager Hansen ApS · Logget ind som {p.approver}" in text
    # Logging out is the owner's: the form posts there with the session's own CSRF value.
    [logout] = [f for f in p.forms_of(pending.text) if f.action == "/auth/logout"]
    assert logout.values("csrf_token") == [minted.csrf]


async def test_an_expired_session_is_sent_to_refresh_and_back_to_the_page(portal: Portal) -> None:
    p = portal
    await p.log_in()
    p.clock.advance(minutes=5)

    response = await p.client.get("/portal/history?month=2026-10")

    assert (response.status_code, response.headers["location"]) == (303, refresh_at("/portal/history?month=2026-10"))


async def test_a_page_is_not_shown_with_a_session_about_to_expire(portal: Portal) -> None:
    p = portal
    await p.log_in()
    p.clock.advance(minutes=4, seconds=29)
    assert (await p.client.get("/portal/pending")).status_code == 200

    p.clock.advance(seconds=2)  # 29 s left: its forms would come back expired
    response = await p.client.get("/portal/pending")

    assert (response.status_code, response.headers["location"]) == (303, refresh_at("/portal/pending"))


async def test_a_post_with_an_expired_session_decides_nothing_and_goes_to_refresh(portal: Portal) -> None:
    p = portal
    entry_id = await p.submit(p.today - timedelta(days=1), 240)
    minted = await p.log_in()
    page = await p.client.get("/portal/pending")
    [form] = [f for f in p.forms_of(page.text) if f.action == f"/portal/entries/{entry_id}/approve"]
    p.clock.advance(minutes=5)

    approve = await p.client.post(form.action, data=form.data())
    reject = await p.client.post(
        f"/portal/entries/{entry_id}/reject", data={"csrf_token": minted.csrf, "reason": "Syg", "version": "1"}
    )

    assert (approve.status_code, approve.headers["location"]) == (303, refresh_at("/portal/pending"))
    assert (reject.status_code, reject.headers["location"]) == (303, refresh_at(f"/portal/entries/{entry_id}/reject"))
    assert await p.status_of(entry_id) == "submitted"
    assert "timesheet.entry_approved" not in await p.event_types()
    assert "timesheet.entry_rejected" not in await p.event_types()
    # The same form, with a fresh token of the same session (as /auth/refresh gives it), acts.
    await p.log_in(session_id=minted.session.session_id, csrf=minted.csrf)
    assert (await p.client.post(form.action, data=form.data())).status_code == 303
    assert await p.status_of(entry_id) == "approved"


@pytest.mark.parametrize(
    "cookie",
    ["not-a-token", "a.b.c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."],
    ids=["garbage", "three-parts", "alg-none"],
)
async def test_a_malformed_session_cookie_goes_to_login(portal: Portal, cookie: str) -> None:
    p = portal
    p.client.cookies.set(COOKIE_NAME, cookie, path="/")

    response = await p.client.get("/portal/pending")

    assert (response.status_code, response.headers["location"]) == (303, login_at("/portal/pending"))


async def test_a_session_signed_with_another_key_goes_to_login(portal: Portal) -> None:
    p = portal
    entry_id = await p.submit(p.today - timedelta(days=1), 240)
    forged = await p.log_in(private_key_pem=other_private_key())  # the trusted kid "dev", the wrong key
    unknown_kid = p.mint(private_key_pem=other_private_key(), key_id="2026-11")

    page = await p.client.get("/portal/pending")
    post = await p.client.post(f"/portal/entries/{entry_id}/approve", data={"csrf_token": forged.csrf, "version": "1"})
    p.client.cookies.set(COOKIE_NAME, unknown_kid.token, path="/")
    other = await p.client.get("/portal/pending")

    assert (page.status_code, page.headers["location"]) == (303, login_at("/portal/pending"))
    assert (post.status_code, post.headers["location"]) == (303, login_at("/portal/pending"))
    assert (other.status_code, other.headers["location"]) == (303, login_at("/portal/pending"))
    assert await p.status_of(entry_id) == "submitted"


async def test_an_approver_removed_from_the_company_is_refused_at_once(portal: Portal) -> None:
    """Before any revocation event: the companies read model alone refuses the still valid token."""
    p = portal
    entry_id = await p.submit(p.today - timedelta(days=1), 240)
    minted = await p.log_in()
    assert (await p.client.get("/portal/pending")).status_code == 200
    updated = CompanyUpdated(company_id=p.company_id, name="Bager Hansen ApS", cvr="12345674", approvers=[])
    await publish_events(p.kafka, p.namespace, [(updated, p.company_id)])

    async def removed() -> bool:
        return bool(await p.pool.fetchval("select count(*) from company_approvers") == 0)

    await wait_until(removed, what="the approver removed from the read model")
    page = await p.client.get("/portal/pending")
    post = await p.client.post(f"/portal/entries/{entry_id}/approve", data={"csrf_token": minted.csrf, "version": "1"})

    assert page.status_code == post.status_code == 403
    assert "Ingen adgang" in page.text
    assert f'href="{login_at("/portal/pending")}"' in page.text.replace("&amp;", "&")
    assert await p.status_of(entry_id) == "submitted"


async def test_sessions_that_are_not_this_companys_approvers_are_refused(portal: Portal) -> None:
    p = portal
    sessions = [
        p.mint(company_id=uuid.uuid4()),  # an approver of another company
        p.mint(email="stranger@bager.example"),  # not listed for this one
        p.mint(role=Role.MUNICIPALITY, company_id=None, municipality_id=uuid.uuid4()),
        p.mint(role=Role.ADMIN),  # staff hold no approver session of a company
        p.mint(role=Role.COMPANY_APPROVER, company_id=None),
    ]
    answers = []
    for minted in sessions:
        p.client.cookies.set(COOKIE_NAME, minted.token, path="/")
        answers.append((await p.client.get("/portal/pending")).status_code)

    assert answers == [403] * 5


async def test_an_address_in_another_form_finds_its_approver(portal: Portal) -> None:
    p = portal
    await p.log_in(email=p.approver.upper())

    assert (await p.client.get("/portal/pending")).status_code == 200


async def test_a_session_the_owner_ended_is_refused_within_seconds_through_kafka(portal: Portal) -> None:
    """Logout at the owner: ``placement.page_session_ended`` on the real placement.events topic; the
    consumer records the sid and the portal refuses the still unexpired token (measured and printed)."""
    p = portal
    entry_id = await p.submit(p.today - timedelta(days=1), 240)
    minted = await p.log_in()
    other = await p.log_in(p.browser())  # another session of the same approver
    assert (await p.client.get("/portal/pending")).status_code == 200

    started = time.monotonic()
    await p.end_session(minted)  # returns once Kafka acknowledged the event
    acknowledged = time.monotonic()

    async def refused() -> bool:
        return (await p.client.get("/portal/pending")).status_code == 303

    await wait_until(refused, timeout=10, interval=0.05, what="the ended session refused")
    refused_at = time.monotonic()
    latency = refused_at - started
    print(
        f"PageSessionEnded: acknowledged by Kafka {acknowledged - started:.3f} s, first refused request "
        f"{latency:.3f} s after publishing began"
    )
    assert latency < 5

    page = await p.client.get("/portal/pending")
    post = await p.client.post(f"/portal/entries/{entry_id}/approve", data={"csrf_token": minted.csrf, "version": "1"})
    assert (page.status_code, page.headers["location"]) == (303, login_at("/portal/pending"))
    assert (post.status_code, post.headers["location"]) == (303, login_at("/portal/pending"))
    assert await p.status_of(entry_id) == "submitted"
    [row] = await p.pool.fetch("select session_id, not_after from ended_page_sessions")
    assert (row["session_id"], row["not_after"]) == (minted.session.session_id, minted.session.expires_at)
    # Only that session ended: the approver's other one still works.
    async with p.browser() as browser:
        browser.cookies.set(COOKIE_NAME, other.token, path="/")
        assert (await browser.get("/portal/pending")).status_code == 200


async def test_ended_sessions_are_recorded_once_and_forgotten_after_their_last_token(portal: Portal) -> None:
    p = portal
    first = p.mint()
    await p.end_session(first)
    await p.end_session(first)  # the same event again (another delivery): one record

    async def recorded() -> bool:
        return bool(await p.pool.fetchval("select count(*) from ended_page_sessions") == 1)

    await wait_until(recorded, what="the ended session recorded")
    p.clock.advance(minutes=6)  # past the first session's last possible token
    second = p.mint()
    await p.end_session(second)

    async def only_second() -> bool:
        rows = await p.pool.fetch("select session_id from ended_page_sessions")
        return [r["session_id"] for r in rows] == [second.session.session_id]

    await wait_until(only_second, what="the first record forgotten once no token of it can be valid")


async def test_logged_in_forms_without_the_session_csrf_token_are_403_and_change_nothing(portal: Portal) -> None:
    p = portal
    entry_id = await p.submit(p.today - timedelta(days=1), 240)
    minted = await p.log_in()
    other_session = p.mint()

    posts = [
        await p.client.post(f"/portal/entries/{entry_id}/approve", data={"version": "1"}),
        await p.client.post(f"/portal/entries/{entry_id}/approve", data={"csrf_token": "forged", "version": "1"}),
        # Another session's value is no substitute for this session's own.
        await p.client.post(
            f"/portal/entries/{entry_id}/approve", data={"csrf_token": other_session.csrf, "version": "1"}
        ),
        await p.client.post(
            f"/portal/entries/{entry_id}/approve", data={"csrf_token": minted.csrf[:-1], "version": "1"}
        ),
        await p.client.post(f"/portal/entries/{entry_id}/reject", data={"reason": "Forkert dag", "version": "1"}),
        await p.client.post("/portal/approve", data={"entry_id": entry_id, "version": "1"}),
    ]

    assert [r.status_code for r in posts] == [403] * 6
    assert "Handlingen blev afvist" in posts[1].text
    assert await p.status_of(entry_id) == "submitted"
    assert "timesheet.entry_approved" not in await p.event_types()
    # The right value acts: the test above could have failed.
    approved = await p.client.post(
        f"/portal/entries/{entry_id}/approve", data={"csrf_token": minted.csrf, "version": "1"}
    )
    assert approved.status_code == 303
    assert await p.status_of(entry_id) == "approved"


async def test_a_planted_message_is_not_shown(portal: Portal) -> None:
    """The one-shot message cookie is bound to the session: one copied from another session, or edited,
    shows nothing."""
    p = portal
    entry_id = await p.submit(p.today - timedelta(days=1), 240)
    await p.log_in()
    page = await p.client.get("/portal/pending")
    [form] = [f for f in p.forms_of(page.text) if f.action == f"/portal/entries/{entry_id}/approve"]
    approved = await p.client.post(form.action, data=form.data())
    message = p.client.cookies.get("vikar_portal_flash")
    assert approved.status_code == 303 and message

    async with p.browser() as other:
        await p.log_in(other)
        other.cookies.set("vikar_portal_flash", message, path="/portal")
        planted = await other.get("/portal/pending")
    shown = await p.client.get("/portal/pending")

    assert "Godkendt: 4:00 timer for Ida Jensen" not in p.visible_text(planted.text)
    assert "Godkendt: 4:00 timer for Ida Jensen" in p.visible_text(shown.text)


async def test_the_language_of_the_session_and_lang_on_a_page(portal: Portal) -> None:
    p = portal
    minted = await p.log_in(lang="en")

    pending = await p.client.get("/portal/pending")
    assert '<html lang="en">' in pending.text
    assert "Hours to approve" in pending.text

    danish = await p.client.get("/portal/pending?lang=da")
    assert '<html lang="da">' in danish.text
    # Kept for the rest of the session, also after its token was refreshed ...
    p.clock.advance(minutes=4)
    await p.log_in(lang="en", session_id=minted.session.session_id, csrf=minted.csrf)
    again = await p.client.get("/portal/history")
    assert '<html lang="da">' in again.text
    # ... while a new session starts in the language its token names.
    await p.log_in(lang="en")
    assert '<html lang="en">' in (await p.client.get("/portal/pending")).text


async def test_portal_pages_forbid_framing_scripts_caching_and_referrers(portal: Portal) -> None:
    p = portal
    await p.log_in()

    for page in (await p.client.get("/portal/pending"), await p.client.get("/portal/login")):
        assert page.headers["referrer-policy"] == "no-referrer"
        assert page.headers["cache-control"] == "no-store"
        assert page.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert "script-src" not in page.headers["content-security-policy"]  # default-src 'none' covers scripts


@pytest.mark.parametrize("path", ["/portal/pending", "/portal/history", "/portal/history?month=2026-11"])
async def test_a_municipality_users_page_session_gets_only_the_no_access_page(portal: Portal, path: str) -> None:
    """Issue 12: municipality users log in through the same identity; their session (role ``municipality``)
    opens nothing of the company portal, even for an address that also approves for this company."""
    p = portal
    await p.submit(p.today - timedelta(days=1), 240)
    sessions = {
        "a municipality user": p.mint(
            role=Role.MUNICIPALITY, company_id=None, municipality_id=uuid.uuid4(), email="mette@aalborg.example"
        ),
        "the approver's address as a municipality user": p.mint(
            role=Role.MUNICIPALITY, company_id=None, municipality_id=uuid.uuid4()
        ),
        "a municipality session naming this company": p.mint(role=Role.MUNICIPALITY, municipality_id=uuid.uuid4()),
    }
    for who, minted in sessions.items():
        p.client.cookies.set(COOKIE_NAME, minted.token, path="/")

        page = await p.client.get(path)

        assert page.status_code == 403, (who, page.text)
        assert "Ingen adgang" in page.text, who
        text = p.visible_text(page.text)
        for shown in ("Ida Jensen", "Bager Hansen", "4:00", "4,00", "csrf_token"):
            assert shown not in text and shown not in page.text, (who, shown)
        assert f'href="{login_at("/portal/pending")}"' in page.text.replace("&amp;", "&")
