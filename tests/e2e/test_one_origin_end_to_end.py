"""Issue 7 (items 1 and 4b) across the real processes behind the real nginx of the one origin: an approver
with one browser (one cookie jar) on one address logs in at placement's ``/auth/``, approves hours on
timesheet's ``/portal/``, and loses the session everywhere within seconds when logging out or when staff
remove them, through Kafka across processes; an expired access token is refreshed without the approver
noticing. Each service runs as ``python -m <service>`` (role ``all``) as in the demo."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import httpx
import pytest

from e2e.browser import browser, form_to, log_in, post_form
from e2e.slice import CONSULTANT, World, ok, register_world, submit
from e2e.system import System
from vikar_shared.clock import SystemClock
from vikar_shared.identity.tokens import COOKIE_NAME, DEV_PUBLIC_KEY_PEM, PageSession, verify_page_session
from vikar_shared.testing.identity import page_session_cookie
from vikar_shared.testing.plugin import wait_until

pytestmark = pytest.mark.e2e

PENDING = "/portal/pending"
REVOCATION_LIMIT_SECONDS = 10.0


def claims_of(token: str) -> PageSession:
    """The claims of a ``vikar_session`` the running placement signed (the development key in tests)."""
    return verify_page_session(token, public_keys_pem={"dev": DEV_PUBLIC_KEY_PEM}, now=SystemClock().now())


async def pending_hours(system: System, world: World) -> list[str]:
    """Submits two days for the eligible citizen; returns the entry ids. (The seeded citizens are the same
    people in every world of the session, and a citizen works at most 12 hours a day across placements:
    days and minutes the other end-to-end tests leave room for.)"""
    submission = await submit(system, world.eligible_placement, [("2026-10-21", 60), ("2026-10-22", 45)])
    entries = submission["entries"]
    assert isinstance(entries, list)
    return [str(e["id"]) for e in entries]


async def replay(system: System, cookie: str) -> httpx.Response:
    """``/portal/pending`` in a browser holding only ``cookie`` as ``vikar_session``."""
    async with browser(system) as other:
        other.cookies.set(COOKIE_NAME, cookie, domain="127.0.0.1", path="/")
        return await other.get(PENDING)


async def test_an_approver_logs_in_approves_and_is_logged_out_everywhere_on_one_origin(system: System) -> None:
    world = await register_world(system)
    ids = await pending_hours(system, world)
    approver = world.approver_emails[0]

    async with browser(system) as approver_browser:
        # (b) The portal (timesheet) sends a visitor without a session to the identity owner (placement).
        first = await approver_browser.get(PENDING)
        assert first.status_code == 303, first.text
        assert first.headers["location"] == "/auth/login?next=%2Fportal%2Fpending"
        await log_in(system, approver_browser, approver)

        async def listed() -> bool:
            page = await approver_browser.get(PENDING)
            assert page.status_code == 200, page.text
            return all(f"/portal/entries/{i}/approve" in page.text for i in ids)

        await wait_until(listed, what="the submitted hours on the approver's pending page")
        page = await approver_browser.get(PENDING)
        assert "Mette Jensen" in page.text
        approved = await post_form(approver_browser, form_to(page.text, f"/portal/entries/{ids[0]}/approve"))
        assert approved.status_code == 303 and approved.headers["location"] == PENDING, approved.text
        after = await approver_browser.get(PENDING)
        assert f"/portal/entries/{ids[0]}/approve" not in after.text
        assert f"/portal/entries/{ids[1]}/approve" in after.text
        async with httpx.AsyncClient(base_url=system.api("timesheet"), timeout=10) as api:
            entry = ok(await api.get(f"/entries/{ids[0]}", headers=CONSULTANT))
            assert (entry["status"], entry["version"]) == ("approved", 2)
            assert ok(await api.get(f"/entries/{ids[1]}", headers=CONSULTANT))["status"] == "submitted"

        # (e) An access token past its 5 minutes, with the live refresh cookie: the portal sends the browser
        # to /auth/refresh, placement re-mints it, and the browser is back on the page without logging in.
        live = claims_of(approver_browser.cookies[COOKIE_NAME])
        expired = page_session_cookie(
            email=live.subject,
            company_id=live.company_id,
            session_id=live.session_id,
            csrf=live.csrf,
            now=SystemClock().now() - timedelta(minutes=10),
        )
        approver_browser.cookies.set(COOKIE_NAME, expired.token, domain="127.0.0.1", path="/")
        bounced = await approver_browser.get(PENDING)
        assert bounced.status_code == 303 and bounced.headers["location"].startswith("/auth/refresh?next="), (
            bounced.text
        )
        followed = await approver_browser.get(PENDING, follow_redirects=True)
        assert followed.status_code == 200 and followed.url.path == PENDING, followed.url
        assert [str(r.url.path) for r in followed.history] == [PENDING, "/auth/refresh"]
        refreshed = claims_of(approver_browser.cookies[COOKIE_NAME])
        assert refreshed.session_id == live.session_id and refreshed.expires_at > SystemClock().now()
        assert f"/portal/entries/{ids[1]}/approve" in followed.text

        # (c) Logout from the portal page's own form: the old access cookie, replayed, is refused by the
        # portal (another process, another database) once placement's event has crossed Kafka.
        old_cookie = approver_browser.cookies[COOKIE_NAME]
        assert (await replay(system, old_cookie)).status_code == 200
        logout_form = form_to(followed.text, "/auth/logout")
        logged_out_at = time.monotonic()
        out = await post_form(approver_browser, logout_form)
        assert out.status_code == 303 and out.headers["location"].startswith("/auth/login"), out.text
        assert COOKIE_NAME not in approver_browser.cookies
        refused: list[httpx.Response] = []

        async def old_cookie_refused() -> bool:
            refused[:] = [await replay(system, old_cookie)]
            return refused[0].status_code != 200

        await wait_until(old_cookie_refused, what="the portal refusing the logged-out session")
        seconds = time.monotonic() - logged_out_at
        print(f"\nlogout → old vikar_session refused by the portal after {seconds:.2f} s (Kafka, across processes)")
        assert refused[0].status_code == 303
        assert refused[0].headers["location"] == "/auth/login?next=%2Fportal%2Fpending"
        assert seconds < REVOCATION_LIMIT_SECONDS
        # Refused because timesheet recorded placement's event (its own table, fed from Kafka).
        ended = await system.fetchval(
            "timesheet", "select count(*) from ended_page_sessions where session_id = $1", live.session_id
        )
        assert ended == 1
        assert (
            (await approver_browser.get("/auth/refresh", params={"next": PENDING}))
            .headers["location"]
            .startswith("/auth/login")
        )

        # (d) Logged in again; staff remove the approver through placement's API on the same origin: the
        # portal refuses at once its read model knows, and placement refuses the refresh.
        await log_in(system, approver_browser, approver)
        assert (await approver_browser.get(PENDING)).status_code == 200
        async with httpx.AsyncClient(base_url=system.api("placement"), timeout=10) as api:
            company = ok(await api.delete(f"/companies/{world.company_id}/approvers/{approver}", headers=CONSULTANT))
        assert approver not in [a["email"] for a in company["approvers"]]  # type: ignore[union-attr]
        removed_at = time.monotonic()

        async def portal_refuses() -> bool:
            return (await approver_browser.get(PENDING)).status_code != 200

        await wait_until(portal_refuses, what="the portal refusing the removed approver")
        took = time.monotonic() - removed_at
        page = await approver_browser.get(PENDING)
        print(f"removal → portal refuses the approver after {took:.2f} s (answer {page.status_code})")
        assert page.status_code in (303, 403), page.text
        if page.status_code == 303:  # the revocation event came first
            assert page.headers["location"].startswith("/auth/login")
        # Timesheet's read model alone refuses too: a validly signed token of a session never ended (as
        # one minted just before the removal would be) gets the no-access page, not the hours.

        async def read_model_knows() -> bool:
            count = await system.fetchval(
                "timesheet", "select count(*) from company_approvers where email = $1", approver
            )
            return count == 0

        await wait_until(read_model_knows, what="the removal in timesheet's read model")
        unended = page_session_cookie(email=approver, company_id=live.company_id, now=SystemClock().now())
        no_access = await replay(system, unended.token)
        assert no_access.status_code == 403, no_access.text
        again = await approver_browser.get("/auth/refresh", params={"next": PENDING})
        assert again.status_code == 303
        assert again.headers["location"] == "/auth/login?next=%2Fportal%2Fpending"
        # The entry the removed approver did not decide is still waiting (nothing was done on the way).
        async with httpx.AsyncClient(base_url=system.api("timesheet"), timeout=10) as api:
            assert ok(await api.get(f"/entries/{ids[1]}", headers=CONSULTANT))["status"] == "submitted"


async def test_a_forged_session_cookie_on_the_origin_is_refused(system: System) -> None:
    """A token signed with a key placement does not hold: to the login page, never the hours."""
    from vikar_shared.testing.identity import own_identity_keys

    forged = page_session_cookie(
        email="someone@nowhere.example",
        company_id=uuid.uuid4(),
        now=SystemClock().now(),
        private_key_pem=own_identity_keys("forged").private_pem,
        key_id="dev",
    )
    response = await replay(system, forged.token)
    assert response.status_code == 303
    assert response.headers["location"] == "/auth/login?next=%2Fportal%2Fpending"
