"""Issue 6 in placement, one test per kind: text the database cannot store, numbers and dates out of
range, a citizen renamed by a later referral, one person typed two ways, and token claims."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest

from placement.app import create_app
from placement.citizens.models import Cpr
from placement.citizens.repair import merge_duplicate_citizens
from placement.citizens.vault import CprVault
from vikar_shared.auth import Role
from vikar_shared.db import create_pool, transaction
from vikar_shared.testing.plugin import bearer, serve_in_process
from vikar_shared.testing.problems import field_errors

ADMIN = bearer(Role.ADMIN, sub="admin-1")
ANNA = bearer(Role.CONSULTANT, sub="anna")
ASCII_CPR, FULL_WIDTH_CPR = "170387-4821", "１７０３８７-４８２１"
Api = Any  # conftest.Api


@pytest.fixture
async def api(serve_placement: Any) -> AsyncIterator[Any]:
    async with serve_placement(date(2026, 11, 27)) as running:
        yield running


def _referral(mid: str, cpr: str = ASCII_CPR, name: str = "Mette Jensen", **patch: Any) -> dict[str, Any]:
    return {
        "cpr": cpr,
        "name": name,
        "municipality_id": mid,
        "referred_on": "2026-02-01",
        "weeks_unemployed": 60,
    } | patch


async def _refer(client: httpx.AsyncClient, mid: str, **fields: Any) -> dict[str, Any]:
    r = await client.post("/referrals", headers=ANNA, json=_referral(mid, **fields))
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_a_nul_in_a_municipality_name_is_a_422_naming_the_field_not_a_500(api: Api) -> None:
    r = await api.client.post("/municipalities", json={"name": "Aal\x00borg"}, headers=ADMIN)
    assert r.status_code == 422, r.text
    assert field_errors(r) == [("name", "text-control-character")]
    assert await api.sql("select * from municipalities") == []


async def test_every_free_text_field_refuses_control_characters_and_line_breaks(api: Api) -> None:
    mid = await api.municipality()
    company = {"name": "Bager Hansen", "cvr": "10150817", "approvers": [{"email": "ib@bager.example", "name": "Ib"}]}
    cases: list[tuple[str, str, dict[str, Any], str, str]] = [
        ("/referrals", "post", _referral(mid, name="Mette\r\nJensen"), "name", "text-line-break"),
        ("/referrals", "post", _referral(mid, name="Mette\x00"), "name", "text-control-character"),
        (
            "/referrals",
            "post",
            _referral(mid, target_group_code="job\x00parat"),
            "target_group_code",
            "text-control-character",
        ),
        ("/referrals", "post", _referral(mid, caseworker={"name": "Lene\nHolm"}), "caseworker.name", "text-line-break"),
        ("/referrals", "post", _referral(mid, referred_on="9999-12-31"), "referred_on", "date-out-of-range"),
        ("/companies", "post", company | {"name": "Bager\nHansen"}, "name", "text-line-break"),
        (
            "/companies",
            "post",
            company | {"approvers": [{"email": "ib@bager.example\r\nBcc: x@y.example", "name": "Ib"}]},
            "approvers.0.email",
            "text-line-break",
        ),
        (
            "/companies",
            "post",
            company | {"address": {"street": "Vej 1\x00", "postcode": "9000", "city": "Aalborg"}},
            "address.street",
            "text-control-character",
        ),
        (
            f"/municipalities/{mid}/terms",
            "post",
            {
                "effective_from": "2026-01-01",
                "co_financing_rate_ore_per_hour": 1,
                "eligibility_threshold_weeks": 1,
                "person_reference": "Lene\x00",
            },
            "person_reference",
            "text-control-character",
        ),
        (
            f"/municipalities/{mid}/terms",
            "post",
            {"effective_from": "10000-01-01", "co_financing_rate_ore_per_hour": 1, "eligibility_threshold_weeks": 1},
            "effective_from",
            "date-format",
        ),
    ]
    for path, method, body, field, rule in cases:
        r = await api.client.request(
            method, path, json=body, headers=ANNA if path != f"/municipalities/{mid}/terms" else ADMIN
        )
        assert r.status_code == 422, (path, body, r.text)
        assert (field, rule) in field_errors(r), (path, body)
    assert await api.sql("select * from citizens") == []
    assert await api.sql("select * from companies") == []
    registered = await api.client.post("/companies", json=company, headers=ANNA)
    assert registered.status_code == 201, registered.text
    removed = await api.client.delete(
        f"/companies/{registered.json()['id']}/approvers/ib%00@bager.example", headers=ANNA
    )
    assert removed.status_code == 422, removed.text
    assert field_errors(removed) == [("email", "text-control-character")]


async def test_numbers_and_periods_out_of_range_are_422s_naming_the_field(api: Api) -> None:
    mid = await api.municipality()
    cases = [
        ("/companies?offset=9223372036854775808", ("offset", "less_than_equal")),
        ("/companies?offset=-1", ("offset", "greater_than_equal")),
        ("/companies?limit=100000", ("limit", "less_than_equal")),
        ("/consultants/me/follow-ups?week=9999-W52", ("week", "iso-week-out-of-range")),
        ("/consultants/me/follow-ups?week=2027-W53", ("week", "iso-week-invalid")),
        (f"/municipalities/{mid}/terms?on=9999-12-31", ("on", "date-out-of-range")),
        ("/target-groups?on=1999-12-31", ("on", "date-out-of-range")),
    ]
    for url, expected in cases:
        r = await api.client.get(url, headers=ANNA)
        assert r.status_code == 422, (url, r.text)
        assert field_errors(r) == [expected], url
    ok = await api.client.get("/consultants/me/follow-ups?week=２０２６-Ｗ４８", headers=ANNA)
    assert (ok.status_code, ok.json()["week"]) == (200, "2026-W48")


async def test_a_cpr_typed_with_full_width_digits_is_the_same_citizen(api: Api) -> None:
    mid = await api.municipality()
    first = await _refer(api.client, mid, cpr=ASCII_CPR)
    second = await _refer(api.client, mid, cpr=FULL_WIDTH_CPR, referred_on="2026-03-01")
    assert second["citizen_id"] == first["citizen_id"]
    assert second["name_changed"] is None
    for typed in (ASCII_CPR, FULL_WIDTH_CPR, "1703874821"):
        found = await api.client.post("/citizens/search", json={"cpr": typed}, headers=ANNA)
        assert (found.status_code, found.json()) == (200, {"citizen_id": first["citizen_id"]}), typed
    assert len(await api.sql("select id from citizens")) == 1
    arabic = await api.client.post("/referrals", headers=ANNA, json=_referral(mid, cpr="١٧٠٣٨٧-٤٨٢١"))
    assert (arabic.status_code, field_errors(arabic)) == (422, [("cpr", "cpr-format")])


async def test_a_second_referral_with_another_name_keeps_the_earlier_one_and_says_so(api: Api) -> None:
    mid = await api.municipality()
    first = await _refer(api.client, mid, name="Mette Jensen")
    assert first["name_changed"] is None
    second = await _refer(api.client, mid, name="Mette Holm", referred_on="2026-03-01")
    assert second["citizen_id"] == first["citizen_id"]
    assert second["name_changed"] == {"from": "Mette Jensen", "to": "Mette Holm"}
    assert second["citizen_name"] == "Mette Holm"
    # The same name again is no change.
    third = await _refer(api.client, mid, name="Mette Holm", referred_on="2026-04-01")
    assert third["name_changed"] is None

    citizen = await api.client.get(f"/citizens/{first['citizen_id']}", headers=ANNA)
    assert citizen.json()["name"] == "Mette Holm"
    audit = await api.sql("select actor, subject, details from audit_log where action = 'citizen.renamed'")
    assert [(a["actor"], a["subject"]) for a in audit] == [("anna", first["citizen_id"])]
    assert '"from": "Mette Jensen"' in str(audit[0]["details"]) or "Mette Jensen" in str(audit[0]["details"])
    timeline = (await api.client.get(f"/citizens/{first['citizen_id']}/timeline", headers=ANNA)).json()
    changes = [i for i in timeline["items"] if i["kind"] == "name_change"]
    assert [(c["from"], c["to"], c["referral_id"], c["occurred_on"]) for c in changes] == [
        ("Mette Jensen", "Mette Holm", second["id"], "2026-03-01")
    ]
    # Another municipality's user sees neither the referral nor the rename.
    other = await api.municipality("Aarhus")
    await _refer(api.client, other, cpr="010190-1234", name="Someone Else")
    municipal = bearer(Role.MUNICIPALITY, sub="aarhus", municipality_id=uuid.UUID(other))
    hidden = await api.client.get(f"/citizens/{first['citizen_id']}/timeline", headers=municipal)
    assert hidden.status_code == 404


async def _old_citizen(api: Api, vault: CprVault, digits: str, name: str, mid: str, referred_on: date) -> uuid.UUID:
    """A citizen as the code before the fix stored one: sealed and hashed as typed, with a referral."""
    citizen_id, referral_id = uuid.uuid4(), uuid.uuid4()
    terms = await api.sql("select id from municipality_terms where municipality_id = $1", uuid.UUID(mid))
    await api.sql(
        "insert into citizens (id, cpr_hash, cpr_encrypted, name) values ($1, $2, $3, $4)",
        citizen_id,
        vault.lookup_hash(Cpr(digits)),
        vault.seal(Cpr(digits)),
        name,
    )
    await api.sql(
        """insert into referrals (id, citizen_id, municipality_id, referred_on, weeks_unemployed, eligible,
                                  threshold_weeks_applied, terms_id, created_by)
           values ($1, $2, $3, $4, 60, true, 26, $5, 'anna')""",
        referral_id,
        citizen_id,
        uuid.UUID(mid),
        referred_on,
        terms[0]["id"],
    )
    return citizen_id


async def test_citizens_stored_twice_the_old_way_are_merged_at_startup_and_nothing_is_lost(api: Api) -> None:
    vault = CprVault(api.settings.cpr_encryption_key, api.settings.cpr_hash_key)
    mid = await api.municipality()
    ascii_id = await _old_citizen(api, vault, "1703874821", "Mette Jensen", mid, date(2026, 2, 1))
    wide_id = await _old_citizen(api, vault, "１７０３８７４８２１", "Mette Holm", mid, date(2026, 3, 1))
    lonely_id = await _old_citizen(api, vault, "０１０１９０１２３４", "Ole Lonely", mid, date(2026, 3, 2))
    logged = await api.client.post(
        f"/citizens/{wide_id}/activities",
        headers=ANNA,
        json={"activity_type": "conversation", "occurred_on": "2026-03-02", "note": "Kaffe"},
    )
    assert logged.status_code == 201, logged.text

    # A second start of the service on the same database runs the repair after the migrations.
    async with serve_in_process(create_app(api.settings)) as client:
        for typed in ("170387-4821", FULL_WIDTH_CPR):
            found = await client.post("/citizens/search", json={"cpr": typed}, headers=ANNA)
            assert found.json() == {"citizen_id": str(ascii_id)}, typed
        lonely = await client.post("/citizens/search", json={"cpr": "010190-1234"}, headers=ANNA)
        assert lonely.json() == {"citizen_id": str(lonely_id)}
        citizen = (await client.get(f"/citizens/{ascii_id}", headers=ANNA)).json()

    assert {r["id"] for r in await api.sql("select id from citizens")} == {ascii_id, lonely_id}
    # Both referrals and the activity now belong to the kept citizen; the latest referral's name is current.
    assert [r["referred_on"] for r in citizen["referrals"]] == ["2026-02-01", "2026-03-01"]
    assert citizen["name"] == "Mette Holm"
    activities = await api.sql("select citizen_id from citizen_activities")
    assert [a["citizen_id"] for a in activities] == [ascii_id]
    merged = await api.sql("select subject, details from audit_log where action = 'citizen.merged'")
    assert [m["subject"] for m in merged] == [str(ascii_id)]
    details = merged[0]["details"]
    assert str(wide_id) in str(details) and "Mette Holm" in str(details)
    assert "4821" not in str(details)
    names = await api.sql("select old_name, new_name from citizen_name_changes where citizen_id = $1", ascii_id)
    assert [(n["old_name"], n["new_name"]) for n in names] == [("Mette Jensen", "Mette Holm")]
    sealed = await api.sql("select cpr_encrypted from citizens where id = $1", lonely_id)
    assert vault.open(sealed[0]["cpr_encrypted"]).digits == "0101901234"

    # Idempotent: a second run finds nothing to do.
    pool = await create_pool(api.settings.database_url)
    try:
        async with transaction(pool) as conn:
            again = await merge_duplicate_citizens(conn, vault)
    finally:
        await pool.close()
    assert (again.merged, again.normalised, again.blocked) == ([], [], [])


@pytest.mark.parametrize("sub", ["an\x00na", ""])
async def test_a_token_whose_sub_holds_a_nul_or_nothing_is_401_not_500(api: Api, sub: str) -> None:
    r = await api.client.get("/companies", headers=bearer(Role.CONSULTANT, sub=sub, max_ttl=None))
    assert r.status_code == 401, r.text
    assert r.json()["code"] == "unauthenticated"


async def test_openings_and_activities_refuse_text_the_database_cannot_store(api: Api) -> None:
    mid = await api.municipality()
    company = await api.client.post(
        "/companies",
        headers=ANNA,
        json={"name": "Bager Hansen", "cvr": "10150817", "approvers": [{"email": "ib@bager.example", "name": "Ib"}]},
    )
    assert company.status_code == 201, company.text
    opening = {
        "company_id": company.json()["id"],
        "job_category": "kitchen help",
        "tasks": "Dishes\nand simple food preparation",
        "hours_per_week_minutes": 600,
        "contact": {"name": "Ib Hansen", "phone": "+45 12 34 56 78"},
    }
    for patch, field, rule in (
        ({"job_category": "kitchen\x00help"}, "job_category", "text-control-character"),
        ({"tasks": "Dishes\x00"}, "tasks", "text-control-character"),
        ({"contact": {"name": "Ib\r\nHansen", "phone": "+45 12 34 56 78"}}, "contact.name", "text-line-break"),
        ({"wished_start": "9999-01-01"}, "wished_start", "date-out-of-range"),
    ):
        r = await api.client.post("/openings", headers=ANNA, json=opening | patch)
        assert r.status_code == 422, (patch, r.text)
        assert field_errors(r) == [(field, rule)], patch
    created = await api.client.post("/openings", headers=ANNA, json=opening)
    assert created.status_code == 201, created.text
    assert created.json()["tasks"] == "Dishes\nand simple food preparation"
    follow_up = await api.client.post(
        f"/openings/{created.json()['id']}/follow-ups", headers=ANNA, json={"note": "Ringede\x00"}
    )
    assert (follow_up.status_code, field_errors(follow_up)) == (422, [("note", "text-control-character")])

    citizen = (await _refer(api.client, mid))["citizen_id"]
    for body, field, rule in (
        (
            {"activity_type": "conversation", "occurred_on": "2026-11-02", "note": "Kaffe\x00"},
            "note",
            "text-control-character",
        ),
        ({"activity_type": "conversation", "occurred_on": "1999-12-31"}, "occurred_on", "date-out-of-range"),
    ):
        r = await api.client.post(f"/citizens/{citizen}/activities", headers=ANNA, json=body)
        assert r.status_code == 422, (body, r.text)
        assert field_errors(r) == [(field, rule)], body
    assert await api.sql("select * from citizen_activities") == []


async def test_two_identities_placed_at_one_company_on_overlapping_days_are_left_for_a_person(api: Api) -> None:
    vault = CprVault(api.settings.cpr_encryption_key, api.settings.cpr_hash_key)
    mid = await api.municipality()
    company = await api.client.post(
        "/companies",
        headers=ANNA,
        json={"name": "Bager Hansen", "cvr": "10150817", "approvers": [{"email": "ib@bager.example", "name": "Ib"}]},
    )
    ascii_id = await _old_citizen(api, vault, "1703874821", "Mette Jensen", mid, date(2026, 2, 1))
    wide_id = await _old_citizen(api, vault, "１７０３８７４８２１", "Mette Jensen", mid, date(2026, 3, 1))
    for citizen in (ascii_id, wide_id):
        referral = (await api.sql("select id from referrals where citizen_id = $1", citizen))[0]["id"]
        placed = await api.client.post(
            "/placements",
            headers=ANNA,
            json={
                "referral_id": str(referral),
                "company_id": company.json()["id"],
                "start_date": "2026-04-01",
                "bill_rate_ore_per_hour": 18_550,
            },
        )
        assert placed.status_code == 201, placed.text

    pool = await create_pool(api.settings.database_url)
    try:
        async with transaction(pool) as conn:
            report = await merge_duplicate_citizens(conn, vault)
    finally:
        await pool.close()

    assert report.blocked == [[ascii_id, wide_id]] and report.merged == []
    assert {r["id"] for r in await api.sql("select id from citizens")} == {ascii_id, wide_id}
    assert sorted(r["citizen_id"] for r in await api.sql("select citizen_id from placements")) == sorted(
        [ascii_id, wide_id]
    )
    blocked = await api.sql("select subject from audit_log where action = 'citizen.merge_blocked'")
    assert [b["subject"] for b in blocked] == [str(ascii_id)]


async def test_a_query_parameter_given_twice_is_a_422_naming_it_not_the_last_value_read(api: Api) -> None:
    r = await api.client.get("/openings?status=open&status=filled", headers=ANNA)
    assert r.status_code == 422, r.text
    assert field_errors(r) == [("status", "repeated")]
    assert (await api.client.get("/openings?status=open", headers=ANNA)).status_code == 200
