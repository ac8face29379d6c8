"""Issue 6 in the portal: "approve all" works for a realistic number of pending entries (531 here; up to
2000 per button), a form naming more ends on a page telling the approver to approve week by week; every
error of a portal page (form too large, malformed body, unknown page) is the portal's HTML page, never
problem+json; a bad history month is said on the page (422), never replaced by the current month; and a
stale single decision says "changed since you looked" when the entry is still pending at a new version,
"already decided" only when someone else decided it."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from vikar_shared.auth.principal import Role
from vikar_shared.testing.plugin import bearer

if TYPE_CHECKING:
    import httpx
    from conftest import Form, Portal

DAYS = 59  # each placement takes hours from 60 days ago: 59 past days per placement


def _only(forms: list[Form], action: str, button: str) -> Form:
    matching = [f for f in forms if f.action == action and f.button.strip().startswith(button)]
    assert len(matching) == 1, [(f.action, f.button) for f in forms]
    return matching[0]


def _is_portal_html(response: httpx.Response) -> bool:
    return response.headers["content-type"].startswith("text/html") and "<html" in response.text


async def _fill(p: Portal, entries: int) -> None:
    """``entries`` pending entries of 60 min: 59 days on each of as many placements as it takes."""
    placements = [p.placement]
    while len(placements) * DAYS < entries:
        placements.append(await p.add_placement(f"Borger {len(placements):02d}"))
    consultant = bearer(Role.CONSULTANT, sub="anna.consultant")
    left = entries
    for placement in placements:
        days = [p.today - timedelta(days=n) for n in range(1, min(DAYS, left) + 1)]
        left -= len(days)
        for chunk in (days[:31], days[31:]):
            if not chunk:
                continue
            response = await p.client.post(
                f"/placements/{placement.placement_id}/entries",
                json={"entries": [{"work_date": d.isoformat(), "minutes": 60} for d in chunk]},
                headers=consultant,
            )
            assert response.status_code == 201, response.text


async def test_approve_all_takes_531_pending_entries_through_the_pages_own_form(portal: Portal) -> None:
    p = portal
    await _fill(p, 531)
    await p.log_in()
    page = await p.client.get("/portal/pending")
    form = _only(p.forms_of(page.text), "/portal/approve", "Godkend alle (531 registreringer)")
    assert len(form.values("entry_id")) == len(form.values("version")) == 531
    assert len(form.fields) > 1000  # more than Starlette's default form parser takes

    response = await p.client.post(form.action, data=form.data())

    assert response.status_code == 303, response.text[:2000]
    assert await p.pool.fetchval("select count(*) from entries where status = 'approved'") == 531
    assert (await p.event_types()).count("timesheet.entry_approved") == 531
    after = await p.client.get("/portal/pending")
    assert "531 registreringer er godkendt." in p.visible_text(after.text)


@pytest.mark.parametrize(("count", "lang", "words"), [(2001, "da", "uge for uge"), (3000, "en", "week by week")])
async def test_a_form_naming_more_entries_than_one_button_takes_is_a_page_not_json(
    portal: Portal, count: int, lang: str, words: str
) -> None:
    p = portal
    entry_id = await p.submit(p.today - timedelta(days=1), 60)
    await p.log_in()
    page = await p.client.get("/portal/pending")
    form = _only(p.forms_of(page.text), "/portal/approve", "Godkend (1")
    ids = [entry_id] + [str(uuid.uuid4()) for _ in range(count - 1)]
    data = form.data(entry_id="", version="")
    data["entry_id"], data["version"] = ids, ["1"] * count

    response = await p.client.post(f"/portal/approve?lang={lang}", data=data)

    assert response.status_code == 413
    assert _is_portal_html(response)
    assert words in p.visible_text(response.text) and "2000" in p.visible_text(response.text)
    assert await p.status_of(entry_id) == "submitted"


async def test_framework_errors_on_portal_pages_are_html_and_the_api_keeps_problem_json(portal: Portal) -> None:
    p = portal
    await p.log_in()
    no_boundary = await p.client.post(
        "/portal/approve", content=b"--x\r\n", headers={"content-type": "multipart/form-data"}
    )
    with_a_file = await p.client.post("/portal/approve", files={"entry_id": ("a.txt", b"x")})
    unknown = await p.client.get("/portal/no-such-page?lang=en")
    wrong_method = await p.client.delete("/portal/pending")
    api = await p.client.get("/no-such-route")

    for response in (no_boundary, with_a_file):
        assert response.status_code == 422 and _is_portal_html(response)
        assert "Formularen kunne ikke bruges" in p.visible_text(response.text)
    assert unknown.status_code == 404 and _is_portal_html(unknown)
    assert "Page not found" in p.visible_text(unknown.text)
    assert wrong_method.status_code == 405 and _is_portal_html(wrong_method)
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("month", "text"),
    [
        ("9999-12", "Måneden skal ligge i årene 2000 til 2100."),
        ("2026-13", "Måneden skal skrives ÅÅÅÅ-MM, fx 2026-11."),
        ("x", "Måneden skal skrives ÅÅÅÅ-MM, fx 2026-11."),
        ("2026-11\r\nSet-Cookie: x=1", "Måneden skal skrives ÅÅÅÅ-MM, fx 2026-11."),
        ("", "Måneden skal skrives ÅÅÅÅ-MM, fx 2026-11."),
    ],
)
async def test_a_bad_history_month_is_a_422_page_saying_so_not_the_current_month(
    portal: Portal, month: str, text: str
) -> None:
    p = portal
    await p.log_in()

    response = await p.client.get("/portal/history", params={"month": month})

    assert response.status_code == 422
    assert _is_portal_html(response)
    shown = p.visible_text(response.text)
    assert "Ugyldig måned" in shown and text in shown
    assert "Afgjorte timer i" not in shown
    assert "x=1" not in response.headers.get("set-cookie", "")


async def test_a_bad_history_month_is_said_in_english_too(portal: Portal) -> None:
    p = portal
    await p.log_in()

    response = await p.client.get("/portal/history", params={"month": "9999-12", "lang": "en"})

    assert response.status_code == 422
    shown = p.visible_text(response.text)
    assert "Invalid month" in shown and "The month must be in the years 2000 to 2100." in shown


async def test_a_single_form_for_an_entry_changed_in_place_says_changed_not_decided(portal: Portal) -> None:
    p = portal
    day = p.today - timedelta(days=2)
    entry_id = await p.submit(day, 60)
    await p.log_in()
    page = await p.client.get("/portal/pending")
    form = _only(p.forms_of(page.text), f"/portal/entries/{entry_id}/approve", "Godkend")
    changed = await p.client.put(
        f"/entries/{entry_id}",
        json={"work_date": day.isoformat(), "minutes": 480, "expected_version": 1},
        headers=bearer(Role.CONSULTANT, sub="anna.consultant"),
    )
    assert changed.status_code == 200, changed.text

    response = await p.client.post(f"{form.action}?lang=en", data=form.data())

    assert response.status_code == 409
    shown = p.visible_text(response.text)
    assert "The hours have changed" in shown and "1 entry changed after you opened the page." in shown
    assert "8:00" in shown and "Nothing was approved." in shown
    assert "Already decided" not in shown and "now in the history" not in shown
    assert 'href="/portal/pending">Look at the hours again' in response.text
    row = await p.pool.fetchrow("select status, version from entries where id = $1", uuid.UUID(entry_id))
    assert (row["status"], row["version"]) == ("submitted", 2)


async def test_a_single_form_for_an_entry_someone_else_decided_says_already_decided(portal: Portal) -> None:
    p = portal
    entry_id = await p.submit(p.today - timedelta(days=2), 60)
    await p.log_in()
    page = await p.client.get("/portal/pending")
    form = _only(p.forms_of(page.text), f"/portal/entries/{entry_id}/approve", "Godkend")
    colleague = bearer(Role.COMPANY_APPROVER, sub="eva@bager.example", company_id=p.company_id)
    decided = await p.client.post(
        f"/entries/{entry_id}/reject", json={"reason": "Forkert dag", "expected_version": 1}, headers=colleague
    )
    assert decided.status_code == 200

    response = await p.client.post(f"{form.action}?lang=en", data=form.data())

    assert response.status_code == 409
    shown = p.visible_text(response.text)
    assert "Already decided" in shown and "eva@bager.example rejected these hours" in shown
    assert "The hours have changed" not in shown


async def test_an_unexpected_error_in_a_portal_page_is_the_portals_500_page_quoting_the_reference(
    portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = portal
    await p.log_in()

    async def broken(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("timesheet.portal.service.pending_weeks", broken)
    response = await p.client.get("/portal/pending?lang=en")

    assert response.status_code == 500
    assert _is_portal_html(response)
    reference = response.headers["x-correlation-id"]
    shown = p.visible_text(response.text)
    assert "Something went wrong" in shown and f"Quote this reference if you contact us: {reference}" in shown
    assert "boom" not in response.text
    again = await p.client.get("/portal/history")
    assert again.status_code == 200


async def test_every_portal_page_links_a_stylesheet_that_is_served(portal: Portal) -> None:
    """Pages, message pages and the framework's error pages alike link /portal/static/vikar.css, and it is
    there (the login pages' twin is tested in placement: /auth/static/vikar.css)."""
    p = portal
    entry_id = await p.submit(p.today - timedelta(days=1), 60)
    await p.log_in()
    pages = {
        "pending": await p.client.get("/portal/pending"),
        "history": await p.client.get("/portal/history"),
        "reject form": await p.client.get(f"/portal/entries/{entry_id}/reject"),
        "bad month": await p.client.get("/portal/history", params={"month": "x"}),
        "unknown page": await p.client.get("/portal/no-such-page"),
        "wrong method": await p.client.delete("/portal/pending"),
        "no csrf": await p.client.post(f"/portal/entries/{entry_id}/approve", data={"version": "1"}),
    }

    assert [r.status_code for r in pages.values()] == [200, 200, 200, 422, 404, 405, 403]
    for name, page in pages.items():
        assert _is_portal_html(page), name
        assert re.findall(r'<link rel="stylesheet" href="([^"]+)">', page.text) == ["/portal/static/vikar.css"], name
    sheet = await p.client.get("/portal/static/vikar.css")
    assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("text/css")
    assert ".skip-link" in sheet.text


async def test_the_language_chosen_on_a_portal_page_is_the_origins_one_cookie(portal: Portal) -> None:
    p = portal
    minted = await p.log_in()

    english = await p.client.get("/portal/pending?lang=en")

    assert '<html lang="en">' in english.text
    header = next(h for h in english.headers.get_list("set-cookie") if h.startswith("vikar_lang="))
    assert header.startswith(f"vikar_lang=en:{minted.session.session_id};")
    assert {"httponly", "samesite=lax", "path=/"} <= {part.strip().lower() for part in header.split(";")[1:]}
    assert not any(h.startswith("vikar_portal_lang=") for h in english.headers.get_list("set-cookie"))
    # An error page of an anonymous visitor follows the same cookie.
    async with p.browser() as stranger:
        stranger.cookies.set("vikar_lang", "en", path="/")
        assert "Page not found" in p.visible_text((await stranger.get("/portal/no-such-page")).text)


async def test_a_query_parameter_given_twice_on_a_portal_page_is_a_422_page_not_the_last_value(portal: Portal) -> None:
    p = portal
    await p.log_in()
    page = await p.client.get("/portal/history?month=2026-10&month=2026-11")
    assert page.status_code == 422, page.text[:2000]
    assert _is_portal_html(page)
    assert "Adressen kunne ikke bruges" in page.text
    assert (await p.client.get("/portal/history?month=2026-10")).status_code == 200
