"""Municipality users (issue 12): the addresses the agency registers for a municipality, who may then log in to
its pages. Added at registration or one by one, renamed, removed; audited; against real PostgreSQL and Kafka."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from placement.config import PlacementSettings
from vikar_shared.auth import Role
from vikar_shared.testing.plugin import bearer

ADMIN = bearer(Role.ADMIN, sub="admin-1")
FINANCE = bearer(Role.FINANCE, sub="fie")
CONSULTANT = bearer(Role.CONSULTANT, sub="anna")
CPR = "010190-1234"


@pytest.fixture
async def api(serve_placement: Any) -> AsyncIterator[Any]:
    async with serve_placement() as running:
        yield running


async def _register(client: httpx.AsyncClient, name: str, users: list[dict[str, str]] | None = None) -> httpx.Response:
    body: dict[str, Any] = {"name": name} | ({"users": users} if users is not None else {})
    return await client.post("/municipalities", json=body, headers=ADMIN)


async def _users_rows(settings: PlacementSettings, api: Any) -> list[tuple[str, str, str]]:
    rows = await api.sql("select email, name, added_by from municipality_users order by email")
    return [(r["email"], r["name"], r["added_by"]) for r in rows]


async def test_a_municipality_is_registered_with_its_users_in_the_email_key_form(api: Any) -> None:
    users = [{"email": "Mette@Aalborg.DK", "name": " Mette Jensen "}, {"email": "ｆｉｎ@aalborg.dk", "name": "Finn"}]

    r = await _register(api.client, "Aalborg", users)

    assert r.status_code == 201, r.text
    assert r.json()["users"] == [
        {"email": "fin@aalborg.dk", "name": "Finn"},
        {"email": "mette@aalborg.dk", "name": "Mette Jensen"},
    ]
    assert await _users_rows(api.settings, api) == [
        ("fin@aalborg.dk", "Finn", "admin-1"),
        ("mette@aalborg.dk", "Mette Jensen", "admin-1"),
    ]
    mid = r.json()["id"]
    got = await api.client.get(f"/municipalities/{mid}", headers=CONSULTANT)
    assert got.json()["users"] == r.json()["users"]
    listed = await api.client.get("/municipalities", headers=FINANCE)
    assert listed.json()[0]["users"] == r.json()["users"]
    # A municipality's own user sees their municipality, not their colleagues' addresses.
    own = bearer(Role.MUNICIPALITY, municipality_id=uuid.UUID(mid))
    assert (await api.client.get(f"/municipalities/{mid}", headers=own)).json()["users"] == []
    [audited] = await api.sql("select details from audit_log where action = 'municipality.registered'")
    assert '"mette@aalborg.dk"' in audited["details"]
    # Without users, as before issue 12.
    plain = await _register(api.client, "Hjørring")
    assert (plain.status_code, plain.json()["users"]) == (201, [])


@pytest.mark.parametrize(
    ("users", "field", "rule"),
    [
        ([{"email": "a@b.dk", "name": "A"}, {"email": "A@B.dk", "name": "B"}], "users", "unique-email"),
        ([{"email": "a@b.dk", "name": "   "}], "users.0.name", "not-blank"),
        ([{"email": "a@b.dk", "name": f"Mette {CPR}"}], "users.0.name", "cpr-not-allowed"),
        ([{"email": "0101901234@b.dk", "name": "Mette"}], "users.0.email", "cpr-not-allowed"),
        ([{"email": "not-an-address", "name": "Mette"}], "users.0.email", "value_error"),
        ([{"email": "a@b.dk", "name": "Mette\nJensen"}], "users.0.name", "text-line-break"),
        ([{"email": f"u{i}@b.dk", "name": "U"} for i in range(21)], "users", "too_long"),
        ([{"email": "a@b.dk", "name": "A", "role": "admin"}], "users.0.role", "extra_forbidden"),
    ],
)
async def test_bad_users_are_422_naming_the_field_and_nothing_is_written(
    api: Any, users: list[dict[str, str]], field: str, rule: str
) -> None:
    r = await _register(api.client, "Aalborg", users)

    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert {"field": field, "rule": rule} in [{"field": e["field"], "rule": e["rule"]} for e in r.json()["errors"]]
    assert CPR not in r.text and "0101901234" not in r.text
    assert await api.sql("select 1 from municipalities") == []
    assert await api.sql("select 1 from municipality_users") == []


async def test_users_are_added_renamed_and_removed_each_audited(api: Any) -> None:
    mid = (await _register(api.client, "Aalborg", [{"email": "mette@aalborg.dk", "name": "Mette"}])).json()["id"]
    path = f"/municipalities/{mid}/users"

    added = await api.client.put(path, headers=CONSULTANT, json={"email": "Finn@Aalborg.dk", "name": "Finn"})
    assert added.status_code == 201, added.text
    assert [u["email"] for u in added.json()["users"]] == ["finn@aalborg.dk", "mette@aalborg.dk"]
    renamed = await api.client.put(path, headers=ADMIN, json={"email": "finn@aalborg.dk", "name": "Finn Holm"})
    assert renamed.status_code == 200, renamed.text
    assert {"email": "finn@aalborg.dk", "name": "Finn Holm"} in renamed.json()["users"]
    again = await api.client.put(path, headers=ADMIN, json={"email": "FINN@aalborg.dk", "name": "Finn Holm"})
    assert again.status_code == 200
    assert again.json() == renamed.json()

    removed = await api.client.delete(f"{path}/FINN@Aalborg.dk", headers=ADMIN)
    assert removed.status_code == 200, removed.text
    assert removed.json()["users"] == [{"email": "mette@aalborg.dk", "name": "Mette"}]
    absent = await api.client.delete(f"{path}/finn@aalborg.dk", headers=ADMIN)
    assert (absent.status_code, absent.json()["code"]) == (404, "municipality-user-not-found")
    assert absent.headers["content-type"] == "application/problem+json"
    # Removing the last user is allowed: a municipality may have nobody logging in.
    assert (await api.client.delete(f"{path}/mette@aalborg.dk", headers=CONSULTANT)).json()["users"] == []

    audit = await api.sql(
        "select actor, action, details from audit_log where subject = $1 and action like 'municipality.user%' "
        "order by id",
        mid,
    )
    assert [(a["actor"], a["action"]) for a in audit] == [
        ("anna", "municipality.user_added"),
        ("admin-1", "municipality.user_renamed"),
        ("admin-1", "municipality.user_removed"),
        ("anna", "municipality.user_removed"),
    ]  # the same name again wrote nothing
    assert '"finn@aalborg.dk"' in audit[0]["details"]


async def test_bad_user_changes_are_4xx_naming_the_field_and_write_nothing(api: Any) -> None:
    mid = (await _register(api.client, "Aalborg", [{"email": "mette@aalborg.dk", "name": "Mette"}])).json()["id"]
    path = f"/municipalities/{mid}/users"
    cases = [
        ({"email": "x", "name": "X"}, "email", "value_error"),
        ({"email": "a@b.dk", "name": " "}, "name", "not-blank"),
        ({"email": "a@b.dk", "name": f"Finn {CPR}"}, "name", "cpr-not-allowed"),
        ({"email": "0101901234@b.dk", "name": "Finn"}, "email", "cpr-not-allowed"),
        ({"email": "a@b.dk"}, "name", "missing"),
        ({"email": "a@b.dk", "name": "Finn", "x": 1}, "x", "extra_forbidden"),
    ]
    for body, field, rule in cases:
        r = await api.client.put(path, headers=ADMIN, json=body)
        assert r.status_code == 422, (body, r.text)
        assert {"field": field, "rule": rule} in [{"field": e["field"], "rule": e["rule"]} for e in r.json()["errors"]]
    for i in range(19):
        assert (await api.client.put(path, headers=ADMIN, json={"email": f"u{i}@b.dk", "name": "U"})).status_code == 201
    full = await api.client.put(path, headers=ADMIN, json={"email": "one-more@b.dk", "name": "U"})
    assert (full.status_code, full.json()["code"]) == (409, "municipality-users-limit")
    # Renaming one of the twenty is still allowed.
    assert (await api.client.put(path, headers=ADMIN, json={"email": "u0@b.dk", "name": "V"})).status_code == 200
    assert len(await api.sql("select 1 from municipality_users")) == 20
    missing = uuid.uuid4()
    r = await api.client.put(f"/municipalities/{missing}/users", headers=ADMIN, json={"email": "a@b.dk", "name": "A"})
    assert (r.status_code, r.json()["code"]) == (404, "municipality-not-found")
    r = await api.client.delete(f"/municipalities/{missing}/users/a@b.dk", headers=ADMIN)
    assert (r.status_code, r.json()["code"]) == (404, "municipality-not-found")


async def test_only_consultants_and_admins_change_users_and_nobody_else_reads_them(api: Any) -> None:
    aalborg = (await _register(api.client, "Aalborg", [{"email": "mette@aalborg.dk", "name": "Mette"}])).json()["id"]
    hjorring = (await _register(api.client, "Hjørring")).json()["id"]
    new = {"email": "finn@aalborg.dk", "name": "Finn"}
    refused = {
        "own municipality user": bearer(Role.MUNICIPALITY, municipality_id=uuid.UUID(aalborg), sub="mette"),
        "other municipality": bearer(Role.MUNICIPALITY, municipality_id=uuid.UUID(hjorring)),
        "company approver": bearer(Role.COMPANY_APPROVER, company_id=uuid.uuid4()),
        "finance": FINANCE,
    }
    for who, headers in refused.items():
        put = await api.client.put(f"/municipalities/{aalborg}/users", headers=headers, json=new)
        delete = await api.client.delete(f"/municipalities/{aalborg}/users/mette@aalborg.dk", headers=headers)
        assert (put.status_code, delete.status_code) == (403, 403), who
    anonymous_put = await api.client.put(f"/municipalities/{aalborg}/users", json=new)
    anonymous_delete = await api.client.delete(f"/municipalities/{aalborg}/users/mette@aalborg.dk")
    assert (anonymous_put.status_code, anonymous_delete.status_code) == (401, 401)
    assert await _users_rows(api.settings, api) == [("mette@aalborg.dk", "Mette", "admin-1")]
    # Reading: another municipality and a company approver see nothing of Aalborg.
    other = await api.client.get(f"/municipalities/{aalborg}", headers=refused["other municipality"])
    assert (other.status_code, other.json()["code"]) == (404, "municipality-not-found")
    assert "mette" not in other.text
    approver = await api.client.get(f"/municipalities/{aalborg}", headers=refused["company approver"])
    assert (approver.status_code, approver.json()["code"]) == (404, "municipality-not-found")
    assert "mette" not in approver.text
    assert (await api.client.get(f"/municipalities/{aalborg}")).status_code == 401
    listed = await api.client.get("/municipalities", headers=refused["other municipality"])
    assert [m["id"] for m in listed.json()] == [hjorring] and "mette" not in listed.text
