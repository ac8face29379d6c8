"""The reminder ladder settings API (issue 14, part C): defaults until set, who may read and change it, the
change audited, and bad input a 422 naming each field and rule with nothing written."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from notifications.app import create_app
from vikar_shared.auth.principal import Role
from vikar_shared.testing.plugin import bearer, serve_in_process

GOOD = {"reminder_working_days": 2, "follow_up_working_days": 4, "escalation_working_days": 6}


async def _known(app: Any, company: uuid.UUID) -> None:
    """The company as placement announced it (the companies read model's row)."""
    await app.state.pool.execute("insert into companies (company_id, name) values ($1, 'Bager Hansen ApS')", company)


async def test_defaults_then_a_consultants_ladder_audited_and_visible_to_the_companys_approver(
    make_settings: Any,
) -> None:
    company = uuid.uuid4()
    app = create_app(await make_settings())
    async with serve_in_process(app) as client:
        url = f"/companies/{company}/reminder-settings"
        default = await client.get(url, headers=bearer(Role.FINANCE))
        assert default.status_code == 200
        assert default.json() == {
            "company_id": str(company),
            "reminder_working_days": 3,
            "follow_up_working_days": 5,
            "escalation_working_days": 8,
            "deemed_approval": False,
            "deemed_approval_working_days": None,
            "custom": False,
            "updated_by": None,
            "updated_at": None,
        }
        # A company placement never announced: 404, nothing stored.
        unknown = await client.put(url, json=GOOD, headers=bearer(Role.CONSULTANT, sub="anna"))
        assert unknown.status_code == 404 and unknown.json()["code"] == "company-not-found", unknown.text
        assert await app.state.pool.fetchval("select count(*) from company_reminder_settings") == 0
        await _known(app, company)
        # Deemed approval on without days: the service's setting (10).
        put = await client.put(url, json={**GOOD, "deemed_approval": True}, headers=bearer(Role.CONSULTANT, sub="anna"))
        assert put.status_code == 200, put.text
        assert put.json()["deemed_approval_working_days"] == 10 and put.json()["updated_by"] == "anna"
        own = await client.get(url, headers=bearer(Role.COMPANY_APPROVER, company_id=company, email="ib@example.dk"))
        assert own.status_code == 200 and own.json()["custom"] is True
        assert own.json()["reminder_working_days"] == 2
        # Turned off again: no deemed approval step, by the admin who changed it.
        off = await client.put(url, json=GOOD, headers=bearer(Role.ADMIN, sub="root"))
        assert off.json()["deemed_approval"] is False and off.json()["updated_by"] == "root"
        assert (
            await app.state.pool.fetchval(
                "select updated_by from company_reminder_settings where company_id = $1", company
            )
            == "root"
        )


async def test_who_may_read_and_change(make_settings: Any) -> None:
    company = uuid.uuid4()
    app = create_app(await make_settings())
    async with serve_in_process(app) as client:
        url = f"/companies/{company}/reminder-settings"
        other = await client.get(url, headers=bearer(Role.COMPANY_APPROVER, company_id=uuid.uuid4(), email="x@e.dk"))
        assert other.status_code == 404 and other.json()["code"] == "company-not-found"
        assert (await client.get(url)).status_code == 401
        for role in (Role.FINANCE, Role.COMPANY_APPROVER):
            answer = await client.put(url, json=GOOD, headers=bearer(role, company_id=company))
            assert answer.status_code == 403, role
        assert await app.state.pool.fetchval("select count(*) from company_reminder_settings") == 0


@pytest.mark.parametrize(
    ("body", "violations"),
    [
        ({**GOOD, "reminder_working_days": -1}, {("reminder_working_days", "working-days-out-of-range")}),
        (
            {**GOOD, "reminder_working_days": 0, "follow_up_working_days": 0},
            {
                ("reminder_working_days", "working-days-out-of-range"),
                ("follow_up_working_days", "working-days-out-of-range"),
                ("follow_up_working_days", "ladder-not-rising"),
            },
        ),
        ({**GOOD, "escalation_working_days": 3}, {("escalation_working_days", "ladder-not-rising")}),
        (
            {**GOOD, "escalation_working_days": 1},
            {("escalation_working_days", "ladder-not-rising")},
        ),
        (
            {**GOOD, "deemed_approval": True, "deemed_approval_working_days": 6},
            {("deemed_approval_working_days", "ladder-not-rising")},
        ),
        (
            {**GOOD, "escalation_working_days": 12, "deemed_approval": True},
            {("deemed_approval_working_days", "ladder-not-rising")},  # the default 10 is not after 12
        ),
        ({**GOOD, "escalation_working_days": 61}, {("escalation_working_days", "working-days-out-of-range")}),
    ],
)
async def test_bad_ladders_are_422_naming_field_and_rule(
    make_settings: Any, body: dict[str, Any], violations: set[tuple[str, str]]
) -> None:
    company = uuid.uuid4()
    app = create_app(await make_settings())
    async with serve_in_process(app) as client:
        answer = await client.put(f"/companies/{company}/reminder-settings", json=body, headers=bearer(Role.CONSULTANT))
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        problem = answer.json()
        assert problem["code"] == "reminder-settings-invalid"
        assert {(e["field"], e["rule"]) for e in problem["errors"]} == violations
        assert await app.state.pool.fetchval("select count(*) from company_reminder_settings") == 0


async def test_wrong_types_and_unknown_fields_are_422(make_settings: Any) -> None:
    app = create_app(await make_settings())
    async with serve_in_process(app) as client:
        url = f"/companies/{uuid.uuid4()}/reminder-settings"
        for body in (
            {**GOOD, "reminder_working_days": "3"},
            {**GOOD, "reminder_working_days": 2.5},
            {**GOOD, "surprise": 1},
            {"reminder_working_days": 2},
        ):
            answer = await client.put(url, json=body, headers=bearer(Role.CONSULTANT))
            assert answer.status_code == 422, body
        assert (
            await client.put("/companies/not-a-uuid/reminder-settings", json=GOOD, headers=bearer(Role.CONSULTANT))
        ).status_code == 422
