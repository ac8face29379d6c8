"""Placement lifecycle, overlap rule and rate versions against real PostgreSQL and Kafka."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from vikar_shared.auth import Role
from vikar_shared.testing.plugin import bearer

ADMIN = bearer(Role.ADMIN, sub="admin-1")
CONSULTANT = bearer(Role.CONSULTANT, sub="anna")


Api = Any  # conftest.Api (conftest modules are not importable under --import-mode=importlib)


@pytest.fixture
async def api(serve_placement: Any) -> AsyncIterator[Any]:
    async with serve_placement(date(2026, 2, 20)) as running:
        yield running


@dataclass
class World:
    municipality: str
    companies: list[str]
    referral: str
    citizen: str


async def _world(client: httpx.AsyncClient) -> World:
    m = await client.post("/municipalities", json={"name": "Aalborg"}, headers=ADMIN)
    assert m.status_code == 201, m.text
    mid = m.json()["id"]
    terms = {"effective_from": "2024-01-01", "co_financing_rate_ore_per_hour": 6500, "eligibility_threshold_weeks": 26}
    assert (await client.post(f"/municipalities/{mid}/terms", headers=ADMIN, json=terms)).status_code == 201
    companies = []
    for cvr in ("12345674", "10150817"):
        c = await client.post(
            "/companies",
            headers=CONSULTANT,
            json={"name": f"Firma {cvr}", "cvr": cvr, "approvers": [{"email": f"ib@{cvr}.dk", "name": "Ib"}]},
        )
        assert c.status_code == 201, c.text
        companies.append(c.json()["id"])
    r = await client.post(
        "/referrals",
        headers=CONSULTANT,
        json={
            "cpr": "010190-1234",
            "name": "Mette Jensen",
            "municipality_id": mid,
            "referred_on": "2026-02-01",
            "weeks_unemployed": 60,
        },
    )
    assert r.status_code == 201, r.text
    return World(mid, companies, r.json()["id"], r.json()["citizen_id"])


async def _place(api: Api, w: World, company: int = 0, **patch: Any) -> httpx.Response:
    body = {
        "referral_id": w.referral,
        "company_id": w.companies[company],
        "start_date": "2026-03-01",
        "bill_rate_ore_per_hour": 18_550,
    } | patch
    return await api.client.post("/placements", headers=CONSULTANT, json=body)


async def test_same_citizen_cannot_be_placed_twice_at_one_company_on_overlapping_days(api: Api) -> None:
    w = await _world(api.client)
    march = await _place(api, w, start_date="2026-03-01", end_date="2026-03-31")
    assert march.status_code == 201, march.text

    overlapping = await _place(api, w, start_date="2026-03-31", end_date="2026-04-30")
    assert overlapping.status_code == 409, overlapping.text
    assert overlapping.headers["content-type"] == "application/problem+json"
    assert overlapping.json()["code"] == "placement-overlaps"
    elsewhere = await _place(api, w, company=1, start_date="2026-03-15")
    assert elsewhere.status_code == 201, elsewhere.text
    adjacent = await _place(api, w, start_date="2026-04-01")  # open-ended
    assert adjacent.status_code == 201, adjacent.text
    after_open_ended = await _place(api, w, start_date="2027-01-01", end_date="2027-01-31")
    assert after_open_ended.status_code == 409

    assert len(await api.sql("select 1 from placements")) == 3
    assert len(await api.events("placement.placement_created")) == 3
    # The database itself refuses an overlap that slips past the service.
    with pytest.raises(asyncpg.ExclusionViolationError):
        await api.sql(
            """insert into placements (id, referral_id, citizen_id, company_id, start_date, end_date,
                                       bill_rate_ore_per_hour, created_by, consultant_id)
               values ($1, $2, $3, $4, '2026-03-10', '2026-03-12', 100, 'x', 'x')""",
            uuid.uuid4(),
            uuid.UUID(w.referral),
            uuid.UUID(w.citizen),
            uuid.UUID(w.companies[0]),
        )


async def test_ending_with_a_date_that_would_overlap_a_later_placement_is_a_conflict(api: Api) -> None:
    w = await _world(api.client)
    first = (await _place(api, w, start_date="2026-03-01", end_date="2026-03-31")).json()
    assert (await _place(api, w, start_date="2026-04-01")).status_code == 201
    await api.client.post(f"/placements/{first['id']}/activate", headers=CONSULTANT)
    late = await api.client.post(
        f"/placements/{first['id']}/end", headers=CONSULTANT, json={"end_date": "2026-04-15", "reason": "other_job"}
    )
    assert late.status_code == 409 and late.json()["code"] == "placement-overlaps"
    assert [
        r["status"] for r in await api.sql("select status from placements where id = $1", uuid.UUID(first["id"]))
    ] == ["active"]
    assert len(await api.events("placement.placement_status_changed")) == 1


async def test_planned_active_ended_emits_status_changes_and_illegal_transitions_conflict(api: Api) -> None:
    w = await _world(api.client)
    p = (await _place(api, w)).json()
    assert p["status"] == "planned"
    url = f"/placements/{p['id']}"

    too_early = await api.client.post(
        f"{url}/end", headers=CONSULTANT, json={"end_date": "2026-04-30", "reason": "other_job"}
    )
    assert too_early.status_code == 409 and too_early.json()["code"] == "placement-not-active"
    api.clock.set_today(date(2026, 3, 1))
    active = await api.client.post(f"{url}/activate", headers=CONSULTANT)
    assert active.status_code == 200 and active.json()["status"] == "active"
    again = await api.client.post(f"{url}/activate", headers=CONSULTANT)
    assert again.status_code == 409 and again.json()["code"] == "placement-not-planned"

    for body, field, rule in (
        ({"end_date": "2026-04-30", "reason": "bored"}, "reason", "literal_error"),
        ({"end_date": "2026-04-30"}, "reason", "missing"),
        ({"end_date": "2026-02-28", "reason": "other_job"}, "end_date", "after-start"),
        ({"end_date": "2026-04-30", "reason": "other_job", "x": 1}, "x", "extra_forbidden"),
    ):
        bad = await api.client.post(f"{url}/end", headers=CONSULTANT, json=body)
        assert bad.status_code == 422, bad.text
        assert {"field": field, "rule": rule} in [
            {"field": e["field"], "rule": e["rule"]} for e in bad.json()["errors"]
        ]

    ended = await api.client.post(
        f"{url}/end", headers=CONSULTANT, json={"end_date": "2026-04-30", "reason": "hired_directly"}
    )
    assert ended.status_code == 200, ended.text
    assert (ended.json()["status"], ended.json()["end_date"], ended.json()["end_reason"]) == (
        "ended",
        "2026-04-30",
        "hired_directly",
    )
    for action, body in (("activate", None), ("end", {"end_date": "2026-05-31", "reason": "other_job"})):
        late = await api.client.post(f"{url}/{action}", headers=CONSULTANT, json=body)
        assert late.status_code == 409, (action, late.text)

    events = await api.events("placement.placement_status_changed")
    assert [e["data"] for e in events] == [
        {
            "placement_id": p["id"],
            "company_id": w.companies[0],
            "citizen_id": w.citizen,
            "status": "active",
            "start_date": "2026-03-01",
            "end_date": None,
            "end_reason": None,
        },
        {
            "placement_id": p["id"],
            "company_id": w.companies[0],
            "citizen_id": w.citizen,
            "status": "ended",
            "start_date": "2026-03-01",
            "end_date": "2026-04-30",
            "end_reason": "hired_directly",
        },
    ]
    assert all(e["subject"] == p["id"] for e in events)
    audited = await api.sql("select action from audit_log where subject = $1 order by id", p["id"])
    assert [a["action"] for a in audited] == ["placement.created", "placement.active", "placement.ended"]
    history = await api.sql(
        "select status, occurred_on, end_reason from placement_status_changes where placement_id = $1 order by id",
        uuid.UUID(p["id"]),
    )
    assert [tuple(h) for h in history] == [
        ("planned", date(2026, 2, 20), None),
        ("active", date(2026, 3, 1), None),
        ("ended", date(2026, 4, 30), "hired_directly"),
    ]


async def test_rate_versions_are_effective_dated_and_the_event_carries_all_versions(api: Api, kafka: str) -> None:
    w = await _world(api.client)
    p = (await _place(api, w, wage_rate_ore_per_hour=14_000, end_date="2026-12-31")).json()
    url = f"/placements/{p['id']}/rates"

    april = await api.client.post(
        url,
        headers=CONSULTANT,
        json={"effective_from": "2026-04-01", "bill_rate_ore_per_hour": 19_000, "wage_rate_ore_per_hour": 14_500},
    )
    assert april.status_code == 200, april.text
    june = await api.client.post(
        url, headers=CONSULTANT, json={"effective_from": "2026-06-01", "bill_rate_ore_per_hour": 19_500}
    )
    assert june.status_code == 200, june.text
    assert june.json()["rates"] == [
        {"effective_from": "2026-03-01", "bill_rate_ore_per_hour": 18_550, "wage_rate_ore_per_hour": 14_000},
        {"effective_from": "2026-04-01", "bill_rate_ore_per_hour": 19_000, "wage_rate_ore_per_hour": 14_500},
        {"effective_from": "2026-06-01", "bill_rate_ore_per_hour": 19_500, "wage_rate_ore_per_hour": None},
    ]
    # The same version again is a no-op: no event, no audit row.
    same = await api.client.post(
        url, headers=CONSULTANT, json={"effective_from": "2026-06-01", "bill_rate_ore_per_hour": 19_500}
    )
    assert same.status_code == 200
    # A version on an existing date replaces it; the start-date version is the placement's bill rate.
    start = await api.client.post(
        url,
        headers=CONSULTANT,
        json={"effective_from": "2026-03-01", "bill_rate_ore_per_hour": 18_600, "wage_rate_ore_per_hour": 14_000},
    )
    assert start.json()["bill_rate_ore_per_hour"] == 18_600

    events = await api.events("placement.placement_rates_changed")
    assert len(events) == 3
    assert events[-1]["data"] == {
        "placement_id": p["id"],
        "company_id": w.companies[0],
        "rates": [
            {"effective_from": "2026-03-01", "bill_rate_ore_per_hour": 18_600, "wage_rate_ore_per_hour": 14_000},
            {"effective_from": "2026-04-01", "bill_rate_ore_per_hour": 19_000, "wage_rate_ore_per_hour": 14_500},
            {"effective_from": "2026-06-01", "bill_rate_ore_per_hour": 19_500, "wage_rate_ore_per_hour": None},
        ],
    }
    assert [len(e["data"]["rates"]) for e in events] == [2, 3, 3]
    assert len(await api.sql("select 1 from audit_log where action = 'placement.rates_set'")) == 3

    for body, field, rule in (
        ({"effective_from": "2026-02-28", "bill_rate_ore_per_hour": 1}, "effective_from", "on-or-after-start"),
        ({"effective_from": "2027-01-01", "bill_rate_ore_per_hour": 1}, "effective_from", "on-or-before-end"),
        ({"effective_from": "2026-05-01", "bill_rate_ore_per_hour": 0}, "bill_rate_ore_per_hour", "greater_than"),
        ({"effective_from": "2026-05-01", "bill_rate_ore_per_hour": 1.5}, "bill_rate_ore_per_hour", "int_type"),
    ):
        bad = await api.client.post(url, headers=CONSULTANT, json=body)
        assert bad.status_code == 422, bad.text
        assert {"field": field, "rule": rule} in [
            {"field": e["field"], "rule": e["rule"]} for e in bad.json()["errors"]
        ]
    assert len(await api.sql("select 1 from placement_rates")) == 3

    # The company sees its bill rates, never the wage.
    approver = bearer(Role.COMPANY_APPROVER, company_id=uuid.UUID(w.companies[0]))
    seen = (await api.client.get(f"/placements/{p['id']}", headers=approver)).json()
    assert [v["wage_rate_ore_per_hour"] for v in seen["rates"]] == [None, None, None]
    assert seen["wage_rate_ore_per_hour"] is None

    consumer = AIOKafkaConsumer(
        api.settings.kafka_namespace + "placement.events",
        bootstrap_servers=kafka,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    published: list[Any] = []
    try:
        while len([r for r in published if b"placement_rates_changed" in r.value]) < 3:
            batch = await consumer.getmany(timeout_ms=10_000)
            assert batch, "the rate events did not reach Kafka"
            published += [r for rs in batch.values() for r in rs]
    finally:
        await consumer.stop()
    last = [r for r in published if b"placement_rates_changed" in r.value][-1]
    assert last.key == p["id"].encode()
    assert json.loads(last.value)["data"]["rates"][0]["bill_rate_ore_per_hour"] == 18_600


async def test_the_old_placement_body_still_works_and_placement_created_carries_the_new_fields(api: Api) -> None:
    w = await _world(api.client)
    p = await _place(api, w)
    assert p.status_code == 201, p.text
    assert (p.json()["status"], p.json()["consultant_id"], p.json()["opening_id"]) == ("planned", "anna", None)
    fuller = await _place(
        api,
        w,
        company=1,
        consultant_id="bo",
        hours_per_week_minutes=480,
        wage_rate_ore_per_hour=14_000,
    )
    assert fuller.status_code == 201, fuller.text
    events = await api.events("placement.placement_created")
    assert [
        (
            e["data"]["status"],
            e["data"]["consultant_id"],
            e["data"]["hours_per_week_minutes"],
            e["data"]["wage_rate_ore_per_hour"],
        )
        for e in events
    ] == [("planned", "anna", None, None), ("planned", "bo", 480, 14_000)]
    assert events[1]["data"]["bill_rate_ore_per_hour"] == 18_550


async def test_placing_from_an_opening_fills_it_in_the_same_transaction(api: Api) -> None:
    w = await _world(api.client)
    opening = await api.client.post(
        "/openings",
        headers=CONSULTANT,
        json={
            "company_id": w.companies[0],
            "job_category": "kitchen help",
            "tasks": "Dishes",
            "hours_per_week_minutes": 600,
            "contact": {"name": "Ib", "email": "ib@firma.dk"},
        },
    )
    oid = opening.json()["id"]

    wrong_company = await _place(api, w, company=1, opening_id=oid)
    assert wrong_company.status_code == 422
    assert (wrong_company.json()["errors"][0]["field"], wrong_company.json()["errors"][0]["rule"]) == (
        "opening_id",
        "same-company",
    )
    unknown = await _place(api, w, opening_id=str(uuid.uuid4()))
    assert (unknown.status_code, unknown.json()["errors"][0]["rule"]) == (422, "exists")

    placed = await _place(api, w, opening_id=oid)
    assert placed.status_code == 201, placed.text
    assert (placed.json()["opening_id"], placed.json()["hours_per_week_minutes"]) == (oid, 600)
    assert (await api.client.get(f"/openings/{oid}", headers=CONSULTANT)).json()["status"] == "filled"
    assert [e["data"]["status"] for e in await api.events("placement.job_opening_changed")] == ["open", "filled"]
    assert (await api.events("placement.placement_created"))[0]["data"]["opening_id"] == oid

    # An opening already filled cannot be filled again; an overlap rolls back the opening's change too.
    second = await api.client.post(
        "/openings",
        headers=CONSULTANT,
        json={
            "company_id": w.companies[0],
            "job_category": "cleaning",
            "tasks": "Floors",
            "hours_per_week_minutes": 300,
            "contact": {"name": "Ib", "phone": "12345678"},
        },
    )
    refilled = await _place(api, w, company=0, start_date="2027-01-01", opening_id=oid)
    assert (refilled.status_code, refilled.json()["code"]) == (409, "opening-not-open")
    overlapping = await _place(api, w, company=0, opening_id=second.json()["id"])
    assert (overlapping.status_code, overlapping.json()["code"]) == (409, "placement-overlaps")
    assert (await api.client.get(f"/openings/{second.json()['id']}", headers=CONSULTANT)).json()["status"] == "open"
    assert len(await api.sql("select 1 from placements")) == 1


async def test_only_staff_change_placements_and_others_see_only_their_own(api: Api) -> None:
    w = await _world(api.client)
    p = (await _place(api, w)).json()
    approver = bearer(Role.COMPANY_APPROVER, company_id=uuid.UUID(w.companies[0]))
    stranger = bearer(Role.COMPANY_APPROVER, company_id=uuid.UUID(w.companies[1]))
    job_centre = bearer(Role.MUNICIPALITY, municipality_id=uuid.UUID(w.municipality))
    other_centre = bearer(Role.MUNICIPALITY, municipality_id=uuid.uuid4())
    rate = {"effective_from": "2026-04-01", "bill_rate_ore_per_hour": 1}
    for headers in (approver, job_centre, bearer(Role.FINANCE)):
        assert (await api.client.post(f"/placements/{p['id']}/activate", headers=headers)).status_code == 403
        assert (await api.client.post(f"/placements/{p['id']}/rates", headers=headers, json=rate)).status_code == 403
    assert (await api.client.post(f"/placements/{p['id']}/activate")).status_code == 401
    assert (await api.client.post(f"/placements/{uuid.uuid4()}/activate", headers=CONSULTANT)).status_code == 404
    assert (await api.client.get(f"/placements/{p['id']}", headers=approver)).status_code == 200
    assert (await api.client.get(f"/placements/{p['id']}", headers=job_centre)).status_code == 200
    assert (await api.client.get(f"/placements/{p['id']}", headers=stranger)).status_code == 404
    assert (await api.client.get(f"/placements/{p['id']}", headers=other_centre)).status_code == 404
    assert (await api.sql("select status from placements"))[0]["status"] == "planned"
