"""Issue 6, item 2 for every creating endpoint of placement: what is a duplicate in the domain, and is it
refused (409 naming the existing object in the problem's ``existing`` member) or replayed; and the
``Idempotency-Key`` header on every creating POST."""

from __future__ import annotations

import asyncio
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
TODAY = date(2026, 2, 20)


@pytest.fixture
async def api(serve_placement: Any) -> AsyncIterator[Any]:
    async with serve_placement(TODAY) as running:
        yield running


def _refused_naming(response: httpx.Response, code: str, kind: str, existing_id: str) -> None:
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == code
    assert problem["existing"] == {"type": kind, "id": existing_id}


async def _municipality(client: httpx.AsyncClient) -> str:
    m = await client.post("/municipalities", json={"name": "Aalborg"}, headers=ADMIN)
    assert m.status_code == 201, m.text
    terms = {"effective_from": "2024-01-01", "co_financing_rate_ore_per_hour": 6500, "eligibility_threshold_weeks": 26}
    assert (await client.post(f"/municipalities/{m.json()['id']}/terms", headers=ADMIN, json=terms)).status_code == 201
    return str(m.json()["id"])


async def _company(client: httpx.AsyncClient, cvr: str = "12345674") -> str:
    body = {"name": f"Firma {cvr}", "cvr": cvr, "approvers": [{"email": f"ib@{cvr}.dk", "name": "Ib"}]}
    c = await client.post("/companies", headers=CONSULTANT, json=body)
    assert c.status_code == 201, c.text
    return str(c.json()["id"])


def _referral(municipality: str, referred_on: str = "2026-02-01") -> dict[str, Any]:
    return {
        "cpr": "010190-1234",
        "name": "Mette Jensen",
        "municipality_id": municipality,
        "referred_on": referred_on,
        "weeks_unemployed": 60,
    }


async def test_municipality_terms_and_company_registered_twice_are_refused_naming_the_first(api: Any) -> None:
    client = api.client
    municipality = await _municipality(client)
    company = await _company(client)
    terms = {"effective_from": "2024-01-01", "co_financing_rate_ore_per_hour": 7000, "eligibility_threshold_weeks": 26}
    first_terms = (await client.get(f"/municipalities/{municipality}/terms?on=2024-06-01", headers=ADMIN)).json()

    again = await client.post("/municipalities", json={"name": " Aalborg "}, headers=ADMIN)
    terms_again = await client.post(f"/municipalities/{municipality}/terms", json=terms, headers=ADMIN)
    body = {"name": "Andet navn", "cvr": "12345674", "approvers": [{"email": "x@y.dk", "name": "X"}]}
    company_again = await client.post("/companies", headers=CONSULTANT, json=body)

    _refused_naming(again, "municipality-exists", "municipality", municipality)
    _refused_naming(terms_again, "terms-exist", "terms", first_terms["id"])
    _refused_naming(company_again, "company-exists", "company", company)
    assert len(await api.sql("select 1 from companies")) == 1


async def test_an_approver_added_twice_is_replayed_not_duplicated(api: Any) -> None:
    company = await _company(api.client)
    body = {"email": "bo@firma.dk", "name": "Bo"}

    first = await api.client.post(f"/companies/{company}/approvers", json=body, headers=CONSULTANT)
    again = await api.client.post(f"/companies/{company}/approvers", json=body, headers=CONSULTANT)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert len(await api.sql("select 1 from company_approvers where email = 'bo@firma.dk'")) == 1


async def test_a_referral_sent_twice_is_refused_naming_the_first_and_a_later_day_is_a_new_referral(api: Any) -> None:
    municipality = await _municipality(api.client)
    first = await api.client.post("/referrals", json=_referral(municipality), headers=CONSULTANT)

    again = await api.client.post("/referrals", json=_referral(municipality), headers=CONSULTANT)
    later = await api.client.post("/referrals", json=_referral(municipality, "2026-02-10"), headers=CONSULTANT)

    assert first.status_code == 201, first.text
    _refused_naming(again, "referral-exists", "referral", first.json()["id"])
    assert later.status_code == 201
    assert later.json()["citizen_id"] == first.json()["citizen_id"]
    assert len(await api.sql("select 1 from referrals")) == 2
    assert len(await api.events("placement.citizen_referred")) == 2


async def test_the_same_referral_sent_in_parallel_is_stored_once(api: Any) -> None:
    municipality = await _municipality(api.client)

    responses = await asyncio.gather(
        *(api.client.post("/referrals", json=_referral(municipality), headers=CONSULTANT) for _ in range(3))
    )

    assert sorted(r.status_code for r in responses) == [201, 409, 409], [r.text for r in responses]
    created = next(r for r in responses if r.status_code == 201).json()["id"]
    assert {r.json()["existing"]["id"] for r in responses if r.status_code == 409} == {created}
    assert len(await api.sql("select 1 from referrals")) == 1


