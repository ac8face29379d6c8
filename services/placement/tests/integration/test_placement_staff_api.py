"""Issue 14 (part A): the staff directory: admins add and change members (never delete), agency staff read it;
each change audited and sent as StaffMemberChanged in its transaction; bad input is a 4xx naming field and rule."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from vikar_shared.auth import Role
from vikar_shared.testing.plugin import bearer

ADMIN = bearer(Role.ADMIN, sub="admin-1")
CONSULTANT = bearer(Role.CONSULTANT, sub="anna")
FINANCE = bearer(Role.FINANCE, sub="fie")
APPROVER = bearer(Role.COMPANY_APPROVER, sub="ib@bager.example", company_id=uuid.UUID(int=7), email="ib@bager.example")
SERVICE = bearer(Role.SERVICE, sub="service:notifications")


def _member(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"subject": "anna", "name": "Anna Konsulent", "email": "Anna@Vikar.example"}
    return body | {"role": "consultant", "language": "da"} | fields


@pytest.fixture
async def api(serve_placement: Any) -> AsyncIterator[Any]:
    async with serve_placement() as running:
        yield running


def _errors(answer: Any) -> list[dict[str, str]]:
    return [{"field": e["field"], "rule": e["rule"]} for e in answer.json().get("errors", [])]


async def test_admin_adds_changes_and_deactivates_a_member_audited_and_announced(api: Any) -> None:
    added = await api.client.post("/staff", headers=ADMIN, json=_member(language="en"))
    assert added.status_code == 201, added.text
    member = added.json()
    assert {k: member[k] for k in ("subject", "name", "email", "role", "active", "language")} == {
        "subject": "anna",
        "name": "Anna Konsulent",
        "email": "anna@vikar.example",
        "role": "consultant",
        "active": True,
        "language": "en",
    }
    staff_id = member["staff_id"]
    changed = await api.client.patch(f"/staff/{staff_id}", headers=ADMIN, json={"active": False, "name": "Anna K"})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["active"], changed.json()["name"]) == (False, "Anna K")
    # A repeated change writes nothing more.
    again = await api.client.patch(f"/staff/{staff_id}", headers=ADMIN, json={"active": False})
    assert again.status_code == 200
    events = [e["data"] for e in await api.events("placement.staff_member_changed")]
    assert [(e["staff_id"], e["subject"], e["name"], e["active"], e["language"]) for e in events] == [
        (staff_id, "anna", "Anna Konsulent", True, "en"),
        (staff_id, "anna", "Anna K", False, "en"),
    ]
    audit = await api.sql("select actor, action, details from audit_log where subject = $1 order by id", staff_id)
    assert [(r["actor"], r["action"]) for r in audit] == [("admin-1", "staff.added"), ("admin-1", "staff.changed")]
    # Kept, never deleted: still readable, and listed among the deactivated.
    assert (await api.client.get(f"/staff/{staff_id}", headers=CONSULTANT)).json()["active"] is False
    inactive = await api.client.get("/staff?active=false", headers=FINANCE)
    assert [m["staff_id"] for m in inactive.json()] == [staff_id]
    assert (await api.client.get("/staff?active=true", headers=FINANCE)).json() == []
    assert (await api.client.delete(f"/staff/{staff_id}", headers=ADMIN)).status_code == 405


async def test_subject_taken_is_409_naming_the_member(api: Any) -> None:
    first = await api.client.post("/staff", headers=ADMIN, json=_member())
    taken = await api.client.post("/staff", headers=ADMIN, json=_member(name="Another", email="other@vikar.example"))
    assert taken.status_code == 409, taken.text
    assert taken.json()["existing"] == {"type": "staff", "id": first.json()["staff_id"]}
    assert taken.json()["type"].endswith("/staff-subject-taken")
    assert len(await api.sql("select 1 from staff")) == 1
    assert len(await api.events("placement.staff_member_changed")) == 1


@pytest.mark.parametrize(
    ("fields", "field", "rule"),
    [
        ({"email": "not-an-address"}, "email", None),
        ({"role": "boss"}, "role", None),
        ({"language": "de"}, "language", None),
        ({"name": "   "}, "name", None),
        ({"subject": ""}, "subject", None),
    ],
)
async def test_bad_member_is_422_naming_the_field(api: Any, fields: dict[str, Any], field: str, rule: Any) -> None:
    answer = await api.client.post("/staff", headers=ADMIN, json=_member(**fields))
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert field in [e["field"] for e in _errors(answer)], answer.text
    assert await api.sql("select 1 from staff") == []


async def test_bad_change_is_422_and_unknown_member_404(api: Any) -> None:
    staff_id = (await api.client.post("/staff", headers=ADMIN, json=_member())).json()["staff_id"]
    for body, field in (({"role": "boss"}, "role"), ({"language": "fr"}, "language"), ({"active": None}, "active")):
        answer = await api.client.patch(f"/staff/{staff_id}", headers=ADMIN, json=body)
        assert answer.status_code == 422, answer.text
        assert field in [e["field"] for e in _errors(answer)], answer.text
    answer = await api.client.patch(f"/staff/{staff_id}", headers=ADMIN, json={"subject": "someone-else"})
    assert answer.status_code == 422
    missing = await api.client.get("/staff/00000000-0000-4000-8000-000000000000", headers=ADMIN)
    assert missing.status_code == 404 and missing.json()["type"].endswith("/staff-not-found")
    assert len(await api.events("placement.staff_member_changed")) == 1


async def test_only_admins_change_and_only_agency_staff_read(api: Any) -> None:
    for who in (CONSULTANT, FINANCE, APPROVER, SERVICE):
        assert (await api.client.post("/staff", headers=who, json=_member())).status_code == 403
    staff_id = (await api.client.post("/staff", headers=ADMIN, json=_member())).json()["staff_id"]
    for who in (CONSULTANT, FINANCE, APPROVER, SERVICE):
        answer = await api.client.patch(f"/staff/{staff_id}", headers=who, json={"active": False})
        assert answer.status_code == 403
    for who in (APPROVER, SERVICE):
        assert (await api.client.get("/staff", headers=who)).status_code == 403
        assert (await api.client.get(f"/staff/{staff_id}", headers=who)).status_code == 403
    assert (await api.client.get("/staff")).status_code == 401
    assert (await api.client.get(f"/staff/{staff_id}", headers=CONSULTANT)).status_code == 200
    assert len(await api.events("placement.staff_member_changed")) == 1
