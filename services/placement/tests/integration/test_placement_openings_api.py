"""Job openings against real PostgreSQL and Kafka, with "today" frozen through the app's clock seam."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest

from vikar_shared.auth import Role
from vikar_shared.testing.plugin import bearer

ADMIN = bearer(Role.ADMIN, sub="admin-1")
CONSULTANT = bearer(Role.CONSULTANT, sub="anna")
FRIDAY = date(2026, 11, 27)
MONDAY = date(2026, 11, 30)
TUESDAY = date(2026, 12, 1)
WEDNESDAY = date(2026, 12, 2)
THURSDAY = date(2026, 12, 3)
FRIDAY_AFTER = date(2026, 12, 4)
MONDAY_AFTER = date(2026, 12, 7)


Api = Any  # conftest.Api (conftest modules are not importable under --import-mode=importlib)


@pytest.fixture
async def api(serve_placement: Any) -> AsyncIterator[Any]:
    async with serve_placement(FRIDAY) as running:
        yield running


async def _company(client: httpx.AsyncClient, cvr: str = "12345674") -> str:
    r = await client.post(
        "/companies",
        headers=CONSULTANT,
        json={"name": f"Firma {cvr}", "cvr": cvr, "approvers": [{"email": f"ib@{cvr}.dk", "name": "Ib"}]},
    )
    assert r.status_code == 201, r.text
    cid: str = r.json()["id"]
    return cid


async def _municipality(client: httpx.AsyncClient, name: str = "Aalborg") -> str:
    r = await client.post("/municipalities", json={"name": name}, headers=ADMIN)
    assert r.status_code == 201, r.text
    mid: str = r.json()["id"]
    return mid


def _approver(company_id: str) -> dict[str, str]:
    return bearer(Role.COMPANY_APPROVER, sub="ib", company_id=uuid.UUID(company_id))


OPENING = {
    "job_category": "kitchen help",
    "tasks": "Dishes and simple food preparation",
    "hours_per_week_minutes": 600,
    "contact": {"name": "Ib Hansen", "phone": "+45 12 34 56 78"},
    "wished_start": "2026-12-14",
}


async def _report(api: Api, headers: dict[str, str], **patch: Any) -> dict[str, Any]:
    r = await api.client.post("/openings", headers=headers, json=OPENING | patch)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def _overdue_ids(api: Api) -> list[str]:
    r = await api.client.get("/openings", params={"overdue": "true"}, headers=CONSULTANT)
    assert r.status_code == 200, r.text
    return [o["id"] for o in r.json()]


async def test_an_opening_not_followed_up_within_two_working_days_is_overdue_until_followed_up(api: Api) -> None:
    company = await _company(api.client)
    opening = await _report(api, _approver(company))  # Friday; the approver's own company is assumed
    assert opening["company_id"] == company
    assert (opening["status"], opening["reported_on"], opening["follow_up_due_on"]) == (
        "open",
        "2026-11-27",
        "2026-12-01",
    )

    for day in (FRIDAY, MONDAY, TUESDAY):
        api.clock.set_today(day)
        assert await _overdue_ids(api) == [], day
    api.clock.set_today(WEDNESDAY)
    assert await _overdue_ids(api) == [opening["id"]]
    listed = (await api.client.get("/openings", params={"overdue": "false"}, headers=CONSULTANT)).json()
    assert listed == []

    follow_up = await api.client.post(
        f"/openings/{opening['id']}/follow-ups", headers=CONSULTANT, json={"note": "Ib rang"}
    )
    assert follow_up.status_code == 201, follow_up.text
    assert (follow_up.json()["followed_up_on"], follow_up.json()["follow_up_due_on"]) == ("2026-12-02", "2026-12-04")
    for day in (WEDNESDAY, THURSDAY, FRIDAY_AFTER):
        api.clock.set_today(day)
        assert await _overdue_ids(api) == [], day
    api.clock.set_today(MONDAY_AFTER)
    assert await _overdue_ids(api) == [opening["id"]]

    follow_ups = (await api.client.get(f"/openings/{opening['id']}/follow-ups", headers=CONSULTANT)).json()
    assert [(f["followed_up_on"], f["recorded_by"], f["note"]) for f in follow_ups] == [
        ("2026-12-02", "anna", "Ib rang")
    ]
    events = await api.events("placement.job_opening_changed")
    assert [e["data"]["status"] for e in events] == ["open", "open"]
    assert all("Ib rang" not in json.dumps(e) for e in events)


async def test_the_follow_up_window_is_a_setting(serve_placement: Any) -> None:
    async with serve_placement(FRIDAY, opening_follow_up_working_days=1) as api:
        company = await _company(api.client)
        opening = await _report(api, CONSULTANT, company_id=company)
        assert opening["follow_up_due_on"] == "2026-11-30"
        api.clock.set_today(MONDAY)
        assert await _overdue_ids(api) == []
        api.clock.set_today(TUESDAY)
        assert await _overdue_ids(api) == [opening["id"]]


async def test_a_status_change_counts_as_follow_up_and_each_change_emits_job_opening_changed(api: Api) -> None:
    company = await _company(api.client)
    mid = await _municipality(api.client)
    handed = await _report(api, CONSULTANT, company_id=company)
    withdrawn = await _report(api, _approver(company), job_category="cleaning")
    filled = await _report(api, CONSULTANT, company_id=company, job_category="warehouse")

    api.clock.set_today(TUESDAY)
    r = await api.client.post(
        f"/openings/{handed['id']}/hand-over",
        headers=CONSULTANT,
        json={"reason": "too_many_hours", "municipality_id": mid},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["handed_over_reason"], r.json()["municipality_id"]) == (
        "handed_over",
        "too_many_hours",
        mid,
    )
    assert r.json()["followed_up_on"] == "2026-12-01"
    assert (
        await api.client.post(f"/openings/{withdrawn['id']}/withdraw", headers=_approver(company))
    ).status_code == 200
    assert (await api.client.post(f"/openings/{filled['id']}/fill", headers=CONSULTANT)).status_code == 200

    api.clock.set_today(date(2027, 1, 15))
    assert await _overdue_ids(api) == []  # closed openings wait for nobody
    for opening_id, action in ((handed["id"], "withdraw"), (withdrawn["id"], "fill"), (filled["id"], "withdraw")):
        again = await api.client.post(f"/openings/{opening_id}/{action}", headers=CONSULTANT)
        assert again.status_code == 409, again.text
        assert again.json()["code"] == "opening-not-open"

    events = await api.events("placement.job_opening_changed")
    assert [(e["subject"], e["data"]["status"], e["data"]["handed_over_reason"]) for e in events] == [
        (handed["id"], "open", None),
        (withdrawn["id"], "open", None),
        (filled["id"], "open", None),
        (handed["id"], "handed_over", "too_many_hours"),
        (withdrawn["id"], "withdrawn", None),
        (filled["id"], "filled", None),
    ]
    assert events[3]["data"] == {
        "opening_id": handed["id"],
        "company_id": company,
        "status": "handed_over",
        "job_category": "kitchen help",
        "hours_per_week_minutes": 600,
        "handed_over_reason": "too_many_hours",
        "municipality_id": mid,
    }
    audited = await api.sql("select action from audit_log where action like 'opening.%' order by id")
    assert [a["action"] for a in audited] == [
        "opening.reported",
        "opening.reported",
        "opening.reported",
        "opening.handed_over",
        "opening.withdrawn",
        "opening.filled",
    ]


async def test_bad_opening_input_is_rejected_naming_field_and_rule_and_nothing_is_stored(api: Api) -> None:
    company = await _company(api.client)
    other = await _company(api.client, "10150817")
    cases: list[tuple[dict[str, str], dict[str, Any], str, str]] = [
        (CONSULTANT, {"company_id": company, "contact": {"name": "Ib"}}, "contact", "phone-or-email"),
        (
            CONSULTANT,
            {"company_id": company, "contact": {"name": "Ib", "email": "nope"}},
            "contact.email",
            "value_error",
        ),
        (CONSULTANT, {"company_id": company, "hours_per_week_minutes": "600"}, "hours_per_week_minutes", "int_type"),
        (CONSULTANT, {"company_id": company, "hours_per_week_minutes": 0}, "hours_per_week_minutes", "greater_than"),
        (CONSULTANT, {"company_id": company, "job_category": ""}, "job_category", "string_too_short"),
        (CONSULTANT, {}, "company_id", "required"),
        (CONSULTANT, {"company_id": str(uuid.uuid4())}, "company_id", "exists"),
        (_approver(company), {"company_id": other}, "company_id", "exists"),
        (CONSULTANT, {"company_id": company, "surprise": 1}, "surprise", "extra_forbidden"),
    ]
    for headers, patch, field, rule in cases:
        r = await api.client.post("/openings", headers=headers, json=OPENING | patch)
        assert r.status_code == 422, (patch, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert {"field": field, "rule": rule} in [{"field": e["field"], "rule": e["rule"]} for e in r.json()["errors"]]

    opening = await _report(api, CONSULTANT, company_id=company)
    for body, field, rule in (
        ({"reason": "bored", "municipality_id": str(uuid.uuid4())}, "reason", "literal_error"),
        ({"reason": "no_candidate", "municipality_id": str(uuid.uuid4())}, "municipality_id", "exists"),
    ):
        r = await api.client.post(f"/openings/{opening['id']}/hand-over", headers=CONSULTANT, json=body)
        assert r.status_code == 422, r.text
        assert (r.json()["errors"][0]["field"], r.json()["errors"][0]["rule"]) == (field, rule)
    bad_query = await api.client.get("/openings", params={"overdue": "sometimes"}, headers=CONSULTANT)
    assert bad_query.status_code == 422

    assert [r["status"] for r in await api.sql("select status from job_openings")] == ["open"]
    assert len(await api.events("placement.job_opening_changed")) == 1


async def test_approvers_see_only_their_own_openings_and_municipalities_only_job_orders_handed_to_them(
    api: Api,
) -> None:
    mine, theirs = await _company(api.client), await _company(api.client, "10150817")
    mid, other_mid = await _municipality(api.client), await _municipality(api.client, "Hjørring")
    own = await _report(api, _approver(mine))
    foreign = await _report(api, _approver(theirs))
    await api.client.post(
        f"/openings/{foreign['id']}/hand-over",
        headers=CONSULTANT,
        json={"reason": "needs_skills", "municipality_id": mid},
    )

    listed = await api.client.get("/openings", headers=_approver(mine))
    assert [o["id"] for o in listed.json()] == [own["id"]]
    asked_for_other = await api.client.get("/openings", params={"company_id": theirs}, headers=_approver(mine))
    assert [o["id"] for o in asked_for_other.json()] == [own["id"]]
    assert (await api.client.get(f"/openings/{own['id']}", headers=_approver(mine))).status_code == 200
    assert (await api.client.get(f"/openings/{foreign['id']}", headers=_approver(mine))).status_code == 404
    assert (await api.client.post(f"/openings/{own['id']}/withdraw", headers=_approver(theirs))).status_code == 404
    assert (
        await api.client.post(f"/openings/{own['id']}/follow-ups", headers=_approver(mine), json={})
    ).status_code == 403
    assert (await api.client.post(f"/openings/{own['id']}/fill", headers=_approver(mine))).status_code == 403
    assert len((await api.client.get("/openings", headers=CONSULTANT)).json()) == 2

    job_centre = bearer(Role.MUNICIPALITY, municipality_id=uuid.UUID(mid))
    other_centre = bearer(Role.MUNICIPALITY, municipality_id=uuid.UUID(other_mid))
    assert [o["id"] for o in (await api.client.get("/openings", headers=job_centre)).json()] == [foreign["id"]]
    assert (await api.client.get(f"/openings/{own['id']}", headers=job_centre)).status_code == 404
    assert (await api.client.get("/openings", headers=other_centre)).json() == []
    assert (await api.client.post("/openings", headers=job_centre, json=OPENING)).status_code == 403
    assert (await api.client.get("/openings")).status_code == 401


# --- Issue 14 (part A): the follow-up deadline counts working days of the shared calendar ------------------------
async def test_the_follow_up_deadline_skips_easter_and_christmas(serve_placement: Any) -> None:
    async with serve_placement(date(2027, 3, 24)) as api:  # Wednesday before Easter 2027
        company = await _company(api.client)
        easter = await _report(api, CONSULTANT, company_id=company)
        # Maundy Thursday, Good Friday, the weekend and Easter Monday skipped: due Wednesday 31 March.
        assert (easter["reported_on"], easter["follow_up_due_on"]) == ("2027-03-24", "2027-03-31")
        api.clock.set_today(date(2027, 3, 31))
        assert await _overdue_ids(api) == []
        api.clock.set_today(date(2027, 4, 1))
        assert await _overdue_ids(api) == [easter["id"]]
        api.clock.set_today(date(2026, 12, 29))  # Tuesday between Christmas and New Year
        christmas = await _report(api, CONSULTANT, company_id=company, job_category="warehouse help")
        # 31 December (closed by default), New Year's Day and the weekend skipped: due Monday 4 January.
        assert christmas["follow_up_due_on"] == "2027-01-04"


async def test_the_closed_days_are_the_shared_setting(serve_placement: Any) -> None:
    async with serve_placement(date(2026, 12, 23), working_day_closed_days=[]) as api:
        christmas = await _report(api, CONSULTANT, company_id=await _company(api.client))
        # 24 December counts when no day is closed; 25 December (holiday) and the weekend do not.
        assert christmas["follow_up_due_on"] == "2026-12-28"
