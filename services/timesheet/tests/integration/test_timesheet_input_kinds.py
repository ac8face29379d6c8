"""Issue 6 in timesheet, one test per kind: text the database cannot store, weeks, dates and minutes out of
range, and token claims: each a 422 (or 401) naming the field, never a 500, and nothing written."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from vikar_shared.auth.principal import Role
from vikar_shared.testing.plugin import bearer
from vikar_shared.testing.problems import field_errors

if TYPE_CHECKING:
    from conftest import Harness


async def test_a_bulk_approval_for_week_9999_w52_is_422_naming_the_week(timesheet: Harness) -> None:
    h = timesheet
    entry = await h.entry_for(2, 60)
    for week, rule in (("9999-W52", "iso-week-out-of-range"), ("1999-W52", "iso-week-out-of-range")):
        response = await h.client.post(
            f"/companies/{h.placement.company_id}/approvals",
            json={"week": week, "seen": [{"entry_id": entry["id"], "version": entry["version"]}]},
            headers=h.approver,
        )
        assert response.status_code == 422, response.text
        assert field_errors(response) == [("week", rule)]
    assert (await h.get(entry["id"]))["status"] == "submitted"


@pytest.mark.parametrize(
    ("entry", "field", "rule"),
    [
        ({"work_date": "9999-12-31", "minutes": 60}, "entries.0.work_date", "date-out-of-range"),
        ({"work_date": "10000-01-01", "minutes": 60}, "entries.0.work_date", "date-format"),
        ({"work_date": 1_700_000_000, "minutes": 60}, "entries.0.work_date", "date-format"),
        ({"work_date": "2026-11-05", "minutes": 2**63}, "entries.0.minutes", "less_than_equal"),
        ({"work_date": "2026-11-05", "minutes": -(2**63)}, "entries.0.minutes", "greater_than_equal"),
    ],
)
async def test_dates_and_minutes_out_of_range_are_422s_and_nothing_is_stored(
    timesheet: Harness, entry: dict[str, Any], field: str, rule: str
) -> None:
    h = timesheet
    response = await h.submit([entry])
    assert response.status_code == 422, response.text
    assert field_errors(response) == [(field, rule)]
    assert await h.pool.fetch("select id from entries") == []


@pytest.mark.parametrize(
    ("reason", "rule"),
    [("Not\x00here", "text-control-character"), ("   ", "not-blank"), ("x" * 1001, "string_too_long")],
)
async def test_a_rejection_reason_with_a_nul_is_422_naming_reason(timesheet: Harness, reason: str, rule: str) -> None:
    h = timesheet
    entry = await h.entry_for(2, 60)
    response = await h.client.post(
        f"/entries/{entry['id']}/reject",
        json={"reason": reason, "expected_version": entry["version"]},
        headers=h.approver,
    )
    assert response.status_code == 422, response.text
    assert field_errors(response) == [("reason", rule)]
    assert (await h.get(entry["id"]))["status"] == "submitted"


async def test_a_reason_over_several_lines_is_kept_with_its_line_breaks(timesheet: Harness) -> None:
    h = timesheet
    entry = await h.entry_for(2, 60)
    rejected = await h.reject(entry, reason="Syg den dag.\r\nRet venligst timerne. ")
    assert rejected["rejection_reason"] == "Syg den dag.\nRet venligst timerne."


@pytest.mark.parametrize("sub", ["bo\x00approver", ""])
async def test_a_token_whose_sub_holds_a_nul_or_nothing_is_401(timesheet: Harness, sub: str) -> None:
    h = timesheet
    headers = bearer(Role.COMPANY_APPROVER, sub=sub, company_id=h.placement.company_id, max_ttl=None)
    response = await h.client.get(f"/companies/{h.placement.company_id}/pending", headers=headers)
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "unauthenticated"


async def test_a_query_parameter_given_twice_is_a_422_naming_it_not_the_last_value_read(timesheet: Harness) -> None:
    h = timesheet
    entry = await h.entry_for(2, 60)
    path = f"/companies/{h.placement.company_id}/entries"
    response = await h.client.get(f"{path}?status=approved&status=submitted", headers=h.approver)
    assert response.status_code == 422, response.text
    assert field_errors(response) == [("status", "repeated")]
    listed = await h.client.get(f"{path}?status=submitted", headers=h.approver)
    assert [e["id"] for e in listed.json()["entries"]] == [entry["id"]]
