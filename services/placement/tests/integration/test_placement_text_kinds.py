"""Issue 6 (items 2, 3, 7, 8), second round in placement: e-mail addresses in one ASCII form, text that shows
nothing or reorders itself, municipality names whatever their letter case, token dates as numbers, and an
empty Idempotency-Key: each a 422/409/401 naming the field and rule, nothing written twice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
import jwt
import pytest

from vikar_shared.auth import Role
from vikar_shared.settings import DEV_JWT_SECRET
from vikar_shared.testing.plugin import bearer
from vikar_shared.testing.problems import field_errors

ADMIN = bearer(Role.ADMIN, sub="admin-1")
ANNA = bearer(Role.CONSULTANT, sub="anna")
Api = Any  # conftest.Api
INVISIBLE = ("\u200b", "\ufeff", "\u200b\u200b\u200b")
COMPANY = {"name": "Bager Hansen", "cvr": "10150817", "approvers": [{"email": "appr@example.com", "name": "Ib"}]}


@pytest.fixture
async def api(serve_placement: Any) -> AsyncIterator[Any]:
    async with serve_placement(date(2026, 11, 27)) as running:
        yield running


async def _company(client: httpx.AsyncClient) -> str:
    r = await client.post("/companies", headers=ANNA, json=COMPANY)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def test_a_full_width_approver_address_is_the_ascii_approver_and_mail_safe(api: Api) -> None:
    cid = await _company(api.client)
    again = await api.client.post(
        f"/companies/{cid}/approvers", headers=ANNA, json={"email": "ａｐｐｒ@example.com", "name": "Dup A"}
    )
    assert again.status_code == 200, again.text  # the same approver: renamed, not a second one
    assert again.json()["approvers"] == [{"email": "appr@example.com", "name": "Dup A"}]
    upper = await api.client.post(
        f"/companies/{cid}/approvers", headers=ANNA, json={"email": "ＡＰＰＲ＠Example.com", "name": "Dup A"}
    )
    assert upper.status_code == 200, upper.text
    assert [r["email"] for r in await api.sql("select email from company_approvers")] == ["appr@example.com"]

    for bad in ("æøå@example.com", "appr\u200b@example.com", "\u200b"):
        r = await api.client.post(f"/companies/{cid}/approvers", headers=ANNA, json={"email": bad, "name": "X"})
        assert r.status_code == 422, (bad, r.text)
        assert [f for f, _ in field_errors(r)] == ["email"], bad
    idn = await api.client.post(f"/companies/{cid}/approvers", headers=ANNA, json={"email": "a@bæk.dk", "name": "B"})
    assert idn.status_code == 201, idn.text
    assert {"email": "a@xn--bk-1ia.dk", "name": "B"} in idn.json()["approvers"]
    for stored in await api.sql("select email from company_approvers"):
        stored["email"].encode("ascii")  # every accepted address can be sent to by plain SMTP

    removed = await api.client.delete(f"/companies/{cid}/approvers/A@B%C3%A6k.dk", headers=ANNA)
    assert removed.status_code == 200, removed.text
    assert [a["email"] for a in removed.json()["approvers"]] == ["appr@example.com"]

    twice = COMPANY | {
        "cvr": "12345674",
        "approvers": [{"email": "ib@bager.example", "name": "Ib"}, {"email": "ｉｂ@bager.example", "name": "Ib"}],
    }
    r = await api.client.post("/companies", headers=ANNA, json=twice)
    assert r.status_code == 422, r.text
    assert field_errors(r) == [("approvers", "unique-email")]
    contact = {"billing_contact": {"name": "Bo", "email": "ＢＯ@bager.example"}}
    patched = await api.client.patch(f"/companies/{cid}", headers=ANNA, json=contact)
    assert patched.status_code == 200, patched.text
    assert patched.json()["billing_contact"] == {"name": "Bo", "email": "bo@bager.example"}


async def test_text_that_shows_nothing_is_blank_and_bidi_overrides_are_refused(api: Api) -> None:
    mid = await api.municipality()
    cid = await _company(api.client)
    referral = {
        "cpr": "170387-4821",
        "name": "Mette Jensen",
        "municipality_id": mid,
        "referred_on": "2026-02-01",
        "weeks_unemployed": 60,
    }
    opening = {
        "company_id": cid,
        "job_category": "kitchen help",
        "tasks": "Dishes",
        "hours_per_week_minutes": 600,
        "contact": {"name": "Ib Hansen", "phone": "+45 12 34 56 78"},
    }
    terms = {"effective_from": "2026-01-01", "co_financing_rate_ore_per_hour": 1, "eligibility_threshold_weeks": 1}
    address = {"street": "Vej 1", "postcode": "9000", "city": "Aalborg"}
    for text in INVISIBLE:
        cases: list[tuple[str, str, dict[str, Any], dict[str, str], str]] = [
            ("post", "/municipalities", {"name": text}, ADMIN, "name"),
            ("post", "/companies", COMPANY | {"cvr": "12345674", "name": text}, ANNA, "name"),
            ("patch", f"/companies/{cid}", {"name": text}, ANNA, "name"),
            ("patch", f"/companies/{cid}", {"address": address | {"street": text}}, ANNA, "address.street"),
            ("patch", f"/companies/{cid}", {"address": address | {"city": text}}, ANNA, "address.city"),
            (
                "patch",
                f"/companies/{cid}",
                {"billing_contact": {"name": text, "email": "bo@bager.example"}},
                ANNA,
                "billing_contact.name",
            ),
            ("post", f"/companies/{cid}/approvers", {"email": "x@bager.example", "name": text}, ANNA, "name"),
            ("post", "/referrals", referral | {"name": text}, ANNA, "name"),
            ("post", "/referrals", referral | {"caseworker": {"name": text}}, ANNA, "caseworker.name"),
            ("post", "/openings", opening | {"job_category": text}, ANNA, "job_category"),
            ("post", "/openings", opening | {"tasks": text}, ANNA, "tasks"),
            ("post", "/openings", opening | {"contact": {"name": text}}, ANNA, "contact.name"),
            ("post", f"/municipalities/{mid}/terms", terms | {"person_reference": text}, ADMIN, "person_reference"),
        ]
        for method, path, body, headers, field in cases:
            r = await api.client.request(method, path, json=body, headers=headers)
            assert r.status_code == 422, (path, body, r.text)
            assert field_errors(r) == [(field, "not-blank")], (path, body)
    for method, path, body, headers, field in [
        ("post", "/municipalities", {"name": "ab\u202ecd"}, ADMIN, "name"),
        ("patch", f"/companies/{cid}", {"name": "Bager \u202eHansen"}, ANNA, "name"),
        ("post", f"/companies/{cid}/approvers", {"email": "x@bager.example", "name": "I\u2067b"}, ANNA, "name"),
        ("post", "/referrals", referral | {"name": "Mette\u202d Jensen"}, ANNA, "name"),
        ("post", "/openings", opening | {"tasks": "Dishes\nand \u202efood"}, ANNA, "tasks"),
    ]:
        r = await api.client.request(method, path, json=body, headers=headers)
        assert r.status_code == 422, (path, body, r.text)
        assert field_errors(r) == [(field, "text-bidi-control")], (path, body)
    assert [r["name"] for r in await api.sql("select name from municipalities")] == ["Aalborg"]
    assert [r["name"] for r in await api.sql("select name from companies")] == ["Bager Hansen"]
    assert await api.sql("select * from citizens") == []
    assert await api.sql("select * from job_openings") == []


async def test_municipality_names_differing_in_case_or_width_are_one(api: Api) -> None:
    mid = await api.municipality("Aalborg")
    for name in ("aalborg", " AALBORG ", "Ａａｌｂｏｒｇ"):
        r = await api.client.post("/municipalities", json={"name": name}, headers=ADMIN)
        assert r.status_code == 409, (name, r.text)
        assert r.json()["code"] == "municipality-exists"
        assert r.json()["existing"] == {"type": "municipality", "id": mid}
    assert (await api.client.post("/municipalities", json={"name": "Aalborg Øst"}, headers=ADMIN)).status_code == 201
    assert len(await api.sql("select id from municipalities")) == 2


def _raw_token(**overrides: object) -> dict[str, str]:
    now = int(datetime.now(UTC).timestamp())
    claims: dict[str, object] = {
        "sub": "anna",
        "role": "consultant",
        "iss": "vikarmodel",
        "aud": "vikarmodel",
        "iat": now,
        "exp": now + 3600,
    } | overrides
    token = jwt.encode(claims, DEV_JWT_SECRET, algorithm="HS256", headers={"kid": "dev"})
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": str(int(datetime.now(UTC).timestamp()) + 3600)},
        {"iat": str(int(datetime.now(UTC).timestamp()))},
        {"exp": True},
    ],
    ids=["exp-string", "iat-string", "exp-true"],
)
async def test_a_token_whose_dates_are_not_numbers_is_401_claim_invalid(api: Api, claims: dict[str, object]) -> None:
    assert (await api.client.get("/companies", headers=_raw_token())).status_code == 200
    r = await api.client.get("/companies", headers=_raw_token(**claims))
    assert r.status_code == 401, r.text
    assert field_errors(r) == [("Authorization", "claim-invalid")]


@pytest.mark.parametrize("key", ["", " ", '""'])
async def test_an_empty_idempotency_key_is_422_not_no_key(api: Api, key: str) -> None:
    r = await api.client.post("/municipalities", json={"name": "Aarhus"}, headers=ADMIN | {"Idempotency-Key": key})
    assert r.status_code == 422, r.text
    assert field_errors(r) == [("Idempotency-Key", "idempotency-key-invalid")]
    assert await api.sql("select * from municipalities") == []
