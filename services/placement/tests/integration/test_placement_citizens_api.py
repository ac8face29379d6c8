"""Citizens, referrals and target groups against real PostgreSQL and Kafka; the CPR never leaves."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from placement.app import MIGRATIONS, create_app
from placement.config import PlacementSettings
from vikar_shared.auth import Role
from vikar_shared.testing.plugin import bearer, serve_in_process

ADMIN = bearer(Role.ADMIN, sub="admin-1")
CONSULTANT = bearer(Role.CONSULTANT, sub="anna")
FINANCE = bearer(Role.FINANCE, sub="fie")
CPR, CPR_DIGITS = "010190-1234", "0101901234"
OTHER_CPR = "150285-2345"


class _Capture(logging.Handler):
    """Keeps every log record whole (message, args, extras), to prove none holds a CPR number."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.dumps(record.__dict__, default=str) + record.getMessage())


@pytest.fixture
async def api(
    make_database: Callable[[str, Path], Awaitable[str]], kafka_namespace: str, kafka: str
) -> AsyncIterator[tuple[httpx.AsyncClient, PlacementSettings, _Capture]]:
    settings = PlacementSettings(
        database_url=await make_database("placement", MIGRATIONS),
        kafka_bootstrap=kafka,
        kafka_namespace=kafka_namespace,
    )
    app = create_app(settings)  # configures logging, so the capture is attached after it
    capture, root = _Capture(), logging.getLogger()
    level = root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    try:
        async with serve_in_process(app) as client:
            yield client, settings, capture
    finally:
        root.removeHandler(capture)
        root.setLevel(level)


async def _municipality(client: httpx.AsyncClient, name: str) -> str:
    m = await client.post("/municipalities", json={"name": name}, headers=ADMIN)
    assert m.status_code == 201, m.text
    mid: str = m.json()["id"]
    t = await client.post(
        f"/municipalities/{mid}/terms",
        headers=ADMIN,
        json={
            "effective_from": "2024-01-01",
            "co_financing_rate_ore_per_hour": 5000,
            "eligibility_threshold_weeks": 26,
        },
    )
    assert t.status_code == 201, t.text
    return mid


def _referral(mid: str, **fields: Any) -> dict[str, Any]:
    body = {
        "cpr": CPR,
        "name": "Mette Jensen",
        "municipality_id": mid,
        "referred_on": "2026-02-01",
        "weeks_unemployed": 60,
        "target_group_code": "jobparat",
        "caseworker": {"name": "Lene Holm", "email": "lene.holm@aalborg.example"},
    }
    return body | fields


async def _refer(client: httpx.AsyncClient, mid: str, **fields: Any) -> dict[str, Any]:
    r = await client.post("/referrals", headers=CONSULTANT, json=_referral(mid, **fields))
    assert r.status_code == 201, r.text
    referral: dict[str, Any] = r.json()
    return referral


async def _retired_group(settings: PlacementSettings) -> None:
    """A group a reform retired: usable from 2020-01-01 up to and including 2025-06-30."""
    conn = await asyncpg.connect(settings.database_url)
    try:
        await conn.execute(
            "insert into target_groups (code, name, valid_from, valid_to) values ($1, $2, $3, $4)",
            "ressourceforloeb",
            "Borger i ressourceforløb",
            date(2020, 1, 1),
            date(2025, 6, 30),
        )
    finally:
        await conn.close()


async def test_target_groups_are_listed_by_the_day_they_are_valid_on(
    api: tuple[httpx.AsyncClient, PlacementSettings, _Capture],
) -> None:
    client, settings, _ = api
    await _retired_group(settings)

    async def codes(on: str) -> list[str]:
        r = await client.get("/target-groups", params={"on": on}, headers=CONSULTANT)
        assert r.status_code == 200, r.text
        return [g["code"] for g in r.json()]

    assert await codes("2013-12-31") == []
    assert await codes("2019-12-31") == ["aktivitetsparat", "jobparat", "uddannelseshjaelp"]
    assert await codes("2020-01-01") == ["aktivitetsparat", "jobparat", "ressourceforloeb", "uddannelseshjaelp"]
    assert await codes("2025-06-30") == ["aktivitetsparat", "jobparat", "ressourceforloeb", "uddannelseshjaelp"]
    assert await codes("2025-07-01") == ["aktivitetsparat", "jobparat", "uddannelseshjaelp"]
    jobparat = (await client.get("/target-groups?on=2026-01-01", headers=CONSULTANT)).json()[1]
    assert jobparat == {
        "code": "jobparat",
        "name": "Jobparat kontanthjælpsmodtager",
        "valid_from": "2014-01-01",
        "valid_to": None,
    }
    assert (await client.get("/target-groups")).status_code == 401


