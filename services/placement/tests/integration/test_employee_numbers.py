"""Issue 13 (part A): a citizen's first placement employs them. The employee number is assigned once, in the
placement's transaction, audited and announced (``placement.employee_registered``, no name, no CPR); the
migration numbers citizens already placed, and the migrate step announces them and republishes the rates of
older placements once; a citizen merge keeps (or moves) the number; ``GET /employees/{n}`` for agency staff."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from placement.app import MIGRATIONS, announce_after_migration, create_app
from placement.citizens.models import Cpr
from placement.citizens.vault import CprVault
from placement.config import PlacementSettings
from vikar_shared.auth import Role
from vikar_shared.db import create_pool
from vikar_shared.testing.plugin import DatabaseBefore, bearer, serve_in_process

Api = Any  # conftest.Api
Hiring = Any  # conftest.Hiring
World = Any  # conftest.World
ADMIN = bearer(Role.ADMIN, sub="admin-1")
CONSULTANT = bearer(Role.CONSULTANT, sub="anna")
FINANCE = bearer(Role.FINANCE, sub="fie")
MIGRATION = "20261215_10_employee_numbers.sql"


@pytest.fixture
async def api(serve_placement: Any) -> AsyncIterator[Api]:
    async with serve_placement(date(2026, 11, 30)) as running:
        yield running


async def outbox(api_or_dsn: Any, event_type: str) -> list[asyncpg.Record]:
    query = """select id, topic, key, envelope::text as envelope from outbox
               where envelope->>'type' = $1 order by id"""
    if isinstance(api_or_dsn, str):
        conn = await asyncpg.connect(api_or_dsn)
        try:
            return list(await conn.fetch(query, event_type))
        finally:
            await conn.close()
    return list(await api_or_dsn.sql(query, event_type))


async def _announce(dsn: str) -> None:
    """The migrate step's announcements, run on their own (as a second replica would)."""
    pool = await create_pool(dsn)
    try:
        await announce_after_migration(pool)
    finally:
        await pool.close()


def data(row: asyncpg.Record) -> dict[str, Any]:
    envelope: dict[str, Any] = json.loads(row["envelope"])
    return dict(envelope["data"]) | {"_subject": envelope["subject"]}


async def test_the_first_placement_gives_a_number_once_and_announces_it_without_name_or_cpr(
    hiring: Hiring, api: Api
) -> None:
    w = await hiring.world(api.client)
    await hiring.place(api, w, "Mette Jensen", "2026-03-01")
    # A second placement (another company, an earlier start) keeps the number and its date.
    await hiring.place(api, w, "Mette Jensen", "2026-02-15", company=1)
    await hiring.place(api, w, "Ole Hansen", "2026-04-01")

    rows = await api.sql("select id, employee_number, employed_from from citizens order by employee_number")
    assert [(str(r["id"]), r["employee_number"], r["employed_from"]) for r in rows] == [
        (w.citizens["Mette Jensen"], 1001, date(2026, 3, 1)),
        (w.citizens["Ole Hansen"], 1002, date(2026, 4, 1)),
    ]
    events = await outbox(api, "placement.employee_registered")
    assert [(r["topic"], r["key"]) for r in events] == [
        ("placement.events", w.citizens["Mette Jensen"]),
        ("placement.events", w.citizens["Ole Hansen"]),
    ]
    assert [data(r) for r in events] == [
        {
            "citizen_id": w.citizens["Mette Jensen"],
            "employee_number": 1001,
            "employed_from": "2026-03-01",
            "_subject": w.citizens["Mette Jensen"],
        },
        {
            "citizen_id": w.citizens["Ole Hansen"],
            "employee_number": 1002,
            "employed_from": "2026-04-01",
            "_subject": w.citizens["Ole Hansen"],
        },
    ]
    for r in events:
        assert "Mette" not in r["envelope"] and "Ole" not in r["envelope"]
    hiring.assert_no_cpr(
        " ".join(r["envelope"] for r in await api.sql("select envelope::text as envelope from outbox"))
    )
    audited = await api.sql(
        "select actor, subject, details from audit_log where action = 'citizen.employee_number_assigned' order by id"
    )
    assert [(r["actor"], r["subject"], json.loads(r["details"])["employee_number"]) for r in audited] == [
        ("anna", w.citizens["Mette Jensen"], 1001),
        ("anna", w.citizens["Ole Hansen"], 1002),
    ]
    # Numbered citizens written in the placement's transaction are announced already: the migrate step adds nothing.
    await _announce(api.settings.database_url)
    assert len(await outbox(api, "placement.employee_registered")) == 2


