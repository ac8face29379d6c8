"""What waits for approval: a company's queue by ISO week and citizen, and entries pending too long."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from vikar_shared.auth.principal import Role
from vikar_shared.testing.plugin import bearer

if TYPE_CHECKING:
    from conftest import Harness


def _iso_week(day: str) -> str:
    year, week, _ = date.fromisoformat(day).isocalendar()
    return f"{year}-W{week:02d}"


async def _queue(h: Harness, headers: dict[str, str] | None = None) -> dict[str, Any]:
    response = await h.client.get(f"/companies/{h.placement.company_id}/pending", headers=headers or h.approver)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_the_pending_queue_groups_by_iso_week_then_citizen_with_minute_totals(timesheet: Harness) -> None:
    h = timesheet
    anders = await h.placement_for(citizen_id=uuid.uuid4(), company_id=h.placement.company_id, citizen_name="Anders")
    elsewhere = await h.placement_for(citizen_id=uuid.uuid4())
    same_week = 9 if date.fromisoformat(h.day(8)).weekday() > 0 else 7
    ida_a = await h.entry_for(8, 240)
    ida_b = await h.entry_for(same_week, 90)
    anders_a = await h.entry_for(8, 60, placement=anders)
    ida_next = await h.entry_for(1, 120)
    # Ida's second placement at the company: one placement holds one live entry a day (issue 6).
    ida_second = await h.placement_for(company_id=h.placement.company_id)
    approved = await h.approve(await h.entry_for(1, 300, placement=ida_second))
    correction = await h.client.post(
        f"/entries/{approved['id']}/corrections", json={"minutes_delta": -45, "reason": "Break"}, headers=h.consultant
    )
    await h.reject(await h.entry_for(3, 30))
    await h.entry_for(8, 600, placement=elsewhere)

    queue = await _queue(h)

    first_week, second_week = _iso_week(h.day(8)), _iso_week(h.day(1))
    monday = date.fromisoformat(h.day(8)) - timedelta(days=date.fromisoformat(h.day(8)).weekday())
    assert queue["company_id"] == str(h.placement.company_id)
    assert queue["total_minutes"] == 240 + 90 + 60 + 120 - 45
    assert [(w["week"], w["total_minutes"]) for w in queue["weeks"]] == [(first_week, 390), (second_week, 75)]
    assert (queue["weeks"][0]["starts_on"], queue["weeks"][0]["ends_on"]) == (
        monday.isoformat(),
        (monday + timedelta(days=6)).isoformat(),
    )
    week1 = queue["weeks"][0]["citizens"]
    assert [(c["citizen_name"], c["citizen_id"], c["total_minutes"]) for c in week1] == [
        ("Anders", str(anders.citizen_id), 60),
        ("Ida Jensen", str(h.placement.citizen_id), 330),
    ]
    assert [e["id"] for e in week1[1]["entries"]] == [
        e["id"] for e in sorted([ida_a, ida_b], key=lambda e: str(e["work_date"]))
    ]
    assert [e["id"] for e in week1[0]["entries"]] == [anders_a["id"]]
    week2 = queue["weeks"][1]["citizens"]
    assert [(c["citizen_name"], c["total_minutes"]) for c in week2] == [("Ida Jensen", 75)]
    assert {e["id"] for e in week2[0]["entries"]} == {correction.json()["id"], ida_next["id"]}


async def test_the_pending_queue_is_visible_to_staff_and_that_company_only(timesheet: Harness) -> None:
    h = timesheet
    await h.entry_for(2, 60)
    url = f"/companies/{h.placement.company_id}/pending"

    staff = await h.client.get(url, headers=bearer(Role.CONSULTANT))
    stranger = await h.client.get(url, headers=h.approver_of(uuid.uuid4()))
    municipality = await h.client.get(url, headers=bearer(Role.MUNICIPALITY, municipality_id=uuid.uuid4()))

    assert staff.status_code == 200
    assert staff.json()["total_minutes"] == 60
    assert (stranger.status_code, municipality.status_code) == (404, 404)
    assert stranger.json()["code"] == "company-not-found"


async def _backdate(h: Harness, entry: dict[str, Any], days: int) -> None:
    await h.pool.execute(
        "update entries set submitted_at = now() - make_interval(days => $2) where id = $1",
        uuid.UUID(entry["id"]),
        days,
    )


async def test_pending_entries_older_than_n_days_lists_waiting_entries_of_every_company_oldest_first(
    timesheet: Harness,
) -> None:
    h = timesheet
    elsewhere = await h.placement_for(citizen_id=uuid.uuid4())
    ten_days = await h.entry_for(2, 60)
    three_days = await h.entry_for(3, 60, placement=elsewhere)
    fresh = await h.entry_for(4, 60)
    decided_long_ago = await h.entry_for(5, 60)
    await _backdate(h, ten_days, 10)
    await _backdate(h, three_days, 3)
    await _backdate(h, decided_long_ago, 12)
    await h.approve(decided_long_ago)

    async def overdue(days: int) -> list[str]:
        response = await h.client.get(
            "/pending-entries", params={"older_than_days": days}, headers=bearer(Role.FINANCE)
        )
        assert response.status_code == 200, response.text
        assert response.json()["older_than_days"] == days
        return [e["id"] for e in response.json()["entries"]]

    assert await overdue(5) == [ten_days["id"]]
    assert await overdue(2) == [ten_days["id"], three_days["id"]]
    assert await overdue(0) == [ten_days["id"], three_days["id"], fresh["id"]]


@pytest.mark.parametrize("role", [Role.COMPANY_APPROVER, Role.MUNICIPALITY])
async def test_pending_entries_are_for_agency_staff_only(timesheet: Harness, role: Role) -> None:
    h = timesheet
    headers = bearer(role, company_id=h.placement.company_id, municipality_id=uuid.uuid4())

    response = await h.client.get("/pending-entries", params={"older_than_days": 3}, headers=headers)

    assert response.status_code == 403


@pytest.mark.parametrize(
    "params", [{}, {"older_than_days": -1}, {"older_than_days": "soon"}, {"older_than_days": 3651}]
)
async def test_pending_entries_need_a_sensible_number_of_days(timesheet: Harness, params: dict[str, Any]) -> None:
    response = await timesheet.client.get("/pending-entries", params=params, headers=bearer(Role.ADMIN))

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["older_than_days"]
