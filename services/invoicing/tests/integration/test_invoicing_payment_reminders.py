"""Scheduled payment reminders (issue 14, part E; renteloven § 9 b) through the real service: the daily schedule
run with a FixedClock (run_due), the reminders and fees recorded, invoicing.payment_reminder_issued in the outbox
with exact øre, the finance API and the company approver's view; and deemed approval shown on the invoice detail."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import date, datetime, time
from typing import Any

import pytest
from pydantic import ValidationError

from invoicing.config import InvoicingSettings
from invoicing.payment_reminders.jobs import SCHEDULES
from invoicing.payments import service as payments
from vikar_shared.auth import Principal, Role
from vikar_shared.clock import AGENCY_TIMEZONE, FixedClock
from vikar_shared.events.placement import Approver
from vikar_shared.identity.tokens import COOKIE_NAME
from vikar_shared.scheduling import Ran, run_due
from vikar_shared.testing.identity import page_session_cookie
from vikar_shared.testing.pages import visible_text
from vikar_shared.testing.plugin import bearer

FINANCE = bearer(Role.FINANCE)
EVENTS = """select envelope -> 'data' as data from outbox
            where envelope ->> 'type' = 'invoicing.payment_reminder_issued' and envelope -> 'data' ->> 'invoice_id' = $1
            order by (envelope -> 'data' ->> 'reminder_number')::int"""
# The schedule as the worker runs it, enabled (the service's default is off, so other tests see no reminders).
ENABLED = [dataclasses.replace(s, enabled=lambda app: True) for s in SCHEDULES]


def _settings(invoicing: Any, **changes: Any) -> None:
    """The running app's reminder settings changed (as INVOICING_PAYMENT_REMINDER_* would set them at start)."""
    invoicing.app.state.settings = invoicing.app.state.settings.model_copy(update=changes)


async def _run_on(invoicing: Any, day: date, at: time = time(9)) -> list[Ran]:
    """Moves the app's clock to ``at`` on the agency's ``day`` and runs the due slots once."""
    invoicing.app.state.clock = FixedClock.on(day, at)
    return await run_due(invoicing.app, ENABLED)


async def _reminders(invoicing: Any, invoice: dict[str, Any], headers: dict[str, str] = FINANCE) -> Any:
    return await invoicing.client.get(f"/invoices/{invoice['invoice_id']}/payment-reminders", headers=headers)


async def _events(invoicing: Any, invoice: dict[str, Any]) -> list[dict[str, Any]]:
    rows = await invoicing.pool.fetch(EVENTS, invoice["invoice_id"])
    return [dict(r["data"]) for r in rows]