async def test_a_refused_placement_uses_no_number_and_announces_nothing(hiring: Hiring, api: Api) -> None:
    w = await hiring.world(api.client)
    await hiring.place(api, w, "Mette Jensen", "2026-03-01")
    refused = []
    for name, extra in (("Mette Jensen", {}), ("Ole Hansen", {"wage_rate_ore_per_hour": -1})):
        body = {"referral_id": w.referrals[name], "company_id": w.companies[0], "start_date": "2026-03-10"}
        body |= {"bill_rate_ore_per_hour": 18_550} | extra
        refused.append(await api.client.post("/placements", headers=CONSULTANT, json=body))
    overlapping, bad = refused
    assert overlapping.status_code == 409, overlapping.text
    assert bad.status_code == 422, bad.text
    rows = await api.sql("select employee_number from citizens where employee_number is not null")
    assert [r["employee_number"] for r in rows] == [1001]
    assert len(await outbox(api, "placement.employee_registered")) == 1


async def test_agency_staff_find_an_employee_by_number(hiring: Hiring, api: Api) -> None:
    w = await hiring.world(api.client)
    await hiring.place(api, w, "Mette Jensen", "2026-03-01")
    for staff in (CONSULTANT, FINANCE, ADMIN):
        r = await api.client.get("/employees/1001", headers=staff)
        assert r.status_code == 200, r.text
        assert r.json() == {
            "citizen_id": w.citizens["Mette Jensen"],
            "employee_number": 1001,
            "name": "Mette Jensen",
            "employed_from": "2026-03-01",
        }
    outsiders = (
        bearer(Role.COMPANY_APPROVER, company_id=uuid.UUID(w.companies[0])),
        bearer(Role.MUNICIPALITY, municipality_id=uuid.UUID(w.municipality)),
    )
    for outsider in outsiders:
        r = await api.client.get("/employees/1001", headers=outsider)
        assert r.status_code == 403, r.text
        assert "Mette" not in r.text
    missing = await api.client.get("/employees/1002", headers=CONSULTANT)
    assert missing.status_code == 404, missing.text
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["code"] == "employee-not-found"
    # Full-width digits are the same number (the one digits rule of every identifier); nothing else is.
    assert (await api.client.get("/employees/%EF%BC%91%EF%BC%90%EF%BC%90%EF%BC%91", headers=CONSULTANT)).json()[
        "employee_number"
    ] == 1001
    for bad, rule in (
        ("abc", "employee-number-format"),
        ("1001.0", "employee-number-format"),
        ("+1001", "employee-number-format"),
        ("1e3", "employee-number-format"),
        ("10%2001", "employee-number-format"),
        ("0", "employee-number-range"),
        ("100000000", "employee-number-format"),
    ):
        r = await api.client.get(f"/employees/{bad}", headers=CONSULTANT)
        assert r.status_code == 422, r.text
        assert [(e["field"], e["rule"]) for e in r.json()["errors"]] == [("employee_number", rule)], r.json()
    assert (await api.client.get("/employees/1001")).status_code == 401


# --- the migration and the migrate step -----------------------------------------------------------------------


