"""Companies: profile, billing settings and approvers, each change audited and sent as CompanyUpdated."""

from __future__ import annotations

import asyncio
import itertools
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
FINANCE = bearer(Role.FINANCE, sub="fie")
EAN = "5790000000005"


@pytest.fixture
async def api(serve_placement: Any) -> AsyncIterator[tuple[httpx.AsyncClient, PlacementSettings]]:
    async with serve_placement() as running:
        yield running.client, running.settings


def _company(**fields: Any) -> dict[str, Any]:
    body = {
        "name": "Bager Hansen ApS",
        "cvr": "12345674",
        "approvers": [{"email": "Ib@Bager.dk", "name": "Ib"}],
        "address": {"street": "Algade 1", "postcode": "9000", "city": "Aalborg"},
        "billing_contact": {"name": "Bodil Hansen", "email": "bogholderi@bager.dk"},
        "billing_period": "fortnightly",
        "payment_terms_days": 30,
        "ean": EAN,
    }
    return body | fields


async def _register(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    r = await client.post("/companies", headers=CONSULTANT, json=_company(**fields))
    assert r.status_code == 201, r.text
    company: dict[str, Any] = r.json()
    return company


async def _rows(settings: PlacementSettings, sql: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(settings.database_url)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def _events(settings: PlacementSettings, company_id: str, kind: str) -> list[dict[str, Any]]:
    rows = await _rows(
        settings,
        "select envelope from outbox where envelope->>'subject' = $1 and envelope->>'type' = $2 order by id",
        company_id,
        kind,
    )
    return [json.loads(r["envelope"]) if isinstance(r["envelope"], str) else r["envelope"] for r in rows]


async def test_registration_stores_address_billing_settings_and_ean_and_emits_them(
    api: tuple[httpx.AsyncClient, PlacementSettings],
) -> None:
    client, settings = api
    company = await _register(client)
    assert company | {"id": None} == {
        "id": None,
        "name": "Bager Hansen ApS",
        "cvr": "12345674",
        "approvers": [{"email": "ib@bager.dk", "name": "Ib"}],
        "address": {"street": "Algade 1", "postcode": "9000", "city": "Aalborg"},
        "billing_contact": {"name": "Bodil Hansen", "email": "bogholderi@bager.dk"},
        "billing_period": "fortnightly",
        "payment_terms_days": 30,
        "ean": EAN,
    }
    assert (await client.get(f"/companies/{company['id']}", headers=FINANCE)).json() == company
    [registered] = await _events(settings, company["id"], "placement.company_registered")
    assert registered["data"]["ean"] == EAN
    assert registered["data"]["billing_period"] == "fortnightly"
    assert registered["data"]["payment_terms_days"] == 30
    minimal = await client.post(
        "/companies",
        headers=CONSULTANT,
        json={"name": "Smed Olsen", "cvr": "10150817", "approvers": [{"email": "o@smed.dk", "name": "O"}]},
    )
    assert minimal.status_code == 201, minimal.text
    defaults = {
        k: minimal.json()[k] for k in ("address", "billing_contact", "billing_period", "payment_terms_days", "ean")
    }
    assert defaults == {
        "address": None,
        "billing_contact": None,
        "billing_period": "monthly",
        "payment_terms_days": 14,
        "ean": None,
    }


async def test_a_weekly_company_and_its_billing_address_and_contact_reach_the_events(
    api: tuple[httpx.AsyncClient, PlacementSettings],
) -> None:
    """Issue 9: weekly billing (ISO weeks) is allowed; the company events carry the billing address and
    contact invoicing puts on an invoice (momsbekendtgørelsen § 58)."""
    client, settings = api
    company = await _register(client, billing_period="weekly")
    assert company["billing_period"] == "weekly"
    [registered] = await _events(settings, company["id"], "placement.company_registered")
    assert registered["data"]["billing_period"] == "weekly"
    assert registered["data"]["address"] == {"street": "Algade 1", "postcode": "9000", "city": "Aalborg"}
    # Issue 14: the events carry the contact's language (null: not stated).
    contact = {"name": "Bodil Hansen", "email": "bogholderi@bager.dk", "language": None}
    assert registered["data"]["billing_contact"] == contact
    r = await client.patch(f"/companies/{company['id']}", headers=CONSULTANT, json={"address": None})
    assert r.status_code == 200, r.text
    [updated] = await _events(settings, company["id"], "placement.company_updated")
    assert updated["data"]["address"] is None
    assert updated["data"]["billing_period"] == "weekly"
    r = await client.patch(f"/companies/{company['id']}", headers=CONSULTANT, json={"billing_period": "daily"})
    assert r.status_code == 422


async def test_bad_company_input_names_field_and_rule_and_writes_nothing(
    api: tuple[httpx.AsyncClient, PlacementSettings],
) -> None:
    client, settings = api
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"cvr": "12345678"}, "cvr", "cvr-checksum"),
        ({"cvr": "0234567"}, "cvr", "cvr-format"),
        ({"ean": "5790000000006"}, "ean", "ean-check-digit"),
        ({"ean": "579000000000"}, "ean", "ean-format"),
        (
            {"address": {"street": "Algade 1", "postcode": "900", "city": "Aalborg"}},
            "address.postcode",
            "postcode-format",
        ),
        ({"address": {"street": "Algade 1", "city": "Aalborg"}}, "address.postcode", "missing"),
        ({"billing_contact": {"name": "B", "email": "not-an-address"}}, "billing_contact.email", "value_error"),
        ({"billing_period": "daily"}, "billing_period", "literal_error"),  # weekly is allowed since issue 9
        ({"payment_terms_days": 91}, "payment_terms_days", "less_than_equal"),
        ({"payment_terms_days": -1}, "payment_terms_days", "greater_than_equal"),
        ({"payment_terms_days": 30.0}, "payment_terms_days", "int_type"),
        (
            {"approvers": [{"email": "a@b.dk", "name": "A"}, {"email": "A@b.dk", "name": "B"}]},
            "approvers",
            "unique-email",
        ),
        ({"credit_limit": 1}, "credit_limit", "extra_forbidden"),
    ]
    for fields, field, rule in cases:
        r = await client.post("/companies", headers=CONSULTANT, json=_company(**fields))
        assert r.status_code == 422, (fields, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert {"field": field, "rule": rule} in [{"field": e["field"], "rule": e["rule"]} for e in r.json()["errors"]]
    assert await _rows(settings, "select id from companies") == []
    assert await _rows(settings, "select id from outbox") == []
    assert await _rows(settings, "select id from audit_log") == []


async def test_adding_and_removing_approvers_emits_company_updated_with_the_full_list(
    api: tuple[httpx.AsyncClient, PlacementSettings], kafka: str
) -> None:
    client, settings = api
    company = await _register(client)
    cid = company["id"]
    added = await client.post(
        f"/companies/{cid}/approvers", headers=CONSULTANT, json={"email": "Lis@Bager.dk", "name": "Lis"}
    )
    assert added.status_code == 201, added.text
    assert added.json()["approvers"] == [
        {"email": "ib@bager.dk", "name": "Ib"},
        {"email": "lis@bager.dk", "name": "Lis"},
    ]
    again = await client.post(
        f"/companies/{cid}/approvers", headers=ADMIN, json={"email": "lis@bager.dk", "name": "Lis"}
    )
    assert again.status_code == 200
    removed = await client.delete(f"/companies/{cid}/approvers/IB@bager.dk", headers=ADMIN)
    assert removed.status_code == 200, removed.text
    assert removed.json()["approvers"] == [{"email": "lis@bager.dk", "name": "Lis"}]
    last = await client.delete(f"/companies/{cid}/approvers/lis@bager.dk", headers=ADMIN)
    assert last.status_code == 409
    assert last.json()["code"] == "last-approver"
    absent = await client.delete(f"/companies/{cid}/approvers/nobody@bager.dk", headers=ADMIN)
    assert absent.status_code == 404
    assert absent.json()["code"] == "approver-not-found"

    updates = await _events(settings, cid, "placement.company_updated")
    # The repeated add changed nothing, so it sent nothing.
    assert [[a["email"] for a in u["data"]["approvers"]] for u in updates] == [
        ["ib@bager.dk", "lis@bager.dk"],
        ["lis@bager.dk"],
    ]
    assert updates[1]["data"] == {
        "company_id": cid,
        "name": "Bager Hansen ApS",
        "cvr": "12345674",
        "approvers": [{"email": "lis@bager.dk", "name": "Lis", "language": None}],
        "ean": EAN,
        "billing_period": "fortnightly",
        "payment_terms_days": 30,
        # Issue 9: the billing address and contact travel with the company.
        "address": {"street": "Algade 1", "postcode": "9000", "city": "Aalborg"},
        "billing_contact": {"name": "Bodil Hansen", "email": "bogholderi@bager.dk", "language": None},
        # Issue 14: languages (null: not stated) and backup approvers.
        "backup_approvers": [],
    }
    audits = await _rows(settings, "select action, actor, subject from audit_log where subject = $1 order by id", cid)
    assert [(a["action"], a["actor"]) for a in audits] == [
        ("company.registered", "anna"),
        ("company.approver_added", "anna"),
        ("company.approver_removed", "admin-1"),
    ]

    consumer = AIOKafkaConsumer(
        settings.kafka_namespace + "placement.events",
        bootstrap_servers=kafka,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    published: list[tuple[bytes | None, dict[str, Any]]] = []
    try:
        while len(published) < 3:
            batch = await consumer.getmany(timeout_ms=10_000)
            assert batch, f"only {len(published)} of 3 events arrived"
            published += [(r.key, json.loads(r.value)) for rs in batch.values() for r in rs if r.value]
    finally:
        await consumer.stop()
    assert [(key, e["type"]) for key, e in published] == [
        (cid.encode(), "placement.company_registered"),
        (cid.encode(), "placement.company_updated"),
        (cid.encode(), "placement.company_updated"),
    ]
    assert published[2][1]["data"]["approvers"] == [{"email": "lis@bager.dk", "name": "Lis", "language": None}]


async def test_patch_changes_only_the_fields_sent_and_emits_the_whole_company(
    api: tuple[httpx.AsyncClient, PlacementSettings],
) -> None:
    client, settings = api
    cid = (await _register(client))["id"]
    r = await client.patch(
        f"/companies/{cid}",
        headers=CONSULTANT,
        json={
            "billing_period": "monthly",
            "payment_terms_days": 8,
            "ean": None,
            "address": {"street": "Bygade 2", "postcode": "9400", "city": "Nørresundby"},
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["billing_period"] == "monthly"
    assert r.json()["payment_terms_days"] == 8
    assert r.json()["ean"] is None
    assert r.json()["address"] == {"street": "Bygade 2", "postcode": "9400", "city": "Nørresundby"}
    assert r.json()["billing_contact"] == {"name": "Bodil Hansen", "email": "bogholderi@bager.dk"}
    assert r.json()["name"] == "Bager Hansen ApS"
    assert (await client.get(f"/companies/{cid}", headers=ADMIN)).json() == r.json()
    same = await client.patch(f"/companies/{cid}", headers=ADMIN, json={"payment_terms_days": 8})
    assert same.status_code == 200

    [update] = await _events(settings, cid, "placement.company_updated")
    assert update["data"]["billing_period"] == "monthly"
    assert update["data"]["payment_terms_days"] == 8
    assert update["data"]["ean"] is None
    assert update["data"]["approvers"] == [{"email": "ib@bager.dk", "name": "Ib", "language": None}]  # issue 14
    [audit] = await _rows(settings, "select details from audit_log where action = 'company.updated'")
    details = json.loads(audit["details"]) if isinstance(audit["details"], str) else audit["details"]
    assert sorted(details["changed"]) == ["address", "billing_period", "ean", "payment_terms_days"]


async def test_bad_patches_are_rejected_and_change_nothing(api: tuple[httpx.AsyncClient, PlacementSettings]) -> None:
    client, settings = api
    company = await _register(client)
    cid = company["id"]
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"ean": "5790000000001"}, "ean", "ean-check-digit"),
        ({"payment_terms_days": 120}, "payment_terms_days", "less_than_equal"),
        ({"payment_terms_days": None}, "payment_terms_days", "not-null"),
        ({"name": None}, "name", "not-null"),
        ({"name": "  "}, "name", "not-blank"),
        ({"cvr": "10150817"}, "cvr", "extra_forbidden"),
        ({"address": {"street": "X", "postcode": "12345", "city": "Y"}}, "address.postcode", "postcode-format"),
        ({"payment_terms_days": 10, "ean": "123"}, "ean", "ean-format"),
    ]
    for fields, field, rule in cases:
        r = await client.patch(f"/companies/{cid}", headers=CONSULTANT, json=fields)
        assert r.status_code == 422, (fields, r.text)
        assert {"field": field, "rule": rule} in [{"field": e["field"], "rule": e["rule"]} for e in r.json()["errors"]]
    assert (await client.get(f"/companies/{cid}", headers=ADMIN)).json() == company
    assert await _events(settings, cid, "placement.company_updated") == []
    bad_approver = await client.post(f"/companies/{cid}/approvers", headers=ADMIN, json={"email": "x", "name": "X"})
    assert bad_approver.status_code == 422
    assert bad_approver.json()["errors"][0]["field"] == "email"
    assert len(await _rows(settings, "select 1 from company_approvers")) == 1


async def test_only_consultants_and_admins_change_companies_and_others_see_only_their_own(
    api: tuple[httpx.AsyncClient, PlacementSettings],
) -> None:
    client, _ = api
    bager = await _register(client)
    smed = await _register(client, name="Smed Olsen", cvr="10150817")
    own = bearer(Role.COMPANY_APPROVER, company_id=uuid.UUID(bager["id"]))
    municipality = bearer(Role.MUNICIPALITY, municipality_id=uuid.uuid4())

    staff = await client.get("/companies", headers=FINANCE)
    assert [c["name"] for c in staff.json()] == ["Bager Hansen ApS", "Smed Olsen"]
    assert [c["id"] for c in (await client.get("/companies?limit=1&offset=1", headers=ADMIN)).json()] == [smed["id"]]
    assert [c["id"] for c in (await client.get("/companies", headers=own)).json()] == [bager["id"]]
    assert (await client.get("/companies", headers=municipality)).status_code == 403
    assert (await client.get("/companies?limit=0", headers=ADMIN)).status_code == 422
    assert (await client.get("/companies")).status_code == 401

    patch = {"payment_terms_days": 0}
    assert (await client.patch(f"/companies/{bager['id']}", headers=own, json=patch)).status_code == 403
    assert (await client.patch(f"/companies/{bager['id']}", headers=FINANCE, json=patch)).status_code == 403
    assert (await client.patch(f"/companies/{bager['id']}", json=patch)).status_code == 401
    new = {"email": "x@y.dk", "name": "X"}
    assert (await client.post(f"/companies/{bager['id']}/approvers", headers=own, json=new)).status_code == 403
    assert (await client.delete(f"/companies/{bager['id']}/approvers/ib@bager.dk", headers=own)).status_code == 403
    missing = uuid.uuid4()
    assert (await client.patch(f"/companies/{missing}", headers=ADMIN, json=patch)).status_code == 404
    assert (await client.post(f"/companies/{missing}/approvers", headers=ADMIN, json=new)).status_code == 404
    assert (await client.delete(f"/companies/{missing}/approvers/x@y.dk", headers=ADMIN)).status_code == 404
    assert (await client.get(f"/companies/{smed['id']}", headers=own)).status_code == 404


async def test_concurrent_approver_additions_end_with_an_event_holding_every_approver(
    api: tuple[httpx.AsyncClient, PlacementSettings],
) -> None:
    client, settings = api
    cid = (await _register(client))["id"]
    emails = [f"a{i}@bager.dk" for i in range(6)]
    results = await asyncio.gather(
        *(client.post(f"/companies/{cid}/approvers", headers=CONSULTANT, json={"email": e, "name": e}) for e in emails)
    )
    assert [r.status_code for r in results] == [201] * 6
    updates = await _events(settings, cid, "placement.company_updated")
    # Consumers replace the list with each event, so the last one must be complete and each one a superset
    # of the one before: changes of one company are serialised by its row lock.
    lists = [{a["email"] for a in u["data"]["approvers"]} for u in updates]
    assert lists[-1] == {"ib@bager.dk", *emails}
    assert all(before < after for before, after in itertools.pairwise(lists))


# --- Issue 14 (part A): languages and backup approvers reach the events ------------------------------------------
async def test_backup_approvers_and_languages_reach_the_events(
    api: tuple[httpx.AsyncClient, PlacementSettings],
) -> None:
    client, settings = api
    backup = {"email": "Lone@Bager.dk", "name": "Lone", "valid_from": "2026-12-01", "valid_to": "2026-12-31"}
    company = await _register(
        client,
        approvers=[{"email": "ib@bager.dk", "name": "Ib", "language": "en"}],
        billing_contact={"name": "Bodil Hansen", "email": "bogholderi@bager.dk", "language": "en"},
        backup_approvers=[backup | {"language": "en"}],
    )
    stated = {"email": "lone@bager.dk", "name": "Lone", "valid_from": "2026-12-01", "valid_to": "2026-12-31"}
    assert company["backup_approvers"] == [stated | {"language": "en"}]
    assert company["approvers"] == [{"email": "ib@bager.dk", "name": "Ib", "language": "en"}]
    [registered] = await _events(settings, company["id"], "placement.company_registered")
    assert registered["data"]["backup_approvers"] == [stated | {"language": "en"}]
    assert registered["data"]["approvers"] == [{"email": "ib@bager.dk", "name": "Ib", "language": "en"}]
    assert registered["data"]["billing_contact"]["language"] == "en"
    # A patch replaces the backup approvers whole; an open end is null.
    r = await client.patch(
        f"/companies/{company['id']}",
        headers=CONSULTANT,
        json={"backup_approvers": [{"email": "kaj@bager.dk", "name": "Kaj", "valid_from": "2027-01-01"}]},
    )
    assert r.status_code == 200, r.text
    kaj = {"email": "kaj@bager.dk", "name": "Kaj", "valid_from": "2027-01-01", "valid_to": None, "language": None}
    [updated] = await _events(settings, company["id"], "placement.company_updated")
    assert updated["data"]["backup_approvers"] == [kaj]
    assert (await client.get(f"/companies/{company['id']}", headers=CONSULTANT)).json()["backup_approvers"] == [
        {k: v for k, v in kaj.items() if k != "language"}
    ]
    # A reversed range is 422 naming the field and rule; nothing written.
    reversed_range = {"email": "x@bager.dk", "name": "X", "valid_from": "2027-02-01", "valid_to": "2027-01-31"}
    r = await client.patch(
        f"/companies/{company['id']}", headers=CONSULTANT, json={"backup_approvers": [reversed_range]}
    )
    assert r.status_code == 422, r.text
    assert {"field": "backup_approvers.0.valid_to", "rule": "range-reversed"} in [
        {"field": e["field"], "rule": e["rule"]} for e in r.json()["errors"]
    ]
    r = await client.post(
        "/companies", headers=CONSULTANT, json=_company(cvr="10150817", backup_approvers=[reversed_range])
    )
    assert r.status_code == 422, r.text
    r = await client.patch(
        f"/companies/{company['id']}",
        headers=CONSULTANT,
        json={"billing_contact": {"name": "B", "email": "b@b.dk", "language": "de"}},
    )
    assert r.status_code == 422 and "billing_contact.language" in [e["field"] for e in r.json()["errors"]], r.text
    assert len(await _events(settings, company["id"], "placement.company_updated")) == 1
    assert len(await _rows(settings, "select 1 from companies")) == 1


# --- Issue 14 (fix): a backup approver's address once -------------------------------------------------------------
async def test_a_backup_approver_address_given_twice_is_refused_whatever_its_case(
    api: tuple[httpx.AsyncClient, PlacementSettings],
) -> None:
    client, settings = api
    company = await _register(client)
    twice = [
        {"email": "kaj@bager.dk", "name": "Kaj"},
        {"email": "b@x.example", "name": "Bo", "valid_from": "2027-01-01"},
        {"email": "B@X.example", "name": "Bo igen"},
    ]
    r = await client.patch(f"/companies/{company['id']}", headers=CONSULTANT, json={"backup_approvers": twice})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert [{"field": e["field"], "rule": e["rule"]} for e in r.json()["errors"]] == [
        {"field": "backup_approvers.2.email", "rule": "unique-email"}
    ]
    # A full-width spelling is the same mailbox.
    wide = [{"email": "bo@x.example", "name": "Bo"}, {"email": "ｂｏ@x.example", "name": "Bo"}]
    r = await client.patch(f"/companies/{company['id']}", headers=CONSULTANT, json={"backup_approvers": wide})
    assert r.status_code == 422, r.text
    assert {"field": "backup_approvers.1.email", "rule": "unique-email"} in [
        {"field": e["field"], "rule": e["rule"]} for e in r.json()["errors"]
    ]
    # Registration refuses the same.
    r = await client.post("/companies", headers=CONSULTANT, json=_company(cvr="10150817", backup_approvers=twice))
    assert r.status_code == 422, r.text
    assert {"field": "backup_approvers.2.email", "rule": "unique-email"} in [
        {"field": e["field"], "rule": e["rule"]} for e in r.json()["errors"]
    ]
    # Nothing written: no backup approver stored, no event, no second company.
    assert await _rows(settings, "select 1 from company_backup_approvers") == []
    assert await _events(settings, company["id"], "placement.company_updated") == []
    assert len(await _rows(settings, "select 1 from companies")) == 1
    # Two different addresses are fine.
    r = await client.patch(f"/companies/{company['id']}", headers=CONSULTANT, json={"backup_approvers": twice[:2]})
    assert r.status_code == 200, r.text
    assert [b["email"] for b in r.json()["backup_approvers"]] == ["kaj@bager.dk", "b@x.example"]