async def test_reminders_after_the_due_date_ten_days_apart_fees_on_three_the_last_final(
    invoicing: Any, issue_invoices: Any
) -> None:
    # Issued Tuesday 10 November with 8 days' terms: due Wednesday 18 November, total 33 749 øre.
    [invoice] = await issue_invoices(1, issue_on=date(2026, 11, 10))
    assert (invoice["due_date"], invoice["total_ore"]) == ("2026-11-18", 33_749)

    # On the due date nothing is overdue: the slot runs, no reminder.
    [ran] = await _run_on(invoicing, date(2026, 11, 18))
    assert (ran.job, ran.summary["issued"]) == ("payment-reminders", 0)
    # Before 08:00 the day after, the day's slot is not due yet: yesterday's ran already.
    assert await _run_on(invoicing, date(2026, 11, 19), time(7, 59)) == []
    # The day after the due date: the first reminder, with the full fee.
    [ran] = await _run_on(invoicing, date(2026, 11, 19))
    assert (ran.slot, ran.summary) == (
        datetime(2026, 11, 19, 8, tzinfo=AGENCY_TIMEZONE),
        {"considered": 1, "issued": 1, "final": 0, "fees_ore": 10_000},
    )
    # The same slot again (a second pass, another replica): nothing twice.
    assert await _run_on(invoicing, date(2026, 11, 19), time(15)) == []
    assert await invoicing.count("select count(*) from payment_reminders") == 1

    # A part payment: the next reminder states what is still outstanding.
    invoicing.app.state.clock = FixedClock.on(date(2026, 11, 20))
    r = await invoicing.client.post(
        f"/invoices/{invoice['invoice_id']}/payments",
        json={"amount_ore": 13_749, "paid_on": "2026-11-20", "payer_reference": "Firma 0"},
        headers=FINANCE,
    )
    assert r.status_code == 201, r.text

    # 8 days after the first (Friday 27 November): too soon; Monday 30 November (11 days): the second.
    [ran] = await _run_on(invoicing, date(2026, 11, 27))
    assert ran.summary["issued"] == 0
    [ran] = await _run_on(invoicing, date(2026, 11, 30))
    assert ran.summary["issued"] == 1
    # The third exactly 10 days after the second: not on day 9, on day 10; it is the final one (3 by default).
    [ran] = await _run_on(invoicing, date(2026, 12, 9))
    assert ran.summary["issued"] == 0
    [ran] = await _run_on(invoicing, date(2026, 12, 10))
    assert (ran.summary["issued"], ran.summary["final"]) == (1, 1)
    # After the final one: none more, however long it stays unpaid.
    [ran] = await _run_on(invoicing, date(2027, 1, 29))
    assert ran.summary["issued"] == 0

    events = await _events(invoicing, invoice)
    assert [{k: v for k, v in e.items() if k != "reminder_id"} for e in events] == [
        {
            "invoice_id": invoice["invoice_id"],
            "company_id": invoice["company_id"],
            "invoice_number": invoice["number"],
            "reminder_number": 1,
            "issued_on": "2026-11-19",
            "due_date": "2026-11-18",
            "pay_by": "2026-11-29",
            "outstanding_ore": 33_749,
            "fee_ore": 10_000,
            "fees_total_ore": 10_000,
            "final": False,
        },
        {
            "invoice_id": invoice["invoice_id"],
            "company_id": invoice["company_id"],
            "invoice_number": invoice["number"],
            "reminder_number": 2,
            "issued_on": "2026-11-30",
            "due_date": "2026-11-18",
            "pay_by": "2026-12-10",
            "outstanding_ore": 20_000,
            "fee_ore": 10_000,
            "fees_total_ore": 20_000,
            "final": False,
        },
        {
            "invoice_id": invoice["invoice_id"],
            "company_id": invoice["company_id"],
            "invoice_number": invoice["number"],
            "reminder_number": 3,
            "issued_on": "2026-12-10",
            "due_date": "2026-11-18",
            "pay_by": "2026-12-20",
            "outstanding_ore": 20_000,
            "fee_ore": 10_000,
            "fees_total_ore": 30_000,
            "final": True,
        },
    ]
    # Keyed by the company, as the event's contract says.
    keys = await invoicing.pool.fetch(
        "select key from outbox where envelope ->> 'type' = 'invoicing.payment_reminder_issued'"
    )
    assert {k["key"] for k in keys} == {invoice["company_id"]}

    # Finance's view: the reminders and their fees beside the invoice; the invoice's own account is unchanged.
    r = await _reminders(invoicing, invoice)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["total_ore"], body["paid_ore"], body["outstanding_ore"]) == (33_749, 13_749, 20_000)
    assert (body["reminder_fees_ore"], body["owed_with_fees_ore"]) == (30_000, 50_000)
    assert [(x["reminder_number"], x["sent_on"], x["fee_ore"], x["final"], x["source"]) for x in body["reminders"]] == [
        (1, "2026-11-19", 10_000, False, "scheduled"),
        (2, "2026-11-30", 10_000, False, "scheduled"),
        (3, "2026-12-10", 10_000, True, "scheduled"),
    ]
    assert [x["reminder_id"] for x in body["reminders"]] == [e["reminder_id"] for e in events]
    detail = (await invoicing.client.get(f"/invoices/{invoice['invoice_id']}", headers=FINANCE)).json()
    assert (detail["total_ore"], detail["payment"]["outstanding_ore"], detail["reminder_fees_ore"]) == (
        33_749,
        20_000,
        30_000,
    )
    assert [h["detail"]["reminder_number"] for h in detail["history"] if h["kind"] == "reminder"] == [1, 2, 3]
    r = await invoicing.client.get("/invoices/overdue", headers=FINANCE)
    [overdue] = r.json()["items"]
    assert (overdue["account"]["outstanding_ore"], overdue["reminders_sent"], overdue["reminder_fees_ore"]) == (
        20_000,
        3,
        30_000,
    )
    r = await invoicing.client.get("/payment-reminders", params={"status": "final"}, headers=FINANCE)
    assert [(i["number"], len(i["reminders"])) for i in r.json()["items"]] == [(invoice["number"], 3)]


