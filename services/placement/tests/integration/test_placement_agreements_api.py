"""Municipality agreements as effective-dated versions, against real PostgreSQL and Kafka."""

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
FINANCE = bearer(Role.FINANCE, sub="fie")
CONSULTANT = bearer(Role.CONSULTANT, sub="anna")
AALBORG_EAN = "5798000416604"
# Issue 11: a version that states none of the statement terms answers and publishes them as null.
UNSTATED = {
    "statement_period": None,
    "citizen_reference": None,
    "address": None,
    "rate_excludes_vat": None,
    "vat_category": None,
    "vat_exemption_reason": None,
    "payment_means_code": None,
    "payee_iban": None,
    "payee_bank_registration": None,
    "payee_bank_account": None,
}


@pytest.fixture
async def api(serve_placement: Any) -> AsyncIterator[tuple[httpx.AsyncClient, PlacementSettings]]:
    async with serve_placement() as running:
        yield running.client, running.settings


async def _municipality(client: httpx.AsyncClient, name: str) -> str:
    r = await client.post("/municipalities", json={"name": name}, headers=ADMIN)
    assert r.status_code == 201, r.text
    mid: str = r.json()["id"]
    return mid


async def _terms(client: httpx.AsyncClient, mid: str, **fields: Any) -> httpx.Response:
    body = {"effective_from": "2024-01-01", "co_financing_rate_ore_per_hour": 5000, "eligibility_threshold_weeks": 52}
    return await client.post(f"/municipalities/{mid}/terms", headers=FINANCE, json=body | fields)


async def _project_and_after(client: httpx.AsyncClient, mid: str) -> tuple[dict[str, Any], dict[str, Any]]:
    project = await _terms(
        client,
        mid,
        target_unique_citizens=170,
        ean=AALBORG_EAN,
        person_reference="Jobcenter Aalborg, att. Lene Holm",
    )
    after = await _terms(
        client,
        mid,
        effective_from="2026-10-15",
        co_financing_rate_ore_per_hour=6500,
        eligibility_threshold_weeks=26,
        target_unique_citizens=136,
        ean=AALBORG_EAN,
        person_reference="Jobcenter Aalborg, ref. 4711",
    )
    assert project.status_code == 201, project.text
    assert after.status_code == 201, after.text
    return project.json(), after.json()


async def test_terms_in_force_on_a_day_are_the_latest_version_on_or_before_it(
    api: tuple[httpx.AsyncClient, PlacementSettings],
) -> None:
    client, _ = api
    mid = await _municipality(client, "Aalborg")
    project, after = await _project_and_after(client, mid)

    async def on(day: str) -> httpx.Response:
        return await client.get(f"/municipalities/{mid}/terms", params={"on": day}, headers=CONSULTANT)

    day_before, first_day, day_after = await on("2026-10-14"), await on("2026-10-15"), await on("2026-10-16")
    assert day_before.json()["id"] == project["id"]
    assert day_before.json()["co_financing_rate_ore_per_hour"] == 5000
    assert day_before.json()["eligibility_threshold_weeks"] == 52
    assert day_before.json()["target_unique_citizens"] == 170
    assert first_day.json()["id"] == after["id"]
    assert day_after.json() == first_day.json()
    assert (
        first_day.json()
        == {
            "id": after["id"],
            "municipality_id": mid,
            "effective_from": "2026-10-15",
            "co_financing_rate_ore_per_hour": 6500,
            "eligibility_threshold_weeks": 26,
            "target_unique_citizens": 136,
            "ean": AALBORG_EAN,
            "person_reference": "Jobcenter Aalborg, ref. 4711",
        }
        | UNSTATED
    )
    assert (await on("2024-01-01")).json()["id"] == project["id"]

    before_any = await on("2023-12-31")
    assert before_any.status_code == 404
    assert before_any.headers["content-type"] == "application/problem+json"
    assert before_any.json()["code"] == "terms-not-found"
    bad_date = await on("2026-02-30")
    assert bad_date.status_code == 422
    assert bad_date.json()["errors"][0]["field"] == "on"


async def test_terms_question_is_scoped_to_the_callers_municipality(
    api: tuple[httpx.AsyncClient, PlacementSettings],
) -> None:
    client, _ = api
    mid = await _municipality(client, "Aalborg")
    other = await _municipality(client, "Hjørring")
    await _project_and_after(client, mid)
    own = bearer(Role.MUNICIPALITY, municipality_id=uuid.UUID(mid))
    foreign = bearer(Role.MUNICIPALITY, municipality_id=uuid.UUID(other))
    url = f"/municipalities/{mid}/terms?on=2025-01-01"
    assert (await client.get(url, headers=own)).status_code == 200
    assert (await client.get(url, headers=foreign)).status_code == 404
    approver = bearer(Role.COMPANY_APPROVER, company_id=uuid.uuid4())
    assert (await client.get(url, headers=approver)).status_code == 403
    assert (await client.get(url)).status_code == 401
    assert (await client.get(f"/municipalities/{uuid.uuid4()}/terms?on=2025-01-01", headers=ADMIN)).status_code == 404


