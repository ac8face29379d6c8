"""The placement API against real PostgreSQL and Kafka."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from placement.config import PlacementSettings
from vikar_shared.auth import Role
from vikar_shared.testing.plugin import bearer

ADMIN = bearer(Role.ADMIN, sub="admin-1")
CONSULTANT = bearer(Role.CONSULTANT, sub="anna")
CPR = "010190-1234"


@pytest.fixture
async def api(serve_placement: Any) -> AsyncIterator[tuple[httpx.AsyncClient, PlacementSettings]]:
    async with serve_placement() as running:
        yield running.client, running.settings


async def _municipality(client: httpx.AsyncClient, name: str = "Aalborg") -> str:
    m = await client.post("/municipalities", json={"name": name}, headers=ADMIN)
    assert m.status_code == 201, m.text
    mid: str = m.json()["id"]
    for effective_from, rate, weeks in (("2024-01-01", 5000, 52), ("2026-01-01", 6500, 26)):
        t = await client.post(
            f"/municipalities/{mid}/terms",
            headers=ADMIN,
            json={
                "effective_from": effective_from,
                "co_financing_rate_ore_per_hour": rate,
                "eligibility_threshold_weeks": weeks,
            },
        )
        assert t.status_code == 201, t.text
    return mid


async def _refer(client: httpx.AsyncClient, mid: str, referred_on: str, weeks: int, cpr: str = CPR) -> httpx.Response:
    return await client.post(
        "/referrals",
        headers=CONSULTANT,
        json={
            "cpr": cpr,
            "name": "Mette Jensen",
            "municipality_id": mid,
            "referred_on": referred_on,
            "weeks_unemployed": weeks,
        },
    )


async def test_eligibility_uses_the_threshold_in_force_on_the_referral_date(
    api: tuple[httpx.AsyncClient, PlacementSettings],
) -> None:
    client, _ = api
    mid = await _municipality(client)
    during_project = await _refer(client, mid, "2025-06-01", 30)
    after_project = await _refer(client, mid, "2026-02-01", 30)
    assert during_project.json()["eligible"] is False
    assert during_project.json()["threshold_weeks_applied"] == 52
    assert after_project.json()["eligible"] is True
    assert after_project.json()["threshold_weeks_applied"] == 26
    # Referred twice, still one person.
    assert during_project.json()["citizen_id"] == after_project.json()["citizen_id"]
    assert "cpr" not in after_project.text.lower()


async def test_full_registration_publishes_events_without_cpr(
    api: tuple[httpx.AsyncClient, PlacementSettings], kafka: str
) -> None:
    client, settings = api
    mid = await _municipality(client)
    company = await client.post(
        "/companies",
        headers=CONSULTANT,
        json={"name": "Bager Hansen ApS", "cvr": "12345674", "approvers": [{"email": "Ib@Bager.dk", "name": "Ib"}]},
    )
    assert company.status_code == 201, company.text
    referral = await _refer(client, mid, "2026-02-01", 60)
    placement = await client.post(
        "/placements",
        headers=CONSULTANT,
        json={
            "referral_id": referral.json()["id"],
            "company_id": company.json()["id"],
            "start_date": "2026-03-01",
            "bill_rate_ore_per_hour": 18_550,
        },
    )
    assert placement.status_code == 201, placement.text
    assert placement.json()["co_financing_eligible"] is True
    assert company.json()["approvers"] == [{"email": "ib@bager.dk", "name": "Ib"}]

    consumer = AIOKafkaConsumer(
        settings.kafka_namespace + "placement.events",
        bootstrap_servers=kafka,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    records = []
    try:
        while len(records) < 6:
            batch = await consumer.getmany(timeout_ms=10_000)
            assert batch, f"only {len(records)} of 6 events arrived"
            records += [r for rs in batch.values() for r in rs]
    finally:
        await consumer.stop()
    types = sorted(json.loads(r.value)["type"] for r in records if r.value)
    assert types == [
        "placement.citizen_referred",
        "placement.company_registered",
        # Issue 13: the citizen's first placement employs them.
        "placement.employee_registered",
        "placement.municipality_terms_set",
        "placement.municipality_terms_set",
        "placement.placement_created",
    ]
    for r in records:
        assert r.value is not None
        assert b"0101901234" not in r.value and b"010190-1234" not in r.value
    by_type = {json.loads(r.value)["type"]: r for r in records if r.value}
    assert by_type["placement.placement_created"].key == placement.json()["id"].encode()


async def test_company_approver_sees_only_own_company_and_municipality_only_own_referrals(
    api: tuple[httpx.AsyncClient, PlacementSettings],
) -> None:
    client, _ = api
    mid = await _municipality(client)
    other_mid = await _municipality(client, "Hjørring")
    company = (
        await client.post(
            "/companies",
            headers=CONSULTANT,
            json={"name": "A", "cvr": "10150817", "approvers": [{"email": "a@a.dk", "name": "A"}]},
        )
    ).json()
    referral = (await _refer(client, mid, "2026-02-01", 60)).json()
    own = bearer(Role.COMPANY_APPROVER, company_id=uuid.UUID(company["id"]))
    other = bearer(Role.COMPANY_APPROVER, company_id=uuid.uuid4())
    assert (await client.get(f"/companies/{company['id']}", headers=own)).status_code == 200
    assert (await client.get(f"/companies/{company['id']}", headers=other)).status_code == 404
    mine = bearer(Role.MUNICIPALITY, municipality_id=uuid.UUID(mid))
    theirs = bearer(Role.MUNICIPALITY, municipality_id=uuid.UUID(other_mid))
    assert (await client.get(f"/referrals/{referral['id']}", headers=mine)).status_code == 200
    assert (await client.get(f"/referrals/{referral['id']}", headers=theirs)).status_code == 404
    assert (await client.get(f"/municipalities/{mid}", headers=theirs)).status_code == 404
    assert (await client.post("/municipalities", json={"name": "X"}, headers=CONSULTANT)).status_code == 403
    assert (await client.get(f"/companies/{company['id']}")).status_code == 401


async def test_bad_referral_input_is_rejected_and_nothing_is_stored(
    api: tuple[httpx.AsyncClient, PlacementSettings],
) -> None:
    client, settings = api
    mid = await _municipality(client)
    cases = [
        ({"cpr": "311390-1234"}, "cpr", "cpr-date"),
        ({"cpr": "12"}, "cpr", "cpr-format"),
        ({"weeks_unemployed": "30"}, "weeks_unemployed", "int_type"),
        ({"referred_on": "2020-01-01"}, "referred_on", "terms-in-force"),
        ({"surprise": 1}, "surprise", "extra_forbidden"),
    ]
    for patch, field, rule in cases:
        body = {
            "cpr": CPR,
            "name": "X",
            "municipality_id": mid,
            "referred_on": "2026-02-01",
            "weeks_unemployed": 30,
        } | patch
        r = await client.post("/referrals", headers=CONSULTANT, json=body)
        assert r.status_code == 422, (patch, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert {"field": field, "rule": rule} in [{"field": e["field"], "rule": e["rule"]} for e in r.json()["errors"]]
    conn = await asyncpg.connect(settings.database_url)
    try:
        assert await conn.fetchval("select count(*) from citizens") == 0
        assert (
            await conn.fetchval("select count(*) from outbox where envelope->>'type' = 'placement.citizen_referred'")
            == 0
        )
    finally:
        await conn.close()
