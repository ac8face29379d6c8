"""The onboarding and retention log, the citizen timeline and follow-ups owed, against real PostgreSQL and Kafka."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest

from vikar_shared.auth import Role
from vikar_shared.testing.plugin import bearer

ADMIN = bearer(Role.ADMIN, sub="admin-1")
ANNA = bearer(Role.CONSULTANT, sub="anna")
BO = bearer(Role.CONSULTANT, sub="bo")
SENSITIVE = "Mette fortalte om sin diagnose"


Api = Any  # conftest.Api (conftest modules are not importable under --import-mode=importlib)


@pytest.fixture
async def api(serve_placement: Any) -> AsyncIterator[Any]:
    async with serve_placement(date(2026, 11, 27)) as running:
        yield running


async def _municipality(client: httpx.AsyncClient, name: str) -> str:
    m = await client.post("/municipalities", json={"name": name}, headers=ADMIN)
    assert m.status_code == 201, m.text
    mid: str = m.json()["id"]
    terms = {"effective_from": "2024-01-01", "co_financing_rate_ore_per_hour": 6500, "eligibility_threshold_weeks": 26}
    assert (await client.post(f"/municipalities/{mid}/terms", headers=ADMIN, json=terms)).status_code == 201
    return mid


async def _company(client: httpx.AsyncClient, cvr: str) -> str:
    c = await client.post(
        "/companies",
        headers=ANNA,
        json={"name": f"Firma {cvr}", "cvr": cvr, "approvers": [{"email": f"ib@{cvr}.dk", "name": "Ib"}]},
    )
    assert c.status_code == 201, c.text
    cid: str = c.json()["id"]
    return cid


async def _refer(client: httpx.AsyncClient, mid: str, cpr: str, referred_on: str = "2026-02-01") -> dict[str, Any]:
    r = await client.post(
        "/referrals",
        headers=ANNA,
        json={
            "cpr": cpr,
            "name": f"Borger {cpr[:4]}",
            "municipality_id": mid,
            "referred_on": referred_on,
            "weeks_unemployed": 60,
        },
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def _place(
    api: Api, referral: str, company: str, start: str, headers: dict[str, str] = ANNA, **patch: Any
) -> str:
    r = await api.client.post(
        "/placements",
        headers=headers,
        json={"referral_id": referral, "company_id": company, "start_date": start, "bill_rate_ore_per_hour": 18_550}
        | patch,
    )
    assert r.status_code == 201, r.text
    pid: str = r.json()["id"]
    return pid


def _approver(company: str) -> dict[str, str]:
    return bearer(Role.COMPANY_APPROVER, company_id=uuid.UUID(company))


def _job_centre(municipality: str) -> dict[str, str]:
    return bearer(Role.MUNICIPALITY, municipality_id=uuid.UUID(municipality))


async def _log(api: Api, citizen: str, headers: dict[str, str] = ANNA, **body: Any) -> httpx.Response:
    return await api.client.post(f"/citizens/{citizen}/activities", headers=headers, json=body)


async def test_the_timeline_lists_referral_placement_status_changes_and_activities_in_date_order(api: Api) -> None:
    mid = await _municipality(api.client, "Aalborg")
    company = await _company(api.client, "12345674")
    referral = await _refer(api.client, mid, "010190-1234")
    citizen = referral["citizen_id"]

    api.clock.set_today(date(2026, 2, 10))
    pid = await _place(api, referral["id"], company, "2026-03-02")
    api.clock.set_today(date(2026, 3, 2))
    assert (await api.client.post(f"/placements/{pid}/activate", headers=ANNA)).status_code == 200
    ended = await api.client.post(
        f"/placements/{pid}/end", headers=ANNA, json={"end_date": "2026-05-29", "reason": "hired_directly"}
    )
    assert ended.status_code == 200, ended.text

    api.clock.set_today(date(2026, 11, 27))
    # Logged out of order on purpose: the timeline orders by the day it happened.
    logged = [
        {"activity_type": "outcome", "occurred_on": "2026-06-01", "note": "Fastansat"},
        {"activity_type": "follow_up_day_7", "occurred_on": "2026-03-09", "placement_id": pid},
        {
            "activity_type": "preboarding_session",
            "occurred_on": "2026-02-05",
            "attendance": "excused",
            "note": SENSITIVE,
        },
        {"activity_type": "cv_workshop", "occurred_on": "2026-02-03"},
        {"activity_type": "first_day_accompanied", "occurred_on": "2026-03-02", "placement_id": pid},
    ]
    for body in logged:
        r = await _log(api, citizen, **body)
        assert r.status_code == 201, r.text
    # Issue 12: ActivityLogged names the placement when the activity does (invoicing's first-day read model).
    published = {
        (e["data"]["activity_type"], e["data"]["placement_id"]) for e in await api.events("placement.activity_logged")
    }
    assert published == {
        ("outcome", None),
        ("follow_up_day_7", pid),
        ("preboarding_session", None),
        ("cv_workshop", None),
        ("first_day_accompanied", pid),
    }

    timeline = await api.client.get(f"/citizens/{citizen}/timeline", headers=ANNA)
    assert timeline.status_code == 200, timeline.text
    items = timeline.json()["items"]
    summary = [
        (i["occurred_on"], i["kind"], i.get("status") or i.get("activity_type") or i.get("referral_id")) for i in items
    ]
    assert summary == [
        ("2026-02-01", "referral", referral["id"]),
        ("2026-02-03", "activity", "cv_workshop"),
        ("2026-02-05", "activity", "preboarding_session"),
        ("2026-02-10", "placement_status", "planned"),
        ("2026-03-02", "placement_status", "active"),
        ("2026-03-02", "activity", "first_day_accompanied"),
        ("2026-03-09", "activity", "follow_up_day_7"),
        ("2026-05-29", "placement_status", "ended"),
        ("2026-06-01", "activity", "outcome"),
    ]
    assert items[2]["attendance"] == "excused" and items[2]["note"] == SENSITIVE
    assert items[7]["end_reason"] == "hired_directly"
    assert timeline.json()["citizen_name"] == "Borger 0101"

    # The municipality that referred the citizen sees the history without notes; no one else sees it.
    job_centre = await api.client.get(
        f"/citizens/{citizen}/timeline", headers=bearer(Role.MUNICIPALITY, municipality_id=uuid.UUID(mid))
    )
    assert job_centre.status_code == 200
    assert len(job_centre.json()["items"]) == 9
    assert all(i.get("note") is None for i in job_centre.json()["items"])
    assert SENSITIVE not in job_centre.text and "Fastansat" not in job_centre.text
    other_centre = bearer(Role.MUNICIPALITY, municipality_id=uuid.UUID(await _municipality(api.client, "Hjørring")))
    assert (await api.client.get(f"/citizens/{citizen}/timeline", headers=other_centre)).status_code == 404
    approver = bearer(Role.COMPANY_APPROVER, company_id=uuid.UUID(company))
    assert (await api.client.get(f"/citizens/{citizen}/timeline", headers=approver)).status_code == 403
    assert (await api.client.get(f"/citizens/{citizen}/timeline")).status_code == 401
    assert (await api.client.get(f"/citizens/{uuid.uuid4()}/timeline", headers=ANNA)).status_code == 404


async def test_a_municipality_sees_only_its_own_referrals_and_placements_in_a_shared_citizens_timeline(
    api: Api,
) -> None:
    aalborg, hjorring = await _municipality(api.client, "Aalborg"), await _municipality(api.client, "Hjørring")
    company = await _company(api.client, "12345674")
    first = await _refer(api.client, aalborg, "010190-1234", "2026-02-01")
    second = await _refer(api.client, hjorring, "010190-1234", "2026-06-01")  # moved; same citizen
    assert first["citizen_id"] == second["citizen_id"]
    later = await _place(api, second["id"], company, "2026-06-15")
    assert (
        await _log(api, first["citizen_id"], activity_type="conversation", occurred_on="2026-02-02")
    ).status_code == 201
    assert (
        await _log(
            api,
            first["citizen_id"],
            activity_type="first_day_accompanied",
            occurred_on="2026-06-15",
            placement_id=later,
        )
    ).status_code == 201

    seen = await api.client.get(
        f"/citizens/{first['citizen_id']}/timeline",
        headers=bearer(Role.MUNICIPALITY, municipality_id=uuid.UUID(aalborg)),
    )
    assert [(i["kind"], i.get("activity_type")) for i in seen.json()["items"]] == [
        ("referral", None),
        ("activity", "conversation"),
    ]
    assert second["id"] not in seen.text and later not in seen.text


async def test_follow_ups_due_for_a_week_are_the_missing_day_7_30_90_follow_ups_of_my_active_placements(
    api: Api,
) -> None:
    mid = await _municipality(api.client, "Aalborg")
    bakery, shop = await _company(api.client, "12345674"), await _company(api.client, "10150817")
    mette = await _refer(api.client, mid, "010190-1234")
    jonas = await _refer(api.client, mid, "020290-1234")

    mine = await _place(api, mette["id"], bakery, "2026-10-26")
    planned_only = await _place(api, mette["id"], shop, "2026-10-26")  # never activated: nothing owed
    bos = await _place(api, jonas["id"], bakery, "2026-10-26", consultant_id="bo")
    for pid in (mine, bos):
        assert (await api.client.post(f"/placements/{pid}/activate", headers=ANNA)).status_code == 200

    async def due(week: str | None = None, headers: dict[str, str] = ANNA) -> list[tuple[str, str, str, bool]]:
        r = await api.client.get("/consultants/me/follow-ups", params={"week": week} if week else {}, headers=headers)
        assert r.status_code == 200, r.text
        return [(d["placement_id"], d["activity_type"], d["due_on"], d["overdue"]) for d in r.json()["due"]]

    # Start Mon 2026-10-26: day 7 = 11-02 (W45), day 30 = 11-25 (W48), day 90 = 2027-01-24 (W03).
    assert await due("2026-W44") == []
    assert await due("2026-W45") == [(mine, "follow_up_day_7", "2026-11-02", False)]
    assert await due("2026-W48") == [
        (mine, "follow_up_day_7", "2026-11-02", True),
        (mine, "follow_up_day_30", "2026-11-25", False),
    ]
    assert await due() == await due("2026-W48")  # "this week" comes from the frozen clock (2026-11-27)
    assert await due("2026-W48", BO) == [
        (bos, "follow_up_day_7", "2026-11-02", True),
        (bos, "follow_up_day_30", "2026-11-25", False),
    ]
    assert planned_only not in str(await due("2027-W10"))

    # Bo logging a follow-up on Anna's placement still counts: it is the placement that was followed up.
    r = await _log(
        api, mette["citizen_id"], BO, activity_type="follow_up_day_7", occurred_on="2026-11-03", placement_id=mine
    )
    assert r.status_code == 201, r.text
    assert await due("2026-W48") == [(mine, "follow_up_day_30", "2026-11-25", False)]
    assert await due("2027-W03") == [
        (mine, "follow_up_day_30", "2026-11-25", True),
        (mine, "follow_up_day_90", "2027-01-24", False),
    ]
    ended = await api.client.post(
        f"/placements/{mine}/end", headers=ANNA, json={"end_date": "2026-11-27", "reason": "other_job"}
    )
    assert ended.status_code == 200
    assert await due("2026-W48") == []

    bad = await api.client.get("/consultants/me/follow-ups", params={"week": "2026-W60"}, headers=ANNA)
    assert bad.status_code == 422
    assert (bad.json()["errors"][0]["field"], bad.json()["errors"][0]["rule"]) == ("week", "iso-week-invalid")
    for headers in (_approver(bakery), _job_centre(mid), bearer(Role.FINANCE)):
        assert (await api.client.get("/consultants/me/follow-ups", headers=headers)).status_code == 403


async def test_activity_logged_carries_no_note_and_bad_activities_write_nothing(api: Api) -> None:
    mid = await _municipality(api.client, "Aalborg")
    company = await _company(api.client, "12345674")
    mette = await _refer(api.client, mid, "010190-1234")
    jonas = await _refer(api.client, mid, "020290-1234")
    jonas_placement = await _place(api, jonas["id"], company, "2026-03-02")
    citizen = mette["citizen_id"]

    cases: list[tuple[dict[str, Any], str, str]] = [
        (
            {"activity_type": "preboarding_session", "occurred_on": "2026-11-02"},
            "attendance",
            "required-for-preboarding",
        ),
        (
            {"activity_type": "job_cafe", "occurred_on": "2026-11-02", "attendance": "attended"},
            "attendance",
            "only-for-preboarding",
        ),
        (
            {"activity_type": "preboarding_session", "occurred_on": "2026-11-02", "attendance": "late"},
            "attendance",
            "literal_error",
        ),
        ({"activity_type": "follow_up_day_30", "occurred_on": "2026-11-02"}, "placement_id", "required-for-follow-up"),
        (
            {"activity_type": "follow_up_day_30", "occurred_on": "2026-11-02", "placement_id": jonas_placement},
            "placement_id",
            "citizens-placement",
        ),
        ({"activity_type": "coffee", "occurred_on": "2026-11-02"}, "activity_type", "literal_error"),
        ({"activity_type": "conversation", "occurred_on": "2026-11-28"}, "occurred_on", "not-in-future"),
        ({"activity_type": "conversation", "occurred_on": "2026-11-02", "note": "x" * 4001}, "note", "string_too_long"),
        ({"activity_type": "conversation", "occurred_on": "2026-11-02", "who": "me"}, "who", "extra_forbidden"),
    ]
    for body, field, rule in cases:
        r = await _log(api, citizen, **body)
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert {"field": field, "rule": rule} in [{"field": e["field"], "rule": e["rule"]} for e in r.json()["errors"]]
    conversation = {"activity_type": "conversation", "occurred_on": "2026-11-02"}
    assert (await _log(api, str(uuid.uuid4()), **conversation)).status_code == 404
    for headers in (_approver(company), _job_centre(mid), bearer(Role.FINANCE)):
        assert (await _log(api, citizen, headers, **conversation)).status_code == 403
    assert (await api.client.post(f"/citizens/{citizen}/activities", json=conversation)).status_code == 401
    assert await api.sql("select 1 from citizen_activities") == []
    assert await api.events("placement.activity_logged") == []

    ok = await _log(api, citizen, activity_type="concern_raised", occurred_on="2026-11-26", note=SENSITIVE)
    assert ok.status_code == 201, ok.text
    (event,) = await api.events("placement.activity_logged")
    assert event["data"] == {
        "activity_id": ok.json()["id"],
        "citizen_id": citizen,
        "activity_type": "concern_raised",
        "occurred_on": "2026-11-26",
        "logged_by": "anna",
        "placement_id": None,  # issue 12: the event names the placement when the activity does (none here)
    }
    (key,) = await api.sql("select key from outbox where envelope->>'type' = 'placement.activity_logged'")
    assert key["key"] == citizen
    everywhere = await api.sql(
        "select 1 from outbox where envelope::text like $1 union all select 1 from audit_log where details::text like $1",
        f"%{SENSITIVE}%",
    )
    assert everywhere == []
    (audited,) = await api.sql("select actor, details from audit_log where action = 'activity.logged'")
    assert audited["actor"] == "anna"
