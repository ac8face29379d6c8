"""Issue 6, item 7: each merge of a citizen stored twice is published as ``placement.citizens_merged``
(through the outbox, in the merge's transaction) so timesheet and invoicing can count the person once."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import asyncpg
import httpx
import pytest

from placement.citizens.models import Cpr
from placement.citizens.vault import CprVault
from vikar_shared.auth import Role
from vikar_shared.events.envelope import Envelope
from vikar_shared.events.placement import TOPIC, CitizensMerged
from vikar_shared.events.registry import decode
from vikar_shared.testing.plugin import bearer

ADMIN = bearer(Role.ADMIN, sub="admin-1")
ANNA = bearer(Role.CONSULTANT, sub="anna")
Api = Any  # conftest.Api


@pytest.fixture
async def api(serve_placement: Any) -> AsyncIterator[Any]:
    async with serve_placement(date(2026, 11, 27)) as running:
        yield running


async def _municipality(client: httpx.AsyncClient) -> uuid.UUID:
    m = await client.post("/municipalities", json={"name": "Aalborg"}, headers=ADMIN)
    assert m.status_code == 201, m.text
    terms = {"effective_from": "2024-01-01", "co_financing_rate_ore_per_hour": 6500, "eligibility_threshold_weeks": 26}
    assert (await client.post(f"/municipalities/{m.json()['id']}/terms", headers=ADMIN, json=terms)).status_code == 201
    return uuid.UUID(m.json()["id"])


async def _old_citizen(api: Api, vault: CprVault, digits: str, mid: uuid.UUID, referred_on: date) -> uuid.UUID:
    """A citizen as the code before the fix stored one: sealed and hashed as typed, with a referral."""
    citizen_id = uuid.uuid4()
    terms = await api.sql("select id from municipality_terms where municipality_id = $1", mid)
    await api.sql(
        "insert into citizens (id, cpr_hash, cpr_encrypted, name) values ($1, $2, $3, 'Mette Jensen')",
        citizen_id,
        vault.lookup_hash(Cpr(digits)),
        vault.seal(Cpr(digits)),
    )
    await api.sql(
        """insert into referrals (id, citizen_id, municipality_id, referred_on, weeks_unemployed, eligible,
                                  threshold_weeks_applied, terms_id, created_by)
           values ($1, $2, $3, $4, 60, true, 26, $5, 'anna')""",
        uuid.uuid4(),
        citizen_id,
        mid,
        referred_on,
        terms[0]["id"],
    )
    return citizen_id


async def _merge_events(api: Api) -> list[asyncpg.Record]:
    return await api.sql(
        "select topic, key, envelope::text as envelope from outbox where envelope->>'type' = 'placement.citizens_merged' order by id"
    )


async def test_the_repair_publishes_one_event_per_merge_and_none_when_run_again(api: Api) -> None:
    vault = CprVault(api.settings.cpr_encryption_key, api.settings.cpr_hash_key)
    mid = await _municipality(api.client)
    # One person stored three ways (ASCII, full-width, half and half), another stored two ways.
    mette = await _old_citizen(api, vault, "1703874821", mid, date(2026, 2, 1))
    mette_wide = await _old_citizen(api, vault, "１７０３８７４８２１", mid, date(2026, 3, 1))
    mette_mixed = await _old_citizen(api, vault, "17038７４８２１", mid, date(2026, 3, 2))
    ole_wide = await _old_citizen(api, vault, "０１０１９０１２３４", mid, date(2026, 3, 3))
    ole = await _old_citizen(api, vault, "0101901234", mid, date(2026, 3, 4))
    alone = await _old_citizen(api, vault, "0202021234", mid, date(2026, 3, 5))

    report = await api.repair(vault)

    assert sorted(report.merged) == sorted([(mette, mette_wide), (mette, mette_mixed), (ole, ole_wide)])
    rows = await _merge_events(api)
    assert [(r["topic"], r["key"]) for r in rows] == [(TOPIC, str(mette)), (TOPIC, str(mette)), (TOPIC, str(ole))]
    events = [Envelope.model_validate_json(r["envelope"]) for r in rows]
    assert all((e.source, e.subject) == ("placement", e.data["kept_citizen_id"]) for e in events)
    decoded = [decode(e) for e in events]
    assert all(isinstance(d, CitizensMerged) for d in decoded)
    assert [(d.kept_citizen_id, d.merged_citizen_id) for d in decoded if isinstance(d, CitizensMerged)] == [
        (mette, mette_wide),
        (mette, mette_mixed),
        (ole, ole_wide),
    ]
    # Nothing of the person travels: only ids and a time.
    assert set(events[0].data) == {"kept_citizen_id", "merged_citizen_id", "merged_at"}
    assert all("4821" not in str(e.data) and "Mette" not in str(e.data) for e in events)
    assert alone not in {d.kept_citizen_id for d in decoded if isinstance(d, CitizensMerged)}

    again = await api.repair(vault)

    assert (again.merged, again.normalised, again.blocked) == ([], [], [])
    assert len(await _merge_events(api)) == 3


async def test_a_blocked_merge_publishes_nothing(api: Api) -> None:
    vault = CprVault(api.settings.cpr_encryption_key, api.settings.cpr_hash_key)
    mid = await _municipality(api.client)
    company = await api.client.post(
        "/companies",
        headers=ANNA,
        json={"name": "Bager Hansen", "cvr": "10150817", "approvers": [{"email": "ib@bager.example", "name": "Ib"}]},
    )
    assert company.status_code == 201, company.text
    for digits, referred_on in (("1703874821", date(2026, 2, 1)), ("１７０３８７４８２１", date(2026, 3, 1))):
        citizen = await _old_citizen(api, vault, digits, mid, referred_on)
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

    report = await api.repair(vault)

    assert len(report.blocked) == 1 and report.merged == []
    assert await _merge_events(api) == []
