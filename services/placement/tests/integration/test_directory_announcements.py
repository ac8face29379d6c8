"""Issue 14 (fix): companies and placements made before notifications kept its directory are announced once by
the migrate step (migration ``20261216_40_directory_announcements.sql`` lists them): a ``company_updated`` with
the company's whole current state and a ``placement_created`` from the placement's current state (then its
``placement_rates_changed`` with every version); a restart or a second replica writes nothing more."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest

from placement.app import MIGRATIONS, announce_after_migration
from vikar_shared.auth import Role
from vikar_shared.db import create_pool
from vikar_shared.testing.plugin import bearer

Api = Any  # conftest.Api
Hiring = Any  # conftest.Hiring
CONSULTANT = bearer(Role.CONSULTANT, sub="anna")
MIGRATION = MIGRATIONS / "20261216_40_directory_announcements.sql"


@pytest.fixture
async def api(serve_placement: Any) -> AsyncIterator[Api]:
    async with serve_placement(date(2026, 11, 30)) as running:
        yield running


async def _announce(dsn: str) -> None:
    """The migrate step's announcements on their own pool (as a restart or a second replica runs them)."""
    async with await create_pool(dsn) as pool:
        await announce_after_migration(pool)


async def _events_after(api: Api, last_id: int, event_type: str) -> list[dict[str, Any]]:
    rows = await api.sql(
        "select key, envelope::text as e from outbox where id > $1 and envelope->>'type' = $2 order by id",
        last_id,
        event_type,
    )
    return [json.loads(r["e"]) | {"_key": r["key"]} for r in rows]


async def _list_as_the_migration_does(api: Api) -> None:
    """The migration's own statements that list what exists (the tables exist already: the app migrated)."""
    inserts = [s.strip() for s in MIGRATION.read_text().split(";") if s.strip().startswith("insert into")]
    assert len(inserts) == 2
    for statement in inserts:
        await api.sql(statement)


async def test_companies_and_placements_made_before_are_announced_once_with_their_current_state(
    hiring: Hiring, api: Api
) -> None:
    w = await hiring.world(api.client)
    kept, other = w.companies
    # The company changes after registration: billing contact (English), a backup approver, an approver's language.
    r = await api.client.patch(
        f"/companies/{kept}",
        headers=CONSULTANT,
        json={
            "billing_contact": {"name": "Bodil Hansen", "email": "Bogholderi@Bager.dk", "language": "en"},
            "backup_approvers": [{"email": "lone@bager.dk", "name": "Lone", "valid_from": "2026-12-01"}],
        },
    )
    assert r.status_code == 200, r.text
    r = await api.client.post(
        f"/companies/{kept}/approvers",
        headers=CONSULTANT,
        json={"email": "ib@12345674.dk", "name": "Ib", "language": "en"},
    )
    assert r.status_code in (200, 201), r.text
    # The placement moves on after creation: a second rate version, active, then ended; the citizen is renamed.
    placed = await hiring.place(api, w, "Mette Jensen", "2026-03-01")
    pid = placed["id"]
    rates = {"effective_from": "2026-04-01", "bill_rate_ore_per_hour": 19_000, "wage_rate_ore_per_hour": 14_500}
    assert (await api.client.post(f"/placements/{pid}/rates", headers=CONSULTANT, json=rates)).status_code == 200
    assert (await api.client.post(f"/placements/{pid}/activate", headers=CONSULTANT)).status_code == 200
    ending = {"end_date": "2026-06-30", "reason": "other_job"}
    assert (await api.client.post(f"/placements/{pid}/end", headers=CONSULTANT, json=ending)).status_code == 200
    await api.sql("update citizens set name = 'Mette Holm' where id = $1::uuid", w.citizens["Mette Jensen"])

    # Made after the migration (which ran on an empty database): nothing to announce.
    before = await api.sql("select coalesce(max(id), 0) as id from outbox")
    await _announce(api.settings.database_url)
    assert await api.sql("select 1 from outbox where id > $1", before[0]["id"]) == []

    # As if they had been there before: listed as the migration lists them, then the migrate step, twice.
    await _list_as_the_migration_does(api)
    # A deploy that also brings issue 13's migration lists the placement for its wage rates as well.
    await api.sql("insert into wage_rates_announcements (placement_id) select id from placements")
    last = (await api.sql("select max(id) as id from outbox"))[0]["id"]
    await _announce(api.settings.database_url)
    await _announce(api.settings.database_url)

    updated = await _events_after(api, last, "placement.company_updated")
    assert sorted(e["subject"] for e in updated) == sorted([kept, other])
    assert all(e["_key"] == e["subject"] for e in updated)
    by_company = {e["subject"]: e["data"] for e in updated}
    # The whole current state, as GET shows it and as the update path writes it.
    current = (await api.client.get(f"/companies/{kept}", headers=CONSULTANT)).json()
    assert by_company[kept] == {
        "company_id": kept,
        "name": current["name"],
        "cvr": "12345674",
        "approvers": [{"email": "ib@12345674.dk", "name": "Ib", "language": "en"}],
        "ean": None,
        "billing_period": "monthly",
        "payment_terms_days": 14,
        "address": None,
        "billing_contact": {"name": "Bodil Hansen", "email": "bogholderi@bager.dk", "language": "en"},
        "backup_approvers": [
            {"email": "lone@bager.dk", "name": "Lone", "valid_from": "2026-12-01", "valid_to": None, "language": None}
        ],
    }
    assert by_company[other]["billing_contact"] is None and by_company[other]["backup_approvers"] == []
    # The same fields as the last change's own event carried.
    [*_, last_change] = [e for e in await api.events("placement.company_updated") if e["subject"] == kept][:-1]
    assert last_change["data"] == by_company[kept]

    [created] = await _events_after(api, last, "placement.placement_created")
    assert created["subject"] == pid and created["_key"] == pid
    assert created["data"] == {
        "placement_id": pid,
        "citizen_id": w.citizens["Mette Jensen"],
        "citizen_name": "Mette Holm",
        "referral_id": w.referrals["Mette Jensen"],
        "municipality_id": w.municipality,
        "co_financing_eligible": True,
        "company_id": kept,
        "start_date": "2026-03-01",
        "end_date": "2026-06-30",
        "bill_rate_ore_per_hour": 18_550,
        "status": "ended",
        "consultant_id": "anna",
        "opening_id": None,
        "hours_per_week_minutes": None,
        "wage_rate_ore_per_hour": 14_000,
    }
    # Then every rate version, after it (timesheet takes the created event's rate as the only version), once
    # although issue 13's step listed the placement too.
    [republished] = await _events_after(api, last, "placement.placement_rates_changed")
    assert republished["_key"] == pid
    assert republished["data"]["rates"] == [
        {"effective_from": "2026-03-01", "bill_rate_ore_per_hour": 18_550, "wage_rate_ore_per_hour": 14_000},
        {"effective_from": "2026-04-01", "bill_rate_ore_per_hour": 19_000, "wage_rate_ore_per_hour": 14_500},
    ]
    order = await api.sql("select envelope->>'type' as t from outbox where id > $1 and key = $2 order by id", last, pid)
    assert [r["t"] for r in order] == ["placement.placement_created", "placement.placement_rates_changed"]
    rows = await api.sql("select count(*) as n from placement_directory_announcements where announced_at is null")
    assert rows[0]["n"] == 0
    rows = await api.sql("select count(*) as n from wage_rates_announcements where announced_at is null")
    assert rows[0]["n"] == 0
    hiring.assert_no_cpr(" ".join(json.dumps(e) for e in [*updated, created, republished]))