async def _old_world(conn: asyncpg.Connection, vault: CprVault, cprs: dict[str, str]) -> dict[str, Any]:
    """Rows as placement stored them before issue 13: three citizens, two of them placed (Ole first, Mette with
    two placements, the first created later than Ole's), Sara only referred."""
    mid, terms, company = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await conn.execute("insert into municipalities (id, name, created_by) values ($1, 'Aalborg', 'x')", mid)
    await conn.execute(
        """insert into municipality_terms (id, municipality_id, effective_from, co_financing_rate_ore_per_hour,
                                           eligibility_threshold_weeks, created_by)
           values ($1, $2, '2024-01-01', 6500, 26, 'x')""",
        terms,
        mid,
    )
    await conn.execute(
        "insert into companies (id, name, cvr, created_by) values ($1, 'Firma', '12345674', 'x')", company
    )
    citizens, placements = {}, {}
    for name, cpr in cprs.items():
        citizen, referral = uuid.uuid4(), uuid.uuid4()
        citizens[name] = citizen
        await conn.execute(
            "insert into citizens (id, cpr_hash, cpr_encrypted, name) values ($1, $2, $3, $4)",
            citizen,
            vault.lookup_hash(Cpr(cpr.replace("-", ""))),
            vault.seal(Cpr(cpr.replace("-", ""))),
            name,
        )
        await conn.execute(
            """insert into referrals (id, citizen_id, municipality_id, referred_on, weeks_unemployed, eligible,
                                      threshold_weeks_applied, terms_id, created_by)
               values ($1, $2, $3, '2026-01-05', 60, true, 26, $4, 'x')""",
            referral,
            citizen,
            mid,
            terms,
        )
        citizens[name + ":referral"] = referral
    for key, name, start, end, created in (
        ("ole", "Ole Hansen", "2026-02-01", None, "2026-01-10 10:00+00"),
        ("mette-1", "Mette Jensen", "2026-03-01", "2026-03-31", "2026-01-20 10:00+00"),
        ("mette-2", "Mette Jensen", "2026-04-01", None, "2026-02-20 10:00+00"),
    ):
        pid = uuid.uuid4()
        placements[key] = pid
        await conn.execute(
            """insert into placements (id, referral_id, citizen_id, company_id, start_date, end_date,
                                       bill_rate_ore_per_hour, created_by, consultant_id, created_at)
               values ($1, $2, $3, $4, $5::text::date, $6::text::date, 18550, 'anna', 'anna',
                       $7::text::timestamptz)""",
            pid,
            citizens[name + ":referral"],
            citizens[name],
            company,
            start,
            end,
            created,
        )
        await conn.execute(
            """insert into placement_rates (placement_id, effective_from, bill_rate_ore_per_hour,
                                            wage_rate_ore_per_hour, created_by)
               values ($1, $2::text::date, 18550, 14000, 'anna')""",
            pid,
            start,
        )
    # Mette's second placement got a raise on 1 May (a second version).
    await conn.execute(
        """insert into placement_rates (placement_id, effective_from, bill_rate_ore_per_hour, wage_rate_ore_per_hour,
                                        created_by)
           values ($1, '2026-05-01', 19000, 14500, 'anna')""",
        placements["mette-2"],
    )
    return {"citizens": citizens, "placements": placements, "company": company}


