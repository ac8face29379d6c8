"""Overdue invoices and payment reminders (issue 10; renteloven § 9 b): the overdue list by age, the reminders
recorded with their rules (after the due date, 10 days apart, at most three, 100 kr at most, none once paid)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from vikar_shared.auth import Role
from vikar_shared.clock import FixedClock
from vikar_shared.testing.plugin import bearer

FINANCE = bearer(Role.FINANCE)


async def _remind(invoicing: Any, invoice: dict[str, Any], sent_on: str, fee: int = 10_000) -> Any:
    return await invoicing.client.post(
        f"/invoices/{invoice['invoice_id']}/reminders", json={"sent_on": sent_on, "fee_ore": fee}, headers=FINANCE
    )


async def test_overdue_invoices_oldest_first_with_age_and_reminder_rules(invoicing: Any, issue_invoices: Any) -> None:
    a, b = await issue_invoices(2, names=["Anker ApS", "Bager Bo"])
    [c] = await issue_invoices(1, issue_on=date(2026, 11, 20), names=["Cykel Carl"])
    assert (a["due_date"], b["due_date"], c["due_date"]) == ("2026-11-14", "2026-11-14", "2026-11-28")

    invoicing.app.state.clock = FixedClock.on(date(2026, 11, 14))
    r = await invoicing.client.get("/invoices/overdue", headers=FINANCE)
    assert r.json()["items"] == []  # on the due date nothing is overdue yet

    invoicing.app.state.clock = FixedClock.on(date(2026, 12, 20))
    # b pays a part: still overdue, with what is outstanding.
    r = await invoicing.client.post(
        f"/invoices/{b['invoice_id']}/payments",
        json={"amount_ore": 30_000, "paid_on": "2026-12-01", "payer_reference": "Bager Bo"},
        headers=FINANCE,
    )
    assert r.status_code == 201, r.text
    r = await invoicing.client.get("/invoices/overdue", headers=FINANCE)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [(i["number"], i["buyer_name"], i["days_overdue"], i["age_bucket"]) for i in items] == [
        (a["number"], "Anker ApS", 36, "31-60"),
        (b["number"], "Bager Bo", 36, "31-60"),
        (c["number"], "Cykel Carl", 22, "1-30"),
    ]
    assert [i["account"]["outstanding_ore"] for i in items] == [33_749, 3_749, 33_749]
    assert items[1]["account"]["status"] == "partially_paid"
    assert (items[0]["reminders_sent"], items[0]["last_reminder_on"], items[0]["next_reminder_on"]) == (
        0,
        None,
        "2026-11-15",
    )

    # Reminders for a: not on the due date, then 10 days apart, at most three.
    r = await _remind(invoicing, a, "2026-11-14")
    assert (r.status_code, r.json()["code"]) == (409, "reminder-before-due"), r.text
    first = await _remind(invoicing, a, "2026-11-15")
    assert first.status_code == 201, first.text
    assert (first.json()["reminder"]["number"], first.json()["reminder"]["fee_ore"]) == (1, 10_000)
    assert first.json()["invoice"]["next_reminder_on"] == "2026-11-25"
    r = await _remind(invoicing, a, "2026-11-24")
    assert (r.status_code, r.json()["code"]) == (409, "reminder-too-soon")
    assert (await _remind(invoicing, a, "2026-11-25", fee=0)).status_code == 201
    third = await _remind(invoicing, a, "2026-12-05")
    assert third.status_code == 201
    assert (third.json()["reminder"]["number"], third.json()["invoice"]["next_reminder_on"]) == (3, None)
    r = await _remind(invoicing, a, "2026-12-20")
    assert (r.status_code, r.json()["code"]) == (409, "reminder-limit-reached")
    assert await invoicing.count("select count(*) from payment_reminders where invoice_id = $1", a["invoice_id"]) == 3

    # Bad input: a fee over 100 kr, a date in the future, not finance.
    for body, rule in (
        ({"sent_on": "2026-12-20", "fee_ore": 10_001}, "less_than_equal"),
        ({"sent_on": "2026-12-20", "fee_ore": -1}, "greater_than_equal"),
        ({"sent_on": "2026-12-21", "fee_ore": 0}, "sent-on-future"),
    ):
        r = await invoicing.client.post(f"/invoices/{c['invoice_id']}/reminders", json=body, headers=FINANCE)
        assert r.status_code == 422, r.text
        assert rule in {e["rule"] for e in r.json()["errors"]}
    approver = bearer(Role.COMPANY_APPROVER, company_id=uuid.UUID(c["company_id"]))
    r = await invoicing.client.post(
        f"/invoices/{c['invoice_id']}/reminders", json={"sent_on": "2026-12-20", "fee_ore": 0}, headers=approver
    )
    assert r.status_code == 403
    assert (await invoicing.client.get("/invoices/overdue", headers=approver)).status_code == 403
    r = await invoicing.client.post(
        f"/invoices/{uuid.uuid4()}/reminders", json={"sent_on": "2026-12-20", "fee_ore": 0}, headers=FINANCE
    )
    assert (r.status_code, r.json()["code"]) == (404, "invoice-not-found")

    # b pays the rest: no longer overdue, and no reminder for it.
    r = await invoicing.client.post(
        f"/invoices/{b['invoice_id']}/payments",
        json={"amount_ore": 3_749, "paid_on": "2026-12-19", "payer_reference": "Bager Bo"},
        headers=FINANCE,
    )
    assert r.json()["account"]["status"] == "paid"
    r = await _remind(invoicing, b, "2026-12-20")
    assert (r.status_code, r.json()["code"]) == (409, "invoice-settled")

    r = await invoicing.client.get("/invoices/overdue", headers=FINANCE)
    items = r.json()["items"]
    assert [i["number"] for i in items] == [a["number"], c["number"]]
    assert (items[0]["reminders_sent"], items[0]["last_reminder_on"], items[0]["next_reminder_on"]) == (
        3,
        "2026-12-05",
        None,
    )
    r = await invoicing.client.get("/invoices/overdue", params={"limit": 1, "offset": 1}, headers=FINANCE)
    assert [i["number"] for i in r.json()["items"]] == [c["number"]]

    # The reminders are in a's history, in order.
    detail = (await invoicing.client.get(f"/invoices/{a['invoice_id']}", headers=FINANCE)).json()
    steps = [(s["kind"], s["detail"].get("reminder_number")) for s in detail["history"] if "stripe" not in s["kind"]]
    assert steps == [("issued", None), ("reminder", 1), ("reminder", 2), ("reminder", 3)]


async def test_the_overdue_list_and_manual_reminders_follow_the_reminder_schedules_settings(
    invoicing: Any, issue_invoices: Any
) -> None:
    """One rule (issue 14 review): with five reminders before collection, 14 days apart, the first 3 days after
    the due date, the overdue list's next_reminder_on and the manual record follow those settings, not a second
    rule of their own; a fee only on the first three (renteloven § 9 b)."""
    invoicing.app.state.settings = invoicing.app.state.settings.model_copy(
        update={
            "payment_reminder_first_after_days": 3,
            "payment_reminder_days_apart": 14,
            "payment_reminders_before_collection": 5,
        }
    )
    [a] = await issue_invoices(1, names=["Anker ApS"])
    assert a["due_date"] == "2026-11-14"
    invoicing.app.state.clock = FixedClock.on(date(2027, 2, 1))
    [item] = (await invoicing.client.get("/invoices/overdue", headers=FINANCE)).json()["items"]
    assert item["next_reminder_on"] == "2026-11-17"
    r = await _remind(invoicing, a, "2026-11-16")
    assert (r.status_code, r.json()["code"]) == (409, "reminder-too-soon"), r.text
    answers = [await _remind(invoicing, a, day) for day in ("2026-11-17", "2026-12-01", "2026-12-15")]
    assert [(x.status_code, x.json()["invoice"]["next_reminder_on"]) for x in answers] == [
        (201, "2026-12-01"),
        (201, "2026-12-15"),
        (201, "2026-12-29"),  # not null after three: the schedule's fourth and fifth are still to come
    ]
    [item] = (await invoicing.client.get("/invoices/overdue", headers=FINANCE)).json()["items"]
    assert (item["reminders_sent"], item["next_reminder_on"]) == (3, "2026-12-29")
    r = await _remind(invoicing, a, "2026-12-28", fee=0)
    assert (r.status_code, r.json()["code"]) == (409, "reminder-too-soon"), r.text
    r = await _remind(invoicing, a, "2026-12-29", fee=1)
    assert (r.status_code, r.json()["code"]) == (409, "reminder-fee-not-allowed"), r.text
    fourth = await _remind(invoicing, a, "2026-12-29", fee=0)
    assert (fourth.status_code, fourth.json()["reminder"]["number"]) == (201, 4), fourth.text
    fifth = await _remind(invoicing, a, "2027-01-12", fee=0)
    assert (fifth.status_code, fifth.json()["invoice"]["next_reminder_on"]) == (201, None), fifth.text
    r = await _remind(invoicing, a, "2027-02-01", fee=0)
    assert (r.status_code, r.json()["code"]) == (409, "reminder-limit-reached"), r.text
    assert await invoicing.count("select count(*) from payment_reminders where invoice_id = $1", a["invoice_id"]) == 5