async def test_a_payment_stops_further_reminders(invoicing: Any, issue_invoices: Any) -> None:
    [paid, owing] = await issue_invoices(2, issue_on=date(2026, 11, 10))
    [ran] = await _run_on(invoicing, date(2026, 11, 19))
    assert ran.summary["issued"] == 2
    invoicing.app.state.clock = FixedClock.on(date(2026, 11, 23))
    r = await invoicing.client.post(
        f"/invoices/{paid['invoice_id']}/payments",
        json={"amount_ore": 33_749, "paid_on": "2026-11-23", "payer_reference": "Firma 0"},
        headers=FINANCE,
    )
    assert (r.status_code, r.json()["account"]["status"]) == (201, "paid"), r.text
    # Two replicas pass at once: one claims the slot, the other finds it claimed.
    invoicing.app.state.clock = FixedClock.on(date(2026, 11, 30), time(9))
    passes = await asyncio.gather(run_due(invoicing.app, ENABLED), run_due(invoicing.app, ENABLED))
    [ran] = [r for ran_in_pass in passes for r in ran_in_pass]
    assert (ran.summary["considered"], ran.summary["issued"]) == (1, 1)
    assert [e["reminder_number"] for e in await _events(invoicing, paid)] == [1]
    assert [e["reminder_number"] for e in await _events(invoicing, owing)] == [1, 2]
    # The paid invoice is no longer overdue; its reminder (and fee) stays recorded.
    r = await invoicing.client.get("/payment-reminders", headers=FINANCE)
    assert [i["invoice_id"] for i in r.json()["items"]] == [owing["invoice_id"]]
    r = await invoicing.client.get("/payment-reminders", params={"status": "reminded"}, headers=FINANCE)
    assert {i["invoice_id"]: i["reminder_fees_ore"] for i in r.json()["items"]} == {
        paid["invoice_id"]: 10_000,
        owing["invoice_id"]: 20_000,
    }


async def _company_with_hours(
    invoicing: Any, build: Any, company: Any, *worked: tuple[date, int, bool], citizen: str = "Bo"
) -> tuple[Any, list[Any]]:
    """``company`` (a CompanyRegistered) and one placement of ``citizen`` at 17 999 øre/h with entries (work date,
    minutes, deemed approved?) approved and accrued; the placement and the approvals."""
    await invoicing.publish_company_events(company)
    placement = build.placement(
        company_id=company.company_id,
        municipality_id=uuid.uuid4(),
        citizen_name=citizen,
        bill_rate=17_999,
        eligible=False,
    )
    await invoicing.publish_placement_events(placement)
    approvals = [
        build.approval(placement, day, minutes).model_copy(
            update={"approved_by": "deemed-approval", "status_reason": "deemed_approved"} if deemed else {}
        )
        for day, minutes, deemed in worked
    ]
    lines = await invoicing.count("select count(*) from billable_lines")
    await invoicing.publish_approvals(*approvals)
    await invoicing.wait_for_count(
        "select count(*) from billable_lines", expected=lines + len(approvals), what="accrued"
    )
    await invoicing.wait_for_count(
        "select count(*) from companies where company_id = $1", company.company_id, expected=1, what="company"
    )
    return placement, approvals