async def test_the_migration_numbers_placed_citizens_and_the_migrate_step_announces_once(
    hiring: Hiring,
    database_before: Callable[[str, Path, str], Awaitable[DatabaseBefore]],
    kafka: str,
    kafka_namespace: str,
) -> None:
    db = await database_before("placement", MIGRATIONS, MIGRATION)
    settings = PlacementSettings(database_url=db.dsn, kafka_bootstrap=kafka, kafka_namespace=kafka_namespace)
    vault = CprVault(settings.cpr_encryption_key, settings.cpr_hash_key)
    conn = await asyncpg.connect(db.dsn)
    try:
        old = await _old_world(conn, vault, hiring.CPRS)
        citizens, placements = old["citizens"], old["placements"]
        assert await db.apply() == [MIGRATION]

        rows = await conn.fetch(
            "select id, employee_number, employed_from, employee_announced_at from citizens order by name"
        )
        assert [(r["id"], r["employee_number"], r["employed_from"], r["employee_announced_at"]) for r in rows] == [
            (citizens["Mette Jensen"], 1002, date(2026, 3, 1), None),
            (citizens["Ole Hansen"], 1001, date(2026, 2, 1), None),
            (citizens["Sara Lund"], None, None, None),
        ]
        audited = await conn.fetch(
            "select actor, subject from audit_log where action = 'citizen.employee_number_assigned' order by subject"
        )
        assert sorted((r["actor"], r["subject"]) for r in audited) == sorted(
            ("migration:20261215_10", str(citizens[n])) for n in ("Mette Jensen", "Ole Hansen")
        )
        # The sequence continues after the backfill.
        assert await conn.fetchval("select nextval('employee_numbers')") == 1003
    finally:
        await conn.close()

    # The placement app's migrate step (after the citizen repair) announces them and republishes the rates.
    async with serve_in_process(create_app(settings)):
        pass
    registered = await outbox(db.dsn, "placement.employee_registered")
    assert sorted(
        (data(r)["employee_number"], data(r)["citizen_id"], data(r)["employed_from"]) for r in registered
    ) == [
        (1001, str(citizens["Ole Hansen"]), "2026-02-01"),
        (1002, str(citizens["Mette Jensen"]), "2026-03-01"),
    ]
    assert all(r["key"] == data(r)["citizen_id"] for r in registered)
    republished = await outbox(db.dsn, "placement.placement_rates_changed")
    by_placement = {data(r)["placement_id"]: data(r)["rates"] for r in republished}
    assert len(republished) == 3
    assert by_placement == {
        str(placements["ole"]): [
            {"effective_from": "2026-02-01", "bill_rate_ore_per_hour": 18550, "wage_rate_ore_per_hour": 14000}
        ],
        str(placements["mette-1"]): [
            {"effective_from": "2026-03-01", "bill_rate_ore_per_hour": 18550, "wage_rate_ore_per_hour": 14000}
        ],
        str(placements["mette-2"]): [
            {"effective_from": "2026-04-01", "bill_rate_ore_per_hour": 18550, "wage_rate_ore_per_hour": 14000},
            {"effective_from": "2026-05-01", "bill_rate_ore_per_hour": 19000, "wage_rate_ore_per_hour": 14500},
        ],
    }
    assert all(r["key"] == data(r)["placement_id"] for r in republished)
    everything = await outbox(db.dsn, "placement.employee_registered") + republished
    hiring.assert_no_cpr(" ".join(r["envelope"] for r in everything))

    # Run again (a restart, a second replica): nothing more; the step also runs on its own.
    async with serve_in_process(create_app(settings)):
        pass
    await _announce(db.dsn)
    assert len(await outbox(db.dsn, "placement.employee_registered")) == 2
    assert len(await outbox(db.dsn, "placement.placement_rates_changed")) == 3


async def test_placements_created_after_the_migration_are_not_republished(hiring: Hiring, api: Api) -> None:
    w = await hiring.world(api.client)
    await hiring.place(api, w, "Mette Jensen", "2026-03-01")
    await _announce(api.settings.database_url)
    assert await outbox(api, "placement.placement_rates_changed") == []
    assert len(await outbox(api, "placement.placement_created")) == 1


# --- citizen merges -----------------------------------------------------------------------------------------


async def _stored_twice(api: Api, vault: CprVault, w: World) -> tuple[uuid.UUID, uuid.UUID]:
    """Mette as referred (kept: the ASCII hash) and a second citizen with her number in full-width digits."""
    kept = uuid.UUID(w.citizens["Mette Jensen"])
    wide = uuid.uuid4()
    digits = "０１０１９０１２３４"
    await api.sql(
        "insert into citizens (id, cpr_hash, cpr_encrypted, name) values ($1, $2, $3, 'Mette Jensen')",
        wide,
        vault.lookup_hash(Cpr(digits)),
        vault.seal(Cpr(digits)),
    )
    return kept, wide


