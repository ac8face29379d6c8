"""Issue 6 in the portal: every decision form carries the version of each entry it shows and its own
idempotency key. A form posted after its entries changed approves nothing and shows which changed (in
Danish and English) with a way to look again; a malformed version is a 422 page, never a skipped check;
a form posted twice acts once."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import TYPE_CHECKING

import pytest

from vikar_shared.auth.principal import Role
from vikar_shared.testing.plugin import bearer

if TYPE_CHECKING:
    from conftest import Form, Portal

ISSUE_DAY = date(2026, 11, 19)


def _form(forms: list[Form], *, action: str, button: str | None = None, section: str | None = None) -> Form:
    matching = [
        f
        for f in forms
        if f.action == action
        and (button is None or f.button.strip().startswith(button))
        and (section is None or f.section == section)
    ]
    assert len(matching) == 1, [(f.action, f.section, f.button) for f in forms]
    return matching[0]


def _days(p: Portal) -> tuple[date, date, date]:
    """E's day (the issue's 2026-11-19 when the placement takes it), F's day, and where E is moved to."""
    e_day = ISSUE_DAY if p.placement.start_date + timedelta(days=2) <= ISSUE_DAY <= p.today else p.today - timedelta(9)
    return e_day, e_day - timedelta(days=1), e_day - timedelta(days=2)


async def _changed_behind_the_approvers_back(p: Portal, e_id: str, f_id: str, moved_to: date) -> None:
    """A colleague rejects E and F; the consultant moves E to another day with 720 min, F to 600 min, and
    resubmits both (each is now at version 3)."""
    colleague = bearer(Role.COMPANY_APPROVER, sub="eva@bager.example", company_id=p.company_id)
    consultant = bearer(Role.CONSULTANT, sub="anna.consultant")
    for entry_id in (e_id, f_id):
        rejected = await p.client.post(
            f"/entries/{entry_id}/reject", json={"reason": "Tjek timerne", "expected_version": 1}, headers=colleague
        )
        assert rejected.status_code == 200, rejected.text
    f_day = await p.pool.fetchval("select work_date from entries where id = $1", uuid.UUID(f_id))
    for entry_id, day, minutes in ((e_id, moved_to, 720), (f_id, f_day, 600)):
        put = await p.client.put(
            f"/entries/{entry_id}",
            json={"work_date": day.isoformat(), "minutes": minutes, "expected_version": 2},
            headers=consultant,
        )
        assert put.status_code == 200, put.text


async def _still_pending(p: Portal, *entry_ids: str) -> None:
    for entry_id in entry_ids:
        row = await p.pool.fetchrow("select status, version from entries where id = $1", uuid.UUID(entry_id))
        assert (row["status"], row["version"]) == ("submitted", 3)
    assert "timesheet.entry_approved" not in await p.event_types()


@pytest.mark.parametrize(
    ("button", "lang", "title", "count_text", "nothing", "again"),
    [
        (
            "Godkend alle",
            "da",
            "Timerne er ændret",
            "2 registreringer er ændret, siden du åbnede siden.",
            "Der er ikke godkendt noget.",
            "Se timerne igen",
        ),
        (
            "Godkend uge",
            "en",
            "The hours have changed",
            "2 entries changed after you opened the page.",
            "Nothing was approved.",
            "Look at the hours again",
        ),
    ],
)
async def test_a_stale_bulk_form_approves_nothing_and_shows_both_changed_entries(
    portal: Portal, button: str, lang: str, title: str, count_text: str, nothing: str, again: str
) -> None:
    p = portal
    e_day, f_day, moved_to = _days(p)
    e_id, f_id = await p.submit(e_day, 60), await p.submit(f_day, 60)
    await p.log_in()
    page = await p.client.get("/portal/pending")
    candidates = [
        f
        for f in p.forms_of(page.text)
        if f.action == "/portal/approve" and f.button.strip().startswith(button) and e_id in f.values("entry_id")
    ]
    assert len(candidates) == 1
    form = candidates[0]
    assert form.values("version") == ["1"] * len(form.values("entry_id"))
    await _changed_behind_the_approvers_back(p, e_id, f_id, moved_to)

    response = await p.client.post(f"/portal/approve?lang={lang}", data=form.data())

    assert response.status_code == 409
    text = p.visible_text(response.text)
    assert title in text and nothing in text
    assert f'href="/portal/pending">{again}' in response.text
    if len(form.values("entry_id")) == 2:  # E and F in one week (always so for the issue's dates)
        assert count_text in text
        assert "12:00" in text and "10:00" in text
    await _still_pending(p, e_id, f_id)