async def test_a_payment_committed_while_the_run_waits_for_its_lock_gets_no_reminder(
    invoicing: Any, issue_invoices: Any
) -> None:
    """The race of a payment and the run: the payment's transaction holds the invoice's lock and has inserted the
    payment, uncommitted; the run waits for the lock; the payment commits. The run must see the payment (its
    accounts are read after the lock), so neither a reminder, a fee, a history step nor an event for a paid
    invoice; the other invoice, still owed, gets its reminder with the outstanding amount of now."""
    [paid, owing] = await issue_invoices(2, issue_on=date(2026, 11, 10))
    finance = Principal(subject="finance-race", role=Role.FINANCE)
    async with invoicing.pool.acquire() as payer:
        transaction = payer.transaction()
        await transaction.start()
        try:
            _, account, _ = await payments.record_bank_transfer(
                payer,
                finance,
                invoice_id=uuid.UUID(paid["invoice_id"]),
                amount_ore=33_749,
                paid_on=date(2026, 11, 18),
                payer_reference="Firma 0",
                now=datetime(2026, 11, 18, 12, tzinfo=AGENCY_TIMEZONE),
            )
            assert account.status.value == "paid"
            run = asyncio.create_task(_run_on(invoicing, date(2026, 11, 19)))
            # The run is waiting for the invoice row the payment holds.
            for _ in range(500):
                waiting = await invoicing.count(
                    "select count(*) from pg_stat_activity where datname = current_database() "
                    "and wait_event_type = 'Lock' and query like '%for update of i%'"
                )
                if waiting or run.done():
                    break
                await asyncio.sleep(0.01)
            assert waiting == 1, "the run did not wait for the payment's lock"
        finally:
            await transaction.commit()
        [ran] = await asyncio.wait_for(run, 10)
    assert (ran.summary["considered"], ran.summary["issued"], ran.summary["fees_ore"]) == (1, 1, 10_000)
    assert await _events(invoicing, paid) == []
    assert (
        await invoicing.count(
            "select count(*) from payment_reminders where invoice_id = $1", uuid.UUID(paid["invoice_id"])
        )
        == 0
    )
    assert (
        await invoicing.count(
            "select count(*) from invoice_history where invoice_id = $1 and kind = 'reminder'",
            uuid.UUID(paid["invoice_id"]),
        )
        == 0
    )
    assert [(e["reminder_number"], e["outstanding_ore"]) for e in await _events(invoicing, owing)] == [(1, 33_749)]


async def test_a_credit_note_covering_the_invoice_stops_reminders(invoicing: Any, build: Any) -> None:
    bo, [worked] = await _company_with_hours(
        invoicing, build, build.company(uuid.uuid4()), (date(2026, 10, 5), 90, False)
    )

    async def close_and_issue(today: date) -> dict[str, Any]:
        invoicing.app.state.clock = FixedClock.on(today)
        r = await invoicing.client.post("/closes", json={"through": "2026-10-31"}, headers=FINANCE)
        [draft] = r.json()["invoices"]
        r = await invoicing.client.post(f"/invoices/{draft['invoice_id']}/issue", headers=FINANCE)
        assert r.status_code == 200, r.text
        issued: dict[str, Any] = r.json()
        return issued

    invoice = await close_and_issue(date(2026, 11, 4))  # 14 days' terms: due Wednesday 18 November
    [ran] = await _run_on(invoicing, date(2026, 11, 19))
    assert ran.summary["issued"] == 1
    # All 90 minutes taken away: a credit note of the whole total; nothing is owed any more.
    await invoicing.publish_approvals(build.approval(bo, date(2026, 10, 5), -90, corrects=worked))
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=2, what="correction")
    credit = await close_and_issue(date(2026, 11, 20))
    assert (credit["document_type"], credit["total_ore"]) == ("credit_note", 33_749)
    [ran] = await _run_on(invoicing, date(2026, 11, 30))
    assert (ran.summary["considered"], ran.summary["issued"]) == (0, 0)
    assert [e["reminder_number"] for e in await _events(invoicing, invoice)] == [1]
    r = await _reminders(invoicing, invoice)
    assert (r.json()["payment_status"], r.json()["outstanding_ore"], r.json()["reminder_fees_ore"]) == (
        "credited",
        0,
        10_000,
    )
    # A credit note has no reminders of its own.
    r = await _reminders(invoicing, credit)
    assert (r.status_code, r.json()["code"]) == (404, "invoice-not-found")


async def test_more_reminders_than_three_carry_no_fee_and_the_fee_setting_is_used(
    invoicing: Any, issue_invoices: Any
) -> None:
    _settings(invoicing, payment_reminders_before_collection=5, payment_reminder_fee_ore=6_500)
    [invoice] = await issue_invoices(1, issue_on=date(2026, 11, 10))
    for day in (date(2026, 11, 19), date(2026, 11, 30), date(2026, 12, 10), date(2026, 12, 21), date(2027, 1, 4)):
        [ran] = await _run_on(invoicing, day)
        assert ran.summary["issued"] == 1, day
    events = await _events(invoicing, invoice)
    assert [(e["reminder_number"], e["fee_ore"], e["fees_total_ore"], e["final"]) for e in events] == [
        (1, 6_500, 6_500, False),
        (2, 6_500, 13_000, False),
        (3, 6_500, 19_500, False),
        (4, 0, 19_500, False),
        (5, 0, 19_500, True),
    ]
    assert [e["issued_on"] for e in events][3:] == ["2026-12-21", "2027-01-04"]


