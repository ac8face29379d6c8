"""Approving and rejecting in the portal over HTTP (httpx, real PostgreSQL and Kafka): pending hours by
week and citizen, approve one / a week / all, reject with a reason, other companies' entries, decisions
someone else made first, and the history with month totals."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import TYPE_CHECKING

import httpx

from vikar_shared.auth.principal import Role
from vikar_shared.testing.plugin import bearer

if TYPE_CHECKING:
    from conftest import Form, Portal


MONTHS = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)


def _mondays(today: date) -> tuple[date, date]:
    """Mondays of the week before last and of last week: whole weeks in the past."""
    this_monday = today - timedelta(days=today.weekday())
    return this_monday - timedelta(days=14), this_monday - timedelta(days=7)


def _week_id(day: date) -> str:
    iso = day.isocalendar()
    return f"week-{iso.year}-{iso.week:02d}"


def _form(forms: list[Form], *, action: str, section: str | None = None, button: str | None = None) -> Form:
    matching = [
        f
        for f in forms
        if f.action == action
        and (section is None or f.section == section)
        and (button is None or f.button.strip().startswith(button))
    ]
    assert len(matching) == 1, [(f.action, f.section, f.button) for f in forms]
    return matching[0]


async def _post_form(p: Portal, form: Form) -> httpx.Response:
    return await p.client.post(form.action, data=form.data())


async def test_pending_hours_are_grouped_by_week_and_citizen_with_h_mm_totals(portal: Portal) -> None:
    p = portal
    omar = await p.add_placement("Omar Ali")
    week_a, week_b = _mondays(p.today)
    await p.submit(week_a, 240)
    await p.submit(week_a + timedelta(days=1), 90)
    await p.submit(week_a + timedelta(days=2), 45, omar)
    await p.submit(week_b + timedelta(days=4), 135)
    await p.log_in()

    page = await p.client.get("/portal/pending")

    assert page.status_code == 200
    text = p.visible_text(page.text)
    assert "4 registreringer venter, i alt 8:30 timer." in text
    sections = page.text.split('<section class="week"')[1:]
    assert len(sections) == 2
    first, second = (p.visible_text(s) for s in sections)
    a, b = week_a.isocalendar(), week_b.isocalendar()
    assert f"Uge {a.week}, {a.year}" in first
    # Citizens by name inside a week, each with their own total, then the week's total.
    assert first.index("Ida Jensen") < first.index("Omar Ali")
    assert "Ida Jensen i alt 5:30" in first
    assert "Omar Ali i alt 0:45" in first
    assert f"Uge {a.week} i alt: 6:15" in first
    assert "4:00" in first and "1:30" in first
    assert f"Uge {b.week}, {b.year}" in second
    assert "Ida Jensen i alt 2:15" in second
    assert "Omar Ali" not in second
    assert f"Uge {b.week} i alt: 2:15" in second


async def test_approving_one_entry_approves_it_as_the_logged_in_approver(portal: Portal) -> None:
    p = portal
    week_a, _ = _mondays(p.today)
    entry_id = await p.submit(week_a, 240)
    other_id = await p.submit(week_a + timedelta(days=1), 60)
    await p.log_in()
    page = await p.client.get("/portal/pending")
    form = _form(p.forms_of(page.text), action=f"/portal/entries/{entry_id}/approve")
    assert form.button.startswith("Godkend")
    assert "4:00 timer, Ida Jensen" in form.button  # the button names what it approves, for screen readers

    response = await p.client.post(form.action, data=form.data())

    assert (response.status_code, response.headers["location"]) == (303, "/portal/pending")
    row = await p.pool.fetchrow("select status, decided_by, version from entries where id = $1", uuid.UUID(entry_id))
    assert (row["status"], row["decided_by"], row["version"]) == ("approved", p.approver, 2)
    assert await p.status_of(other_id) == "submitted"
    approved = await p.pool.fetchrow("select envelope from outbox where envelope->>'type' = 'timesheet.entry_approved'")
    assert approved["envelope"]["data"]["entry_id"] == entry_id
    assert approved["envelope"]["data"]["approved_by"] == p.approver
    after = p.visible_text((await p.client.get("/portal/pending")).text)
    assert "Godkendt: 4:00 timer for Ida Jensen" in after
    assert "1 registrering venter, i alt 1:00 timer." in after
    # The message is shown once.
    assert "Godkendt: 4:00" not in p.visible_text((await p.client.get("/portal/pending")).text)


async def test_approving_a_week_approves_exactly_that_weeks_entries(portal: Portal) -> None:
    p = portal
    omar = await p.add_placement("Omar Ali")
    week_a, week_b = _mondays(p.today)
    in_week = [await p.submit(week_a, 240), await p.submit(week_a + timedelta(days=3), 60, omar)]
    next_week = await p.submit(week_b, 120)
    await p.log_in()
    page = await p.client.get("/portal/pending")

    form = _form(p.forms_of(page.text), action="/portal/approve", section=_week_id(week_a))

    assert sorted(form.values("entry_id")) == sorted(in_week)
    assert form.button.strip() == f"Godkend uge {week_a.isocalendar().week} (5:00 timer)"
    assert (await _post_form(p, form)).status_code == 303
    assert [await p.status_of(e) for e in in_week] == ["approved", "approved"]
    assert await p.status_of(next_week) == "submitted"
    assert (await p.event_types()).count("timesheet.entry_approved") == 2
    assert "2 registreringer er godkendt." in p.visible_text((await p.client.get("/portal/pending")).text)


async def test_approve_all_takes_the_entries_shown_but_not_one_submitted_after_the_page_was_shown(
    portal: Portal,
) -> None:
    p = portal
    week_a, week_b = _mondays(p.today)
    shown = [await p.submit(week_a, 240), await p.submit(week_b, 120)]
    await p.log_in()
    page = await p.client.get("/portal/pending")
    form = _form(p.forms_of(page.text), action="/portal/approve", button="Godkend alle")
    assert form.button.strip() == "Godkend alle (2 registreringer)"
    late = await p.submit(week_b + timedelta(days=1), 30)

    assert (await _post_form(p, form)).status_code == 303

    assert [await p.status_of(e) for e in shown] == ["approved", "approved"]
    assert await p.status_of(late) == "submitted"


async def test_rejecting_requires_a_reason_and_records_it(portal: Portal) -> None:
    p = portal
    week_a, _ = _mondays(p.today)
    entry_id = await p.submit(week_a, 240)
    await p.log_in()
    reject_page = await p.client.get(f"/portal/entries/{entry_id}/reject")
    assert reject_page.status_code == 200
    assert '<label for="reason">Begrundelse (skal udfyldes)</label>' in reject_page.text
    form = _form(p.forms_of(reject_page.text), action=f"/portal/entries/{entry_id}/reject")

    blank = await p.client.post(form.action, data=form.data(reason="   "))

    assert blank.status_code == 422
    assert "Skriv en begrundelse på mindst 3 tegn." in blank.text
    assert await p.status_of(entry_id) == "submitted"

    rejected = await p.client.post(form.action, data=form.data(reason="  Ida var syg den dag  "))

    assert (rejected.status_code, rejected.headers["location"]) == (303, "/portal/pending")
    row = await p.pool.fetchrow(
        "select status, rejection_reason, decided_by from entries where id = $1", uuid.UUID(entry_id)
    )
    assert (row["status"], row["rejection_reason"], row["decided_by"]) == (
        "rejected",
        "Ida var syg den dag",
        p.approver,
    )
    event = await p.pool.fetchval("select envelope from outbox where envelope->>'type' = 'timesheet.entry_rejected'")
    assert event["data"]["reason"] == "Ida var syg den dag"
    assert "Afvist: 4:00 timer for Ida Jensen" in p.visible_text((await p.client.get("/portal/pending")).text)


async def test_a_reason_longer_than_1000_characters_is_refused(portal: Portal) -> None:
    p = portal
    week_a, _ = _mondays(p.today)
    entry_id = await p.submit(week_a, 240)
    await p.log_in()
    form = _form(
        p.forms_of((await p.client.get(f"/portal/entries/{entry_id}/reject")).text),
        action=f"/portal/entries/{entry_id}/reject",
    )

    response = await p.client.post(form.action, data=form.data(reason="x" * 1001))

    assert response.status_code == 422
    assert "højst være 1000 tegn" in response.text
    assert await p.status_of(entry_id) == "submitted"


async def test_another_companys_entry_is_not_found_whatever_the_portal_action(portal: Portal) -> None:
    p = portal
    week_a, _ = _mondays(p.today)
    elsewhere = await p.add_placement("Sara Holm", company_id=uuid.uuid4())
    foreign = await p.submit(week_a, 240, elsewhere)
    await p.log_in()
    csrf = p.csrf_of((await p.client.get("/portal/pending")).text)

    responses = [
        await p.client.post(f"/portal/entries/{foreign}/approve", data={"csrf_token": csrf, "version": "1"}),
        await p.client.get(f"/portal/entries/{foreign}/reject"),
        await p.client.post(
            f"/portal/entries/{foreign}/reject", data={"csrf_token": csrf, "reason": "Ikke vores", "version": "1"}
        ),
        await p.client.post("/portal/approve", data={"csrf_token": csrf, "entry_id": foreign, "version": "1"}),
        await p.client.get("/portal/entries/not-an-id/reject"),
    ]

    assert [r.status_code for r in responses] == [404] * 5
    assert all("Ikke fundet" in r.text for r in responses)
    assert "Sara Holm" not in "".join(r.text for r in responses)
    assert await p.status_of(foreign) == "submitted"
    assert "timesheet.entry_approved" not in await p.event_types()
    assert "timesheet.entry_rejected" not in await p.event_types()


async def test_a_bulk_approval_naming_a_foreign_entry_changes_nothing(portal: Portal) -> None:
    p = portal
    week_a, _ = _mondays(p.today)
    ours = await p.submit(week_a, 240)
    foreign = await p.submit(week_a, 240, await p.add_placement("Sara Holm", company_id=uuid.uuid4()))
    await p.log_in()
    csrf = p.csrf_of((await p.client.get("/portal/pending")).text)

    response = await p.client.post(
        "/portal/approve", data={"csrf_token": csrf, "entry_id": [ours, foreign], "version": ["1", "1"]}
    )

    assert response.status_code == 404
    assert [await p.status_of(ours), await p.status_of(foreign)] == ["submitted", "submitted"]


async def test_an_entry_someone_else_approved_first_shows_who_and_changes_nothing(portal: Portal) -> None:
    p = portal
    week_a, _ = _mondays(p.today)
    entry_id = await p.submit(week_a, 240)
    await p.log_in()
    page = await p.client.get("/portal/pending")
    colleague = bearer(Role.COMPANY_APPROVER, sub="eva@bager.example", company_id=p.company_id)
    approved = await p.client.post(f"/entries/{entry_id}/approve", json={"expected_version": 1}, headers=colleague)
    assert approved.status_code == 200

    response = await _post_form(p, _form(p.forms_of(page.text), action=f"/portal/entries/{entry_id}/approve"))

    assert response.status_code == 409
    text = p.visible_text(response.text)
    assert "Allerede afgjort" in text
    assert "eva@bager.example godkendte disse timer" in text
    assert "Der er ikke ændret noget." in text
    row = await p.pool.fetchrow("select decided_by, version from entries where id = $1", uuid.UUID(entry_id))
    assert (row["decided_by"], row["version"]) == ("eva@bager.example", 2)
    assert (await p.event_types()).count("timesheet.entry_approved") == 1


async def test_an_entry_someone_else_rejected_first_shows_the_reason_on_a_late_rejection(portal: Portal) -> None:
    p = portal
    week_a, _ = _mondays(p.today)
    entry_id = await p.submit(week_a, 240)
    await p.log_in()
    reject_page = await p.client.get(f"/portal/entries/{entry_id}/reject")
    colleague = bearer(Role.COMPANY_APPROVER, sub="eva@bager.example", company_id=p.company_id)
    await p.client.post(
        f"/entries/{entry_id}/reject", json={"reason": "Forkert uge", "expected_version": 1}, headers=colleague
    )

    form = _form(p.forms_of(reject_page.text), action=f"/portal/entries/{entry_id}/reject")
    response = await p.client.post(form.action, data=form.data(reason="Mit eget svar"))

    assert response.status_code == 409
    text = p.visible_text(response.text)
    assert "eva@bager.example afviste disse timer" in text
    assert "Forkert uge" in text
    assert (
        await p.pool.fetchval("select rejection_reason from entries where id = $1", uuid.UUID(entry_id))
        == "Forkert uge"
    )


async def test_a_week_approval_skips_an_entry_decided_meanwhile_and_says_so(portal: Portal) -> None:
    p = portal
    week_a, _ = _mondays(p.today)
    first, second = await p.submit(week_a, 240), await p.submit(week_a + timedelta(days=1), 60)
    await p.log_in()
    page = await p.client.get("/portal/pending")
    colleague = bearer(Role.COMPANY_APPROVER, sub="eva@bager.example", company_id=p.company_id)
    await p.client.post(
        f"/entries/{second}/reject", json={"reason": "Dobbelt", "expected_version": 1}, headers=colleague
    )

    week_form = _form(p.forms_of(page.text), action="/portal/approve", section=_week_id(week_a))
    assert (await _post_form(p, week_form)).status_code == 303

    assert [await p.status_of(first), await p.status_of(second)] == ["approved", "rejected"]
    text = p.visible_text((await p.client.get("/portal/pending")).text)
    assert "1 registrering er godkendt." in text
    assert "1 var allerede afgjort af en anden" in text


async def test_history_lists_decided_hours_with_reasons_and_month_totals(portal: Portal) -> None:
    p = portal
    this_month = p.today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    approved = await p.submit(last_month.replace(day=10), 240)
    rejected = await p.submit(last_month.replace(day=11), 90)
    await p.submit(last_month.replace(day=12), 45)
    await p.log_in()
    csrf = p.csrf_of((await p.client.get("/portal/pending")).text)
    await p.client.post(f"/portal/entries/{approved}/approve", data={"csrf_token": csrf, "version": "1"})
    await p.client.post(
        f"/portal/entries/{rejected}/reject", data={"csrf_token": csrf, "reason": "Ikke aftalt", "version": "1"}
    )

    page = await p.client.get(f"/portal/history?month={last_month:%Y-%m}")

    assert page.status_code == 200
    decided, totals = page.text.split('class="totals"')
    rows = [p.visible_text(r) for r in decided.split('<tr class="status-')[1:]]
    assert len(rows) == 2
    assert "Ida Jensen 4:00 Godkendt" in rows[0] and p.approver in rows[0]
    assert "Ida Jensen 1:30 Afvist Begrundelse: Ikke aftalt" in rows[1]
    month_rows = [p.visible_text(r) for r in totals.split("<tr>")[2:]]
    assert month_rows == [f"{MONTHS[last_month.month - 1]} {last_month.year} 4:00 1:30 0:45"]


async def test_history_of_a_month_without_decisions_says_so(portal: Portal) -> None:
    p = portal
    await p.log_in()

    page = await p.client.get("/portal/history?month=2001-01")

    assert page.status_code == 200
    assert "Ingen godkendte eller afviste timer i januar 2001." in p.visible_text(page.text)
    assert "Ingen timer endnu." in p.visible_text(page.text)


async def test_a_reason_is_stored_the_same_through_the_portal_as_through_the_api(portal: Portal) -> None:
    """CR LF becomes LF, a decomposed é is composed (NFC), surrounding spaces go: one text, whichever door."""
    p = portal
    week_a, _ = _mondays(p.today)
    by_portal = await p.submit(week_a, 240)
    by_api = await p.submit(week_a + timedelta(days=1), 240)
    typed = "  Syg den dag.\r\nCafe\u0301en var lukket.\r\n  "
    await p.log_in()
    form = _form(
        p.forms_of((await p.client.get(f"/portal/entries/{by_portal}/reject")).text),
        action=f"/portal/entries/{by_portal}/reject",
    )

    through_portal = await p.client.post(form.action, data=form.data(reason=typed))
    through_api = await p.client.post(
        f"/entries/{by_api}/reject",
        json={"reason": typed, "expected_version": 1},
        headers=bearer(Role.COMPANY_APPROVER, sub=p.approver, company_id=p.company_id),
    )

    assert (through_portal.status_code, through_api.status_code) == (303, 200), through_api.text
    expected = "Syg den dag.\nCaf\u00e9en var lukket."
    stored = {
        str(row["id"]): row["rejection_reason"]
        for row in await p.pool.fetch("select id, rejection_reason from entries where rejection_reason is not null")
    }
    assert stored == {by_portal: expected, by_api: expected}
    events = await p.pool.fetch("select envelope from outbox where envelope->>'type' = 'timesheet.entry_rejected'")
    assert [e["envelope"]["data"]["reason"] for e in events] == [expected, expected]
    history = await p.pool.fetch("select reason from entry_history where action = 'rejected' order by id")
    assert [h["reason"] for h in history] == [expected, expected]