async def test_a_stale_single_approval_form_says_the_hours_changed_and_approves_nothing(portal: Portal) -> None:
    p = portal
    e_day, f_day, moved_to = _days(p)
    e_id, f_id = await p.submit(e_day, 60), await p.submit(f_day, 60)
    await p.log_in()
    page = await p.client.get("/portal/pending")
    e_form = _form(p.forms_of(page.text), action=f"/portal/entries/{e_id}/approve")
    reject_page = await p.client.get(f"/portal/entries/{f_id}/reject")
    f_reject = _form(p.forms_of(reject_page.text), action=f"/portal/entries/{f_id}/reject")
    await _changed_behind_the_approvers_back(p, e_id, f_id, moved_to)

    approve = await p.client.post(e_form.action, data=e_form.data())
    reject = await p.client.post(f_reject.action, data=f_reject.data(reason="For mange timer"))

    assert (approve.status_code, reject.status_code) == (409, 409)
    # Issue 6 changed the wording: still pending at a new version is "changed", not "already decided".
    for page in (approve, reject):
        assert "<title>Timerne er ændret" in page.text and "Allerede afgjort" not in page.text
        assert "1 registrering er ændret, siden du åbnede siden." in p.visible_text(page.text)
    assert "Der er ikke godkendt noget." in p.visible_text(approve.text)
    assert "Der er ikke afvist noget." in p.visible_text(reject.text)
    assert "12:00" in p.visible_text(approve.text)
    assert "10:00" in p.visible_text(reject.text)
    await _still_pending(p, e_id, f_id)


@pytest.mark.parametrize("version", [None, "", "abc", "1.0", "0", "-1", "99999999999", "2147483648", "١", " 1"])
async def test_a_malformed_version_is_a_422_page_and_nothing_is_decided(portal: Portal, version: str | None) -> None:
    p = portal
    entry_id = await p.submit(p.today - timedelta(days=2), 240)
    await p.log_in()
    page = await p.client.get("/portal/pending")
    approve = _form(p.forms_of(page.text), action=f"/portal/entries/{entry_id}/approve")
    bulk = _form(p.forms_of(page.text), action="/portal/approve", button="Godkend (1 registrering)")
    reject_page = await p.client.get(f"/portal/entries/{entry_id}/reject")
    reject = _form(p.forms_of(reject_page.text), action=f"/portal/entries/{entry_id}/reject")

    def tampered(form: Form, **extra: str) -> dict[str, list[str]]:
        data = form.data(**extra)
        if version is None:
            del data["version"]
        else:
            data["version"] = [version]
        return data

    responses = [
        await p.client.post(approve.action, data=tampered(approve)),
        await p.client.post(bulk.action, data=tampered(bulk)),
        await p.client.post(reject.action, data=tampered(reject, reason="Forkert dag")),
    ]

    assert [r.status_code for r in responses] == [422, 422, 422]
    assert all("Formularen kunne ikke bruges" in p.visible_text(r.text) for r in responses)
    assert await p.status_of(entry_id) == "submitted"
    decisions = {"timesheet.entry_approved", "timesheet.entry_rejected"}
    assert not decisions & set(await p.event_types())


async def test_a_bulk_form_with_a_version_missing_for_one_entry_is_a_422_page(portal: Portal) -> None:
    p = portal
    ids = [await p.submit(p.today - timedelta(days=d), 60) for d in (2, 3)]
    await p.log_in()
    page = await p.client.get("/portal/pending")
    bulk = _form(p.forms_of(page.text), action="/portal/approve", button="Godkend alle")
    data = bulk.data()
    data["version"] = data["version"][:1]

    response = await p.client.post(bulk.action, data=data)

    assert response.status_code == 422
    assert [await p.status_of(i) for i in ids] == ["submitted", "submitted"]


async def test_a_form_posted_twice_acts_once_and_the_second_post_gets_the_first_answer(portal: Portal) -> None:
    p = portal
    one = await p.submit(p.today - timedelta(days=2), 240)
    two = await p.submit(p.today - timedelta(days=3), 60)
    await p.log_in()
    page = await p.client.get("/portal/pending")
    forms = p.forms_of(page.text)
    single = _form(forms, action=f"/portal/entries/{one}/approve")
    bulk = _form(forms, action="/portal/approve", button="Godkend alle")
    assert single.values("idempotency_key") and bulk.values("idempotency_key")
    assert single.values("idempotency_key") != bulk.values("idempotency_key")

    first = await p.client.post(single.action, data=single.data())
    double_click = await p.client.post(single.action, data=single.data())
    # The bulk form still shows `one` at version 1: it is decided now (reported, not failed on).
    bulk_first = await p.client.post(bulk.action, data=bulk.data())
    bulk_again = await p.client.post(bulk.action, data=bulk.data())

    assert [r.status_code for r in (first, double_click, bulk_first, bulk_again)] == [303] * 4
    assert double_click.headers["idempotent-replayed"] == "true"
    assert bulk_again.headers["idempotent-replayed"] == "true"
    assert [await p.status_of(one), await p.status_of(two)] == ["approved", "approved"]
    assert (await p.event_types()).count("timesheet.entry_approved") == 2


async def test_a_form_key_reused_for_another_form_is_a_422_page(portal: Portal) -> None:
    p = portal
    one = await p.submit(p.today - timedelta(days=2), 240)
    two = await p.submit(p.today - timedelta(days=3), 60)
    await p.log_in()
    page = await p.client.get("/portal/pending")
    first = _form(p.forms_of(page.text), action=f"/portal/entries/{one}/approve")
    second = _form(p.forms_of(page.text), action=f"/portal/entries/{two}/approve")
    assert (await p.client.post(first.action, data=first.data())).status_code == 303

    reused = await p.client.post(second.action, data=second.data(idempotency_key=first.values("idempotency_key")[0]))

    assert reused.status_code == 422
    assert await p.status_of(two) == "submitted"