async def test_no_reminder_on_a_closed_day(invoicing: Any, issue_invoices: Any) -> None:
    # Due Wednesday 23 December; Thursday 24 December is closed (working_day_closed_days), 25 and 26 holidays.
    [invoice] = await issue_invoices(1, issue_on=date(2026, 12, 15))
    assert invoice["due_date"] == "2026-12-23"
    [ran] = await _run_on(invoicing, date(2026, 12, 24))
    assert ran.summary == {"skipped": "closed day", "day": "2026-12-24"}
    # Friday 25 December (Juledag) is a weekday slot, but a public holiday: skipped too.
    [ran] = await _run_on(invoicing, date(2026, 12, 25))
    assert ran.summary == {"skipped": "closed day", "day": "2026-12-25"}
    # Sunday: no slot on a weekend; the last one (Friday's) ran already.
    assert await _run_on(invoicing, date(2026, 12, 27)) == []
    [ran] = await _run_on(invoicing, date(2026, 12, 28))
    assert ran.summary["issued"] == 1
    assert [e["issued_on"] for e in await _events(invoicing, invoice)] == ["2026-12-28"]


async def test_who_sees_reminders(invoicing: Any, issue_invoices: Any) -> None:
    mine, other = await issue_invoices(2, issue_on=date(2026, 11, 10))
    await _run_on(invoicing, date(2026, 11, 19))
    approver = bearer(Role.COMPANY_APPROVER, company_id=uuid.UUID(mine["company_id"]))
    r = await _reminders(invoicing, mine, approver)
    assert r.status_code == 200, r.text
    assert [(x["reminder_number"], x["fee_ore"]) for x in r.json()["reminders"]] == [(1, 10_000)]
    detail = (await invoicing.client.get(f"/invoices/{mine['invoice_id']}", headers=approver)).json()
    assert (detail["reminder_fees_ore"], len(detail["payment_reminders"])) == (10_000, 1)
    # Another company's invoice: 404, as if it did not exist.
    r = await _reminders(invoicing, other, approver)
    assert (r.status_code, r.json()["code"]) == (404, "invoice-not-found")
    # Consultants see neither; the list is finance's and admin's.
    consultant = bearer(Role.CONSULTANT)
    assert (await _reminders(invoicing, mine, consultant)).status_code == 403
    assert (await invoicing.client.get("/payment-reminders", headers=consultant)).status_code == 403
    assert (await invoicing.client.get("/payment-reminders", headers=approver)).status_code == 403
    detail = (await invoicing.client.get(f"/invoices/{mine['invoice_id']}", headers=consultant)).json()
    assert (detail["reminder_fees_ore"], detail["payment_reminders"]) == (None, None)
    r = await invoicing.client.get("/payment-reminders", params={"status": "late"}, headers=FINANCE)
    assert r.status_code == 422
    assert "status" in r.text
    r = await invoicing.client.get(f"/invoices/{uuid.uuid4()}/payment-reminders", headers=FINANCE)
    assert (r.status_code, r.json()["code"]) == (404, "invoice-not-found")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("payment_reminder_days_apart", 9),
        ("payment_reminder_fee_ore", 10_001),
        ("payment_reminder_fee_ore", -1),
        ("payment_reminder_first_after_days", 0),
        ("payment_reminders_before_collection", 0),
    ],
)
def test_reminder_settings_out_of_range_are_refused_at_start(
    monkeypatch: pytest.MonkeyPatch, name: str, value: int
) -> None:
    monkeypatch.setenv(f"INVOICING_{name.upper()}", str(value))
    with pytest.raises(ValidationError) as refused:
        InvoicingSettings()
    assert name in str(refused.value)
    monkeypatch.delenv(f"INVOICING_{name.upper()}")
    assert getattr(InvoicingSettings(), name) > 0


