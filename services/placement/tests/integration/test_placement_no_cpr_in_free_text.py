"""Tester 11, F1 as a kind: a free text that leaves placement (on its events, and from there on invoices,
statements, Peppol documents and mails) never holds a CPR number. Companies, openings and placements here; the
referral and the agreement terms in ``test_placement_statement_terms_api.py``. Each refusal is a 422
problem+json naming every field with rule ``cpr-not-allowed``, never repeating the number, nothing written."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest

from vikar_shared.auth import Role
from vikar_shared.testing.plugin import bearer

Api = Any  # conftest.Api
CONSULTANT = bearer(Role.CONSULTANT, sub="anna")
CPR = "250384-1881"
ADDRESS = {"street": "Algade 1", "postcode": "9000", "city": "Aalborg"}
COMPANY = {"name": "Bager Hansen ApS", "cvr": "12345674", "approvers": [{"email": "ib@bager.dk", "name": "Ib"}]}
COMPANY |= {"address": ADDRESS, "billing_contact": {"name": "Bodil Hansen", "email": "bogholderi@bager.dk"}}


@pytest.fixture
async def api(serve_placement: Any) -> AsyncIterator[Api]:
    async with serve_placement(date(2026, 11, 30)) as running:
        yield running


def _refused(r: Any, *fields: str) -> None:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert sorted((e["field"], e["rule"]) for e in r.json()["errors"]) == sorted(
        (f, "cpr-not-allowed") for f in fields
    ), r.json()
    assert "1881" not in r.text


async def _count(api: Api, table: str) -> int:
    return int((await api.sql(f"select count(*) as n from {table}"))[0]["n"])


async def test_a_company_whose_texts_hold_a_cpr_number_is_refused(api: Api) -> None:
    body = COMPANY | {
        "name": f"Bager {CPR}",
        "approvers": [{"email": "ib@bager.dk", "name": "Ib"}, {"email": "2503841881@bager.dk", "name": f"Bo {CPR}"}],
        "address": ADDRESS | {"street": f"Algade {CPR}"},
        "billing_contact": {"name": "Bodil", "email": "b.2503841881@bager.dk"},
    }
    r = await api.client.post("/companies", headers=CONSULTANT, json=body)
    _refused(r, "name", "approvers.1.email", "approvers.1.name", "address.street", "billing_contact.email")
    assert await _count(api, "companies") == 0
    assert await _count(api, "outbox") == 0

    company = await api.client.post("/companies", headers=CONSULTANT, json=COMPANY)
    assert company.status_code == 201, company.text
    cid = company.json()["id"]
    await api.sql("delete from outbox")
    patch = {"address": ADDRESS | {"city": f"Aalborg {CPR}"}, "name": "Bager"}
    _refused(await api.client.patch(f"/companies/{cid}", headers=CONSULTANT, json=patch), "address.city")
    approver = {"email": "kim@bager.dk", "name": f"Kim {CPR}"}
    _refused(await api.client.post(f"/companies/{cid}/approvers", headers=CONSULTANT, json=approver), "name")
    stored = await api.client.get(f"/companies/{cid}", headers=CONSULTANT)
    assert stored.json()["name"] == COMPANY["name"]
    assert [a["email"] for a in stored.json()["approvers"]] == ["ib@bager.dk"]
    assert await _count(api, "outbox") == 0


async def test_an_opening_or_placement_whose_texts_hold_a_cpr_number_is_refused(api: Api) -> None:
    company = await api.client.post("/companies", headers=CONSULTANT, json=COMPANY)
    cid = company.json()["id"]
    opening = {
        "company_id": cid,
        "job_category": f"kitchen help {CPR}",
        "tasks": "Dishes",
        "hours_per_week_minutes": 600,
        "contact": {"name": "Ib Hansen", "phone": "+45 12 34 56 78"},
    }
    _refused(await api.client.post("/openings", headers=CONSULTANT, json=opening), "job_category")
    assert await _count(api, "job_openings") == 0

    mid = await api.municipality()
    referral = {"cpr": CPR, "name": "Kurt Hansen", "municipality_id": mid, "referred_on": "2026-11-02"}
    referred = await api.client.post("/referrals", headers=CONSULTANT, json=referral | {"weeks_unemployed": 60})
    assert referred.status_code == 201, referred.text
    await api.sql("delete from outbox")
    placement = {
        "referral_id": referred.json()["id"],
        "company_id": cid,
        "start_date": "2026-12-01",
        "bill_rate_ore_per_hour": 25000,
        "consultant_id": f"anna {CPR}",
    }
    _refused(await api.client.post("/placements", headers=CONSULTANT, json=placement), "consultant_id")
    assert await _count(api, "placements") == 0
    assert await _count(api, "outbox") == 0