async def test_staff_list_every_municipality_and_a_municipality_user_only_its_own(
    api: tuple[httpx.AsyncClient, PlacementSettings],
) -> None:
    client, _ = api
    aalborg = await _municipality(client, "Aalborg")
    hjorring = await _municipality(client, "Hjørring")
    await _project_and_after(client, aalborg)
    staff = await client.get("/municipalities", headers=CONSULTANT)
    assert staff.status_code == 200
    assert [(m["id"], m["name"]) for m in staff.json()] == [(aalborg, "Aalborg"), (hjorring, "Hjørring")]
    assert [t["effective_from"] for t in staff.json()[0]["terms"]] == ["2024-01-01", "2026-10-15"]
    own = await client.get("/municipalities", headers=bearer(Role.MUNICIPALITY, municipality_id=uuid.UUID(hjorring)))
    assert [m["id"] for m in own.json()] == [hjorring]
    approver = bearer(Role.COMPANY_APPROVER, company_id=uuid.uuid4())
    assert (await client.get("/municipalities", headers=approver)).status_code == 403
    assert (await client.get("/municipalities")).status_code == 401


async def test_terms_set_event_carries_target_ean_and_person_reference(
    api: tuple[httpx.AsyncClient, PlacementSettings], kafka: str
) -> None:
    client, settings = api
    mid = await _municipality(client, "Aalborg")
    _, after = await _project_and_after(client, mid)
    consumer = AIOKafkaConsumer(
        settings.kafka_namespace + "placement.events",
        bootstrap_servers=kafka,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    envelopes: list[dict[str, Any]] = []
    try:
        while len(envelopes) < 2:
            batch = await consumer.getmany(timeout_ms=10_000)
            assert batch, f"only {len(envelopes)} of 2 events arrived"
            envelopes += [json.loads(r.value) for rs in batch.values() for r in rs if r.value]
    finally:
        await consumer.stop()
    latest = next(e for e in envelopes if e["data"]["terms_id"] == after["id"])
    assert latest["type"] == "placement.municipality_terms_set"
    assert (
        latest["data"] | {"municipality_id": None}
        == {
            "municipality_id": None,
            "municipality_name": "Aalborg",
            "terms_id": after["id"],
            "effective_from": "2026-10-15",
            "co_financing_rate_ore_per_hour": 6500,
            "eligibility_threshold_weeks": 26,
            "target_unique_citizens": 136,
            "ean": AALBORG_EAN,
            "person_reference": "Jobcenter Aalborg, ref. 4711",
            "statement_contacts": [],  # issue 14
        }
        | UNSTATED
    )
    assert latest["data"]["municipality_id"] == mid


async def test_bad_terms_are_rejected_naming_field_and_rule_and_nothing_is_written(
    api: tuple[httpx.AsyncClient, PlacementSettings],
) -> None:
    client, settings = api
    mid = await _municipality(client, "Aalborg")
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"ean": "5798000416605"}, "ean", "ean-check-digit"),
        ({"ean": "57980004166"}, "ean", "ean-format"),
        ({"target_unique_citizens": 0}, "target_unique_citizens", "greater_than_equal"),
        ({"target_unique_citizens": "170"}, "target_unique_citizens", "int_type"),
        ({"person_reference": "   "}, "person_reference", "not-blank"),
        ({"person_reference": "x" * 101}, "person_reference", "string_too_long"),
    ]
    for fields, field, rule in cases:
        r = await _terms(client, mid, **fields)
        assert r.status_code == 422, (fields, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert {"field": field, "rule": rule} in [{"field": e["field"], "rule": e["rule"]} for e in r.json()["errors"]]
    conn = await asyncpg.connect(settings.database_url)
    try:
        assert await conn.fetchval("select count(*) from municipality_terms") == 0
        assert await conn.fetchval("select count(*) from outbox") == 0
        assert await conn.fetchval("select count(*) from audit_log where action = 'municipality.terms_set'") == 0
    finally:
        await conn.close()


# --- Issue 14 (part A): statement contacts per agreement version ----------------------------------------------------
async def test_statement_contacts_reach_the_terms_and_the_event(serve_placement: Any) -> None:
    async with serve_placement() as api:
        await _statement_contacts(api)


async def _statement_contacts(api: Any) -> None:
    admin = ADMIN
    mid = await api.municipality("Aarhus")
    contacts = [
        {"name": "Økonomi", "email": "Oekonomi@Aarhus.example", "language": "da"},
        {"name": "Finance desk", "email": "finance@aarhus.example", "language": "en"},
    ]
    terms = {"effective_from": "2026-12-01", "co_financing_rate_ore_per_hour": 6000, "eligibility_threshold_weeks": 26}
    r = await api.client.post(
        f"/municipalities/{mid}/terms", headers=admin, json=terms | {"statement_contacts": contacts}
    )
    assert r.status_code == 201, r.text
    stored = [contacts[0] | {"email": "oekonomi@aarhus.example"}, contacts[1]]
    assert r.json()["statement_contacts"] == stored
    in_force = await api.client.get(f"/municipalities/{mid}/terms?on=2026-12-05", headers=admin)
    assert in_force.json()["statement_contacts"] == stored
    [event] = [
        e for e in await api.events("placement.municipality_terms_set") if e["data"]["terms_id"] == r.json()["id"]
    ]
    assert event["data"]["statement_contacts"] == stored
    twice = [contacts[0], contacts[0]]
    bad = await api.client.post(
        f"/municipalities/{mid}/terms",
        headers=admin,
        json=terms | {"effective_from": "2027-01-01", "statement_contacts": twice},
    )
    assert bad.status_code == 422, bad.text
    assert {"field": "statement_contacts", "rule": "unique-email"} in [
        {"field": e["field"], "rule": e["rule"]} for e in bad.json()["errors"]
    ]
    lang = [{"name": "X", "email": "x@aarhus.example", "language": "sv"}]
    bad = await api.client.post(
        f"/municipalities/{mid}/terms",
        headers=admin,
        json=terms | {"effective_from": "2027-01-01", "statement_contacts": lang},
    )
    assert bad.status_code == 422 and "statement_contacts.0.language" in [e["field"] for e in bad.json()["errors"]]