async def _number_of(api: Api, citizen: uuid.UUID) -> tuple[int | None, date | None]:
    rows = await api.sql("select employee_number, employed_from from citizens where id = $1", citizen)
    return rows[0]["employee_number"], rows[0]["employed_from"]


async def test_a_merge_moves_the_merged_number_to_a_kept_citizen_without_one(hiring: Hiring, api: Api) -> None:
    vault = CprVault(api.settings.cpr_encryption_key, api.settings.cpr_hash_key)
    w = await hiring.world(api.client)
    kept, wide = await _stored_twice(api, vault, w)
    await api.sql(
        """update citizens set employee_number = 1500, employed_from = '2026-03-01', employee_announced_at = now()
           where id = $1""",
        wide,
    )

    report = await api.repair(vault)

    assert report.merged == [(kept, wide)]
    assert await _number_of(api, kept) == (1500, date(2026, 3, 1))
    assert await api.sql("select 1 from citizens where id = $1", wide) == []
    merged = await outbox(api, "placement.citizens_merged")
    registered = await outbox(api, "placement.employee_registered")
    assert [data(r) for r in registered] == [
        {"citizen_id": str(kept), "employee_number": 1500, "employed_from": "2026-03-01", "_subject": str(kept)}
    ]
    assert registered[0]["key"] == str(kept)
    assert merged[0]["id"] < registered[0]["id"], "the number is announced after the merge"
    moved = await api.sql("select subject, details from audit_log where action = 'citizen.employee_number_moved'")
    assert [(r["subject"], json.loads(r["details"])["employee_number"]) for r in moved] == [(str(kept), 1500)]
    # The kept citizen's next placement keeps the number.
    await hiring.place(api, w, "Mette Jensen", "2026-06-01")
    assert await _number_of(api, kept) == (1500, date(2026, 3, 1))
    assert len(await outbox(api, "placement.employee_registered")) == 1


async def test_a_merge_keeps_the_kept_citizen_s_own_number(hiring: Hiring, api: Api) -> None:
    vault = CprVault(api.settings.cpr_encryption_key, api.settings.cpr_hash_key)
    w = await hiring.world(api.client)
    await hiring.place(api, w, "Mette Jensen", "2026-03-01")  # 1001
    kept, wide = await _stored_twice(api, vault, w)
    await api.sql(
        """update citizens set employee_number = 1500, employed_from = '2026-02-01', employee_announced_at = now()
           where id = $1""",
        wide,
    )

    await api.repair(vault)

    assert await _number_of(api, kept) == (1001, date(2026, 3, 1))
    registered = [data(r) for r in await outbox(api, "placement.employee_registered")]
    # Once at the placement, once after the merge (the number the person keeps).
    assert [(r["citizen_id"], r["employee_number"]) for r in registered] == [(str(kept), 1001), (str(kept), 1001)]
    assert await api.sql("select 1 from audit_log where action = 'citizen.employee_number_moved'") == []
    details = await api.sql("select details from audit_log where action = 'citizen.merged'")
    assert json.loads(details[0]["details"])["merged_employee_number"] == 1500


async def test_a_merge_of_citizens_without_numbers_announces_no_employee(hiring: Hiring, api: Api) -> None:
    vault = CprVault(api.settings.cpr_encryption_key, api.settings.cpr_hash_key)
    w = await hiring.world(api.client)
    kept, wide = await _stored_twice(api, vault, w)

    report = await api.repair(vault)

    assert report.merged == [(kept, wide)]
    assert await _number_of(api, kept) == (None, None)
    assert await outbox(api, "placement.employee_registered") == []