async def test_a_placement_made_twice_is_refused_naming_the_first_also_in_parallel(api: Any) -> None:
    client = api.client
    municipality = await _municipality(client)
    company = await _company(client)
    referral = (await client.post("/referrals", json=_referral(municipality), headers=CONSULTANT)).json()
    body = {
        "referral_id": referral["id"],
        "company_id": company,
        "start_date": "2026-03-01",
        "bill_rate_ore_per_hour": 18_550,
    }

    responses = await asyncio.gather(*(client.post("/placements", json=body, headers=CONSULTANT) for _ in range(3)))

    assert sorted(r.status_code for r in responses) == [201, 409, 409], [r.text for r in responses]
    created = next(r for r in responses if r.status_code == 201).json()["id"]
    for refused in (r for r in responses if r.status_code == 409):
        _refused_naming(refused, "placement-overlaps", "placement", created)
    assert len(await api.sql("select 1 from placements")) == 1


def _opening(company: str, **patch: Any) -> dict[str, Any]:
    return {
        "company_id": company,
        "job_category": "Lager",
        "tasks": "Pakke varer",
        "hours_per_week_minutes": 600,
        "contact": {"name": "Ib", "phone": "12345678"},
    } | patch


async def test_an_open_opening_reported_twice_is_refused_naming_it_until_it_is_closed(api: Any) -> None:
    company = await _company(api.client)
    first = await api.client.post("/openings", json=_opening(company), headers=CONSULTANT)

    again = await api.client.post(
        "/openings",
        json=_opening(company, job_category="LAGER", contact={"name": "ib", "phone": "87654321"}),
        headers=CONSULTANT,
    )
    other_job = await api.client.post("/openings", json=_opening(company, tasks="Køre truck"), headers=CONSULTANT)
    withdrawn = await api.client.post(f"/openings/{first.json()['id']}/withdraw", headers=CONSULTANT)
    after_withdrawal = await api.client.post("/openings", json=_opening(company), headers=CONSULTANT)

    assert first.status_code == 201, first.text
    _refused_naming(again, "opening-exists", "opening", first.json()["id"])
    assert (other_job.status_code, withdrawn.status_code, after_withdrawal.status_code) == (201, 200, 201)


async def test_the_same_follow_up_recorded_twice_is_replayed_and_stored_once(api: Any) -> None:
    company = await _company(api.client)
    opening = (await api.client.post("/openings", json=_opening(company), headers=CONSULTANT)).json()
    url = f"/openings/{opening['id']}/follow-ups"

    first = await api.client.post(url, json={"note": "Ringede til Ib"}, headers=CONSULTANT)
    again = await api.client.post(url, json={"note": "Ringede til Ib"}, headers=CONSULTANT)
    another = await api.client.post(url, json={"note": "Ib ringede tilbage"}, headers=CONSULTANT)

    assert (first.status_code, again.status_code, another.status_code) == (201, 201, 201)
    assert again.json() == first.json()
    assert [r["note"] for r in await api.sql("select note from job_opening_follow_ups order by recorded_at")] == [
        "Ringede til Ib",
        "Ib ringede tilbage",
    ]


async def test_the_same_activity_logged_twice_is_refused_naming_the_first(api: Any) -> None:
    municipality = await _municipality(api.client)
    citizen = (await api.client.post("/referrals", json=_referral(municipality), headers=CONSULTANT)).json()[
        "citizen_id"
    ]
    url = f"/citizens/{citizen}/activities"
    body = {"activity_type": "conversation", "occurred_on": "2026-02-18", "note": "Første samtale"}

    first = await api.client.post(url, json=body, headers=CONSULTANT)
    again = await api.client.post(url, json=body, headers=CONSULTANT)
    second_talk = await api.client.post(url, json=body | {"note": "Opfølgning"}, headers=CONSULTANT)

    assert first.status_code == 201, first.text
    _refused_naming(again, "activity-exists", "activity", first.json()["id"])
    assert second_talk.status_code == 201
    assert len(await api.events("placement.activity_logged")) == 2


async def test_a_retried_referral_with_its_idempotency_key_replays_the_first_answer(api: Any) -> None:
    municipality = await _municipality(api.client)
    headers = {**CONSULTANT, "Idempotency-Key": str(uuid.uuid4())}

    first = await api.client.post("/referrals", json=_referral(municipality), headers=headers)
    retried = await api.client.post("/referrals", json=_referral(municipality), headers=headers)
    changed = await api.client.post("/referrals", json=_referral(municipality, "2026-02-02"), headers=headers)

    assert (first.status_code, retried.status_code) == (201, 201)
    assert retried.json() == first.json()
    assert retried.headers["idempotent-replayed"] == "true"
    assert (changed.status_code, changed.json()["code"]) == (422, "idempotency-key-reused")
    assert len(await api.sql("select 1 from referrals")) == 1


async def test_every_post_but_the_search_documents_the_idempotency_key_header(api: Any) -> None:
    spec = (await api.client.get("/openapi.json")).json()
    posts = {path: ops["post"] for path, ops in spec["paths"].items() if "post" in ops}

    # 16 that create or change (issue 14 added POST /staff), and the CPR search (a read, in a POST body)
    assert len(posts) == 17
    for path, operation in posts.items():
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
        assert names == ([] if path == "/citizens/search" else ["Idempotency-Key"]), path