async def test_referral_must_use_a_target_group_valid_on_its_referral_date(
    api: tuple[httpx.AsyncClient, PlacementSettings, _Capture],
) -> None:
    client, settings, _ = api
    await _retired_group(settings)
    mid = await _municipality(client, "Aalborg")
    last_day = await _refer(client, mid, referred_on="2025-06-30", target_group_code="ressourceforloeb")
    assert last_day["target_group_code"] == "ressourceforloeb"
    for code, referred_on, rule in (
        ("ressourceforloeb", "2025-07-01", "target-group-valid-on-date"),
        ("ressourceforloeb", "2019-12-31", "target-group-valid-on-date"),
        ("matchgruppe_9", "2026-02-01", "target-group-exists"),
    ):
        r = await client.post(
            "/referrals",
            headers=CONSULTANT,
            json=_referral(mid, cpr=OTHER_CPR, referred_on=referred_on, target_group_code=code),
        )
        assert r.status_code == 422, (code, referred_on, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["errors"][0]["field"] == "target_group_code"
        assert r.json()["errors"][0]["rule"] == rule
    conn = await asyncpg.connect(settings.database_url)
    try:
        assert await conn.fetchval("select count(*) from citizens") == 1
        assert await conn.fetchval("select count(*) from referrals") == 1
        assert (
            await conn.fetchval("select count(*) from outbox where envelope->>'type' = 'placement.citizen_referred'")
            == 1
        )
    finally:
        await conn.close()


async def test_referral_records_target_group_and_caseworker_and_emits_them(
    api: tuple[httpx.AsyncClient, PlacementSettings, _Capture],
) -> None:
    client, settings, _ = api
    mid = await _municipality(client, "Aalborg")
    referral = await _refer(client, mid, target_group_code="aktivitetsparat")
    stored = (await client.get(f"/referrals/{referral['id']}", headers=CONSULTANT)).json()
    assert stored["target_group_code"] == "aktivitetsparat"
    assert stored["caseworker"] == {"name": "Lene Holm", "email": "lene.holm@aalborg.example"}
    without = await _refer(client, mid, cpr=OTHER_CPR, target_group_code=None, caseworker={"name": "Ole"})
    assert without["target_group_code"] is None
    assert without["caseworker"] == {"name": "Ole", "email": None}
    conn = await asyncpg.connect(settings.database_url)
    try:
        data = await conn.fetchval(
            "select envelope->'data' from outbox where envelope->>'subject' = $1", referral["id"]
        )
    finally:
        await conn.close()
    assert json.loads(data)["target_group_code"] == "aktivitetsparat"


async def test_a_municipality_sees_a_citizen_only_through_its_own_referrals(
    api: tuple[httpx.AsyncClient, PlacementSettings, _Capture],
) -> None:
    client, _, _ = api
    aalborg, hjorring, thisted = [await _municipality(client, n) for n in ("Aalborg", "Hjørring", "Thisted")]
    first = await _refer(client, aalborg, referred_on="2025-03-01")
    again = await _refer(client, hjorring, referred_on="2026-02-01", name="Mette Jensen Holm")
    citizen_id = first["citizen_id"]
    assert again["citizen_id"] == citizen_id

    staff = await client.get(f"/citizens/{citizen_id}", headers=FINANCE)
    assert staff.status_code == 200
    assert staff.json()["name"] == "Mette Jensen Holm"
    assert [r["id"] for r in staff.json()["referrals"]] == [first["id"], again["id"]]

    own = bearer(Role.MUNICIPALITY, municipality_id=uuid.UUID(hjorring))
    seen = await client.get(f"/citizens/{citizen_id}", headers=own)
    assert seen.status_code == 200
    assert [r["id"] for r in seen.json()["referrals"]] == [again["id"]]
    listed = await client.get(f"/citizens/{citizen_id}/referrals", headers=own)
    assert [r["municipality_id"] for r in listed.json()] == [hjorring]

    stranger = bearer(Role.MUNICIPALITY, municipality_id=uuid.UUID(thisted))
    for url in (f"/citizens/{citizen_id}", f"/citizens/{citizen_id}/referrals"):
        r = await client.get(url, headers=stranger)
        assert r.status_code == 404, url
        assert r.json()["code"] == "citizen-not-found"
        assert "Mette" not in r.text
    approver = bearer(Role.COMPANY_APPROVER, company_id=uuid.uuid4())
    assert (await client.get(f"/citizens/{citizen_id}", headers=approver)).status_code == 403
    assert (await client.get(f"/citizens/{citizen_id}/referrals", headers=approver)).status_code == 403
    assert (await client.get(f"/citizens/{citizen_id}")).status_code == 401
    assert (await client.get(f"/citizens/{uuid.uuid4()}", headers=CONSULTANT)).status_code == 404


async def test_search_by_cpr_finds_the_one_citizen_and_the_cpr_is_in_no_body_event_or_log(
    api: tuple[httpx.AsyncClient, PlacementSettings, _Capture], kafka: str
) -> None:
    client, settings, capture = api
    mid = await _municipality(client, "Aalborg")
    first = await _refer(client, mid, referred_on="2025-03-01")
    again = await _refer(client, mid, cpr=CPR_DIGITS, referred_on="2026-02-01")
    responses = [
        await client.post("/citizens/search", headers=CONSULTANT, json={"cpr": CPR}),
        await client.post("/citizens/search", headers=FINANCE, json={"cpr": CPR_DIGITS}),
        await client.post("/citizens/search", headers=ADMIN, json={"cpr": " 010190-1234 "}),
    ]
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert {r.json()["citizen_id"] for r in responses} == {first["citizen_id"], again["citizen_id"]}
    assert first["citizen_id"] == again["citizen_id"]

    unknown = await client.post("/citizens/search", headers=CONSULTANT, json={"cpr": OTHER_CPR})
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "citizen-not-found"
    malformed = await client.post("/citizens/search", headers=CONSULTANT, json={"cpr": "010190-12345"})
    assert malformed.status_code == 422
    assert malformed.json()["errors"][0] == {
        "field": "cpr",
        "rule": "cpr-format",
        "message": "CPR must be 10 digits, DDMMYY-SSSS",
    }
    too_long = await client.post("/citizens/search", headers=CONSULTANT, json={"cpr": CPR_DIGITS * 3})
    assert too_long.status_code == 422
    municipality = bearer(Role.MUNICIPALITY, municipality_id=uuid.UUID(mid))
    assert (await client.post("/citizens/search", headers=municipality, json={"cpr": CPR})).status_code == 403
    shown = [
        await client.get(f"/citizens/{first['citizen_id']}", headers=CONSULTANT),
        await client.get(f"/citizens/{first['citizen_id']}/referrals", headers=CONSULTANT),
        await client.get(f"/referrals/{first['id']}", headers=CONSULTANT),
    ]
    assert [r.status_code for r in shown] == [200, 200, 200]

    conn = await asyncpg.connect(settings.database_url)
    try:
        outbox = await conn.fetchval("select count(*) from outbox")
        audits = await conn.fetch("select action, subject, details::text from audit_log")
        sealed = await conn.fetchval("select cpr_encrypted from citizens")
    finally:
        await conn.close()
    assert [a["subject"] for a in audits if a["action"] == "citizen.searched_by_cpr"] == [first["citizen_id"]] * 3 + [
        "-"
    ]
    assert CPR_DIGITS.encode() not in sealed

    consumer = AIOKafkaConsumer(
        settings.kafka_namespace + "placement.events",
        bootstrap_servers=kafka,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    events: list[bytes] = []
    try:
        while len(events) < outbox:
            batch = await consumer.getmany(timeout_ms=10_000)
            assert batch, f"only {len(events)} of {outbox} events arrived"
            events += [r.value for rs in batch.values() for r in rs if r.value]
    finally:
        await consumer.stop()

    def leaks(text: str) -> bool:
        return CPR_DIGITS in text or CPR in text or OTHER_CPR in text or "1502852345" in text

    assert capture.lines, "the log capture saw nothing, so it proves nothing"
    assert [line for line in capture.lines if leaks(line)] == []
    assert [r.text for r in (*responses, unknown, malformed, too_long, *shown) if leaks(r.text)] == []
    assert [e for e in events if leaks(e.decode())] == []
    assert [a for a in audits if leaks(a["details"]) or leaks(a["subject"])] == []