async def test_deemed_approved_hours_are_shown_on_the_invoice_detail(invoicing: Any, build: Any) -> None:
    company = uuid.uuid4()
    _, [approved, deemed] = await _company_with_hours(
        invoicing, build, build.company(company), (date(2026, 10, 5), 90, False), (date(2026, 10, 6), 60, True)
    )
    assert await invoicing.count("select count(*) from approved_entry_status_reasons") == 1

    invoicing.app.state.clock = FixedClock.on(date(2026, 11, 4))
    r = await invoicing.client.post("/closes", json={"through": "2026-10-31"}, headers=FINANCE)
    [draft] = r.json()["invoices"]
    r = await invoicing.client.post(f"/invoices/{draft['invoice_id']}/issue", headers=FINANCE)
    assert r.status_code == 200, r.text
    approver = bearer(Role.COMPANY_APPROVER, company_id=company)
    for who in (FINANCE, approver):
        detail = (await invoicing.client.get(f"/invoices/{draft['invoice_id']}", headers=who)).json()
        [line] = detail["lines"]
        assert (line["minutes"], sorted(line["entry_ids"])) == (
            150,
            sorted([str(approved.entry_id), str(deemed.entry_id)]),
        )
        assert line["deemed_approved_entry_ids"] == [str(deemed.entry_id)]


async def test_the_portal_shows_deemed_hours_and_the_reminders_in_danish_and_english(
    invoicing: Any, build: Any
) -> None:
    company, other_company = uuid.uuid4(), uuid.uuid4()
    approver = "godkender@bager.dk"
    mine_registered = build.company(company).model_copy(
        update={"approvers": [Approver(email=approver, name="Ib Godkender")]}
    )
    worked = ((date(2026, 10, 5), 90, False), (date(2026, 10, 6), 60, True))
    await _company_with_hours(invoicing, build, mine_registered, *worked, citizen="Bo Berg")
    other_registered = build.company(other_company, name="Smed Olsen A/S")
    await _company_with_hours(invoicing, build, other_registered, (date(2026, 10, 7), 60, False), citizen="Ole")
    invoicing.app.state.clock = FixedClock.on(date(2026, 11, 4))
    r = await invoicing.client.post("/closes", json={"through": "2026-10-31"}, headers=FINANCE)
    drafts = {d["company_id"]: d for d in r.json()["invoices"]}
    issued = {}
    for company_id, draft in drafts.items():
        r = await invoicing.client.post(f"/invoices/{draft['invoice_id']}/issue", headers=FINANCE)
        assert r.status_code == 200, r.text
        issued[company_id] = r.json()
    mine, other = issued[str(company)], issued[str(other_company)]
    assert (mine["total_ore"], mine["due_date"]) == (56_248, "2026-11-18")
    await _run_on(invoicing, date(2026, 11, 19))

    client = invoicing.client
    minted = page_session_cookie(email=approver, now=invoicing.app.state.clock.now(), company_id=company, lang="da")
    client.cookies.set(COOKIE_NAME, minted.token, path="/")
    listing = await client.get("/portal/invoices")
    assert f'href="/portal/invoices/{mine["invoice_id"]}"' in listing.text
    page = await client.get(f"/portal/invoices/{mine['invoice_id']}")
    assert page.status_code == 200, page.text
    text = visible_text(page.text)
    assert f"Faktura {mine['number']}" in text, text
    assert "Bo Berg 5. oktober 2026 – 6. oktober 2026 2:30 179,99 kr. 449,98 kr." in text, text
    assert "godkendt ved fristudløb (1 af 2 registreringer)" in text, text
    assert "1. rykker 19. november 2026 100,00 kr. 29. november 2026" in text, text
    assert "Rykkergebyrer i alt: 100,00 kr." in text, text
    assert "Smed Olsen" not in text and "Ole" not in text
    page = await client.get(f"/portal/invoices/{mine['invoice_id']}", params={"lang": "en"})
    text = visible_text(page.text)
    assert "deemed approved when the deadline ran out (1 of 2 entries)" in text, text
    assert "Reminder 1" in text and "DKK 100.00" in text, text
    # Another company's invoice and a malformed id: the portal's 404 page.
    for path in (f"/portal/invoices/{other['invoice_id']}", "/portal/invoices/not-an-id"):
        r = await client.get(path)
        assert r.status_code == 404, path
        assert other["number"] not in r.text
