"""Submitting hours over HTTP against real PostgreSQL and Kafka: rules, access, all-or-nothing, events."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from aiokafka import AIOKafkaConsumer

from vikar_shared.auth.principal import Role
from vikar_shared.events.envelope import Envelope
from vikar_shared.testing.plugin import bearer

if TYPE_CHECKING:
    from conftest import Harness


def _day(h: Harness, days_ago: int) -> str:
    return (h.today - timedelta(days=days_ago)).isoformat()


def _violations(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["field"], e["rule"]) for e in body["errors"]]


async def _nothing_written(h: Harness) -> bool:
    entries = await h.pool.fetchval("select count(*) from entries")
    outbox = await h.pool.fetchval("select count(*) from outbox")
    return bool(entries == 0 and outbox == 0)


async def test_submission_stores_submitted_entries_and_one_hours_submitted_event(timesheet: Harness) -> None:
    h = timesheet
    response = await h.submit(
        [
            {"work_date": _day(h, 3), "minutes": 240},
            {"work_date": _day(h, 2), "minutes": 15},
            {"work_date": _day(h, 0), "minutes": 720},
        ]
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["placement_id"] == str(h.placement.placement_id)
    assert [(e["work_date"], e["minutes"], e["status"]) for e in body["entries"]] == [
        (_day(h, 3), 240, "submitted"),
        (_day(h, 2), 15, "submitted"),
        (_day(h, 0), 720, "submitted"),
    ]
    rows = await h.pool.fetch("select * from entries order by work_date")
    assert [str(r["id"]) for r in rows] == [e["id"] for e in body["entries"]]
    assert {str(r["submission_id"]) for r in rows} == {body["submission_id"]}
    assert {r["company_id"] for r in rows} == {h.placement.company_id}
    assert {(r["status"], r["submitted_by"], r["version"]) for r in rows} == {("submitted", "anna.consultant", 1)}
    assert {(r["citizen_id"], r["bill_rate_ore_per_hour"], r["corrects_entry_id"]) for r in rows} == {
        (h.placement.citizen_id, 15_500, None)
    }

    outbox = await h.outbox()
    assert len(outbox) == 1
    assert outbox[0]["topic"] == "timesheet.events"
    assert outbox[0]["key"] == str(h.placement.placement_id)
    envelope = Envelope.model_validate(outbox[0]["envelope"])
    assert (envelope.type, envelope.version, envelope.source) == ("timesheet.hours_submitted", 1, "timesheet")
    assert envelope.subject == body["submission_id"]
    assert envelope.data["company_id"] == str(h.placement.company_id)
    assert envelope.data["citizen_name"] == "Ida Jensen"
    assert envelope.data["submitted_by"] == "anna.consultant"
    assert [(e["entry_id"], e["minutes"]) for e in envelope.data["entries"]] == [
        (e["id"], e["minutes"]) for e in body["entries"]
    ]


async def test_hours_submitted_reaches_kafka_keyed_by_placement_id(timesheet: Harness) -> None:
    h = timesheet
    response = await h.submit([{"work_date": _day(h, 1), "minutes": 90}])
    assert response.status_code == 201, response.text

    consumer = AIOKafkaConsumer(
        h.namespace + "timesheet.events",
        bootstrap_servers=h.kafka,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        records = []
        async with asyncio.timeout(30):
            while not records:
                batch = await consumer.getmany(timeout_ms=1_000)
                records = [r for rs in batch.values() for r in rs]
    finally:
        await consumer.stop()
    assert len(records) == 1
    assert records[0].key == str(h.placement.placement_id).encode()
    envelope = Envelope.model_validate_json(records[0].value or b"")
    assert envelope.type == "timesheet.hours_submitted"
    assert envelope.subject == response.json()["submission_id"]


async def test_minutes_not_a_multiple_of_15_is_422_naming_entries_0_minutes(timesheet: Harness) -> None:
    response = await timesheet.submit([{"work_date": _day(timesheet, 1), "minutes": 50}])

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert _violations(response.json()) == [("entries.0.minutes", "minutes-not-quarter-hours")]
    assert await _nothing_written(timesheet)


@pytest.mark.parametrize(("minutes", "rule"), [(0, "minutes-out-of-range"), (735, "minutes-out-of-range")])
async def test_minutes_outside_15_to_720_is_422(timesheet: Harness, minutes: int, rule: str) -> None:
    response = await timesheet.submit([{"work_date": _day(timesheet, 1), "minutes": minutes}])

    assert response.status_code == 422
    assert _violations(response.json()) == [("entries.0.minutes", rule)]


@pytest.mark.parametrize("minutes", [240.0, "240", True])
async def test_minutes_that_are_not_an_integer_are_rejected_not_coerced(timesheet: Harness, minutes: object) -> None:
    response = await timesheet.submit([{"work_date": _day(timesheet, 1), "minutes": minutes}])

    assert response.status_code == 422
    assert _violations(response.json()) == [("entries.0.minutes", "int_type")]
    assert await _nothing_written(timesheet)


async def test_work_date_before_placement_start_is_422(timesheet: Harness) -> None:
    before = (timesheet.placement.start_date - timedelta(days=1)).isoformat()
    response = await timesheet.submit([{"work_date": before, "minutes": 60}])

    assert response.status_code == 422
    assert _violations(response.json()) == [("entries.0.work_date", "work-date-before-placement")]
    assert await _nothing_written(timesheet)


async def test_future_work_date_is_422(timesheet: Harness) -> None:
    response = await timesheet.submit([{"work_date": _day(timesheet, -1), "minutes": 60}])

    assert response.status_code == 422
    assert _violations(response.json()) == [("entries.0.work_date", "work-date-in-future")]
    assert await _nothing_written(timesheet)


async def test_same_work_date_twice_in_one_request_is_422(timesheet: Harness) -> None:
    day = _day(timesheet, 2)
    response = await timesheet.submit([{"work_date": day, "minutes": 60}, {"work_date": day, "minutes": 30}])

    assert response.status_code == 422
    assert _violations(response.json()) == [("entries.1.work_date", "work-date-duplicate")]
    assert await _nothing_written(timesheet)


async def test_one_bad_entry_among_good_ones_writes_no_entry_and_no_event(timesheet: Harness) -> None:
    h = timesheet
    response = await h.submit(
        [
            {"work_date": _day(h, 3), "minutes": 240},
            {"work_date": _day(h, 2), "minutes": 50},
            {"work_date": _day(h, 1), "minutes": 120},
        ]
    )

    assert response.status_code == 422
    assert _violations(response.json()) == [("entries.1.minutes", "minutes-not-quarter-hours")]
    assert await _nothing_written(h)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"entries": []}, "entries"),
        ({"entries": [{"work_date": "2026-11-02", "minutes": 60}] * 32}, "entries"),
        ({"entries": [{"work_date": "2026-11-02", "minutes": 60, "status": "approved"}]}, "entries.0.status"),
        ({"entries": [{"work_date": "02-11-2026", "minutes": 60}]}, "entries.0.work_date"),
    ],
)
async def test_malformed_submission_body_is_422_naming_the_field(
    timesheet: Harness, body: dict[str, Any], field: str
) -> None:
    response = await timesheet.client.post(
        f"/placements/{timesheet.placement.placement_id}/entries", json=body, headers=timesheet.consultant
    )

    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]
    assert await _nothing_written(timesheet)


async def test_unknown_placement_is_404(timesheet: Harness) -> None:
    response = await timesheet.submit([{"work_date": _day(timesheet, 1), "minutes": 60}], placement_id=uuid.uuid4())

    assert response.status_code == 404
    assert response.json()["code"] == "placement-not-found"
    assert await _nothing_written(timesheet)


async def test_admin_may_submit_hours(timesheet: Harness) -> None:
    response = await timesheet.submit(
        [{"work_date": _day(timesheet, 1), "minutes": 60}], headers=bearer(Role.ADMIN, sub="root")
    )

    assert response.status_code == 201, response.text
    assert (await timesheet.entry_row(response.json()["entries"][0]["id"]))["submitted_by"] == "root"


@pytest.mark.parametrize("role", [Role.FINANCE, Role.COMPANY_APPROVER, Role.MUNICIPALITY])
async def test_roles_other_than_consultant_and_admin_may_not_submit(timesheet: Harness, role: Role) -> None:
    headers = bearer(
        role,
        company_id=timesheet.placement.company_id if role is Role.COMPANY_APPROVER else None,
        municipality_id=timesheet.placement.municipality_id if role is Role.MUNICIPALITY else None,
    )
    response = await timesheet.submit([{"work_date": _day(timesheet, 1), "minutes": 60}], headers=headers)

    assert response.status_code == 403
    assert await _nothing_written(timesheet)


async def test_missing_token_is_401(timesheet: Harness) -> None:
    response = await timesheet.submit([{"work_date": _day(timesheet, 1), "minutes": 60}], headers={})

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert await _nothing_written(timesheet)


async def test_expired_token_is_401(timesheet: Harness) -> None:
    expired = bearer(Role.CONSULTANT, ttl=timedelta(hours=1), now=datetime.now(UTC) - timedelta(hours=2))
    response = await timesheet.submit([{"work_date": _day(timesheet, 1), "minutes": 60}], headers=expired)

    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    assert await _nothing_written(timesheet)
