"""Issue 14 (part A): GET /consultant-digest: the follow-ups a consultant owes in a week and their openings past the
follow-up deadline, names only; the service role and admins read anyone's, a consultant only their own."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest

from vikar_shared.auth import Role
from vikar_shared.testing.plugin import bearer

ADMIN = bearer(Role.ADMIN, sub="admin-1")
ANNA = bearer(Role.CONSULTANT, sub="anna")
BO = bearer(Role.CONSULTANT, sub="bo")
SERVICE = bearer(Role.SERVICE, sub="service:notifications")
CPR = "010190-1234"


@pytest.fixture
async def api(serve_placement: Any) -> AsyncIterator[Any]:
    async with serve_placement(date(2026, 11, 27)) as running:
        yield running


async def _world(api: Any) -> dict[str, str]:
    """Aalborg, Firma A (Anna's placement of Mette from Monday 26 October, active) and an opening Anna reported
    on Friday 27 November (due Tuesday 1 December with two working days)."""
    c = api.client
    mid = await api.municipality("Aalborg")
    r = await c.post(
        "/companies",
        headers=ANNA,
        json={"name": "Firma A", "cvr": "12345674", "approvers": [{"email": "ib@firma-a.dk", "name": "Ib"}]},
    )
    company = r.json()["id"]
    referral = await c.post(
        "/referrals",
        headers=ANNA,
        json={
            "cpr": CPR,
            "name": "Mette Jensen",
            "municipality_id": mid,
            "referred_on": "2026-02-01",
            "weeks_unemployed": 60,
        },
    )
    assert referral.status_code == 201, referral.text
    placed = await c.post(
        "/placements",
        headers=ANNA,
        json={
            "referral_id": referral.json()["id"],
            "company_id": company,
            "start_date": "2026-10-26",
            "bill_rate_ore_per_hour": 18_550,
        },
    )
    assert placed.status_code == 201, placed.text
    pid = placed.json()["id"]
    assert (await c.post(f"/placements/{pid}/activate", headers=ANNA)).status_code == 200
    opening = await c.post(
        "/openings",
        headers=ANNA,
        json={
            "company_id": company,
            "job_category": "kitchen help",
            "tasks": "Dishes, secret note 4711",
            "hours_per_week_minutes": 600,
            "contact": {"name": "Ib Hansen", "phone": "+45 12 34 56 78"},
        },
    )
    assert opening.status_code == 201, opening.text
    return {"company": company, "placement": pid, "opening": opening.json()["id"]}


async def test_the_digest_lists_follow_ups_owed_and_openings_past_their_deadline_names_only(api: Any) -> None:
    world = await _world(api)
    api.clock.set_today(date(2026, 12, 2))  # Wednesday of W49: the opening was due Tuesday
    r = await api.client.get("/consultant-digest", params={"consultant": "anna", "week": "2026-W49"}, headers=SERVICE)
    assert r.status_code == 200, r.text
    digest = r.json()
    assert (digest["consultant_id"], digest["week"], digest["week_starts_on"], digest["as_of"]) == (
        "anna",
        "2026-W49",
        "2026-11-30",
        "2026-12-02",
    )
    assert [
        (f["citizen_name"], f["company_name"], f["activity_type"], f["due_on"], f["overdue"])
        for f in digest["follow_ups"]
    ] == [
        ("Mette Jensen", "Firma A", "follow_up_day_7", "2026-11-02", True),
        ("Mette Jensen", "Firma A", "follow_up_day_30", "2026-11-25", True),
    ]
    assert digest["overdue_openings"] == [
        {
            "opening_id": world["opening"],
            "company_id": world["company"],
            "company_name": "Firma A",
            "job_category": "kitchen help",
            "reported_on": "2026-11-27",
            "follow_up_due_on": "2026-12-01",
        }
    ]
    assert "4711" not in r.text and CPR not in r.text and CPR.replace("-", "") not in r.text  # no note, no CPR
    # Judged on Monday, the opening is not yet late; Bo owes nothing and has no openings.
    api.clock.set_today(date(2026, 11, 30))
    r = await api.client.get("/consultant-digest", params={"consultant": "anna", "week": "2026-W49"}, headers=ANNA)
    assert r.status_code == 200 and r.json()["overdue_openings"] == []
    r = await api.client.get("/consultant-digest", params={"consultant": "bo", "week": "2026-W49"}, headers=ADMIN)
    assert (r.json()["follow_ups"], r.json()["overdue_openings"]) == ([], [])


async def test_who_may_read_a_digest(api: Any) -> None:
    await _world(api)
    anna = {"consultant": "anna", "week": "2026-W49"}
    for headers in (SERVICE, ADMIN, ANNA):
        assert (await api.client.get("/consultant-digest", params=anna, headers=headers)).status_code == 200
    forbidden = await api.client.get("/consultant-digest", params=anna, headers=BO)
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "forbidden"
    approver = bearer(Role.COMPANY_APPROVER, sub="ib@firma-a.dk", company_id=uuid.UUID(int=5))
    for headers in (bearer(Role.FINANCE, sub="fie"), approver):
        assert (await api.client.get("/consultant-digest", params=anna, headers=headers)).status_code == 403
    assert (await api.client.get("/consultant-digest", params=anna)).status_code == 401
    bad = await api.client.get("/consultant-digest", params={"consultant": "anna", "week": "2026-W60"}, headers=SERVICE)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "week"
    missing = await api.client.get("/consultant-digest", params={"week": "2026-W49"}, headers=SERVICE)
    assert missing.status_code == 422
