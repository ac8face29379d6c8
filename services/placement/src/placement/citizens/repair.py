"""One person, one citizen: repairs citizens stored twice before CPR digits were normalised (issue 6, item 7).

Before ``vikar_shared.types.digits``, a CPR typed with full-width digits (``１７０３８７-４８２１``) was sealed
and hashed as typed, so it created a second citizen beside the one typed in ASCII. The lookup hash is
keyed (``PLACEMENT_CPR_HASH_KEY``), so SQL cannot recompute it: this step does, in Python, after the
migrations at placement startup (``create_app``), or on demand with ``python -m placement.citizens.repair``.

For every group of citizens whose sealed numbers normalise to the same CPR number it

- keeps the citizen already stored under the normalised hash, else the earliest created one;
- moves every reference to the others onto it (every foreign key to ``citizens``, found in the catalogue:
  referrals, placements, activities, name changes, and any table added later), deletes the others and
  audits each merge (``citizen.merged``: the merged id, its name, and how many rows moved);
- publishes each merge as ``placement.citizens_merged`` v1 (``CitizensMerged``: kept id, merged id, the
  transaction's time; no CPR, no name) through the outbox, keyed by the kept id, in the same transaction,
  so timesheet and invoicing re-point their read models and count the person once;
- gives the kept citizen the name of the group's most recently recorded referral (the rule of
  ``citizens.service.refer_citizen``), keeping a different earlier name in ``citizen_name_changes``;
- re-seals and re-hashes the kept citizen in the normalised form (``citizen.cpr_normalised``);
- (issue 13) keeps the kept citizen's employee number; when it has none and a merged citizen has one, the kept
  citizen takes it (``citizen.employee_number_moved``); whenever a merged citizen had a number, writes
  ``placement.employee_registered`` for the kept citizen with the number it keeps, after the ``citizens_merged``.

A group whose merge breaks a constraint (two placements of the same person at one company on
overlapping days) is left as it is, audited as ``citizen.merge_blocked`` and logged for a person to
resolve; the step never loses a row. It is idempotent: a second run finds nothing to do. It runs under
an advisory lock, so replicas starting together do it once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

import asyncpg

from placement.audit.repository import record
from placement.citizens.models import Cpr, parse_cpr
from placement.citizens.vault import CprVault
from vikar_shared.db import create_pool, transaction
from vikar_shared.errors import DomainError
from vikar_shared.events.placement import CitizensMerged, EmployeeRegistered
from vikar_shared.outbox import add_event

log = logging.getLogger(__name__)

ACTOR = "system:citizen-repair"
SOURCE = "placement"
_LOCK_KEY = 0x63707231  # "cpr1"


@dataclass
class RepairReport:
    merged: list[tuple[UUID, UUID]] = field(default_factory=list)
    """(kept citizen, merged citizen) pairs."""
    normalised: list[UUID] = field(default_factory=list)
    blocked: list[list[UUID]] = field(default_factory=list)
    unreadable: list[UUID] = field(default_factory=list)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


async def _references(conn: asyncpg.Connection) -> list[tuple[str, str]]:
    """Every (table, column) with a foreign key to ``citizens (id)``."""
    rows = await conn.fetch(
        """select c.conrelid::regclass::text as tbl, a.attname as col
           from pg_constraint c
           join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any (c.conkey)
           where c.contype = 'f' and c.confrelid = 'citizens'::regclass
           order by 1, 2"""
    )
    return [(r["tbl"], _quote(r["col"])) for r in rows]


async def _merge_group(
    conn: asyncpg.Connection,
    vault: CprVault,
    cpr: Cpr,
    members: Sequence[asyncpg.Record],
    references: Sequence[tuple[str, str]],
    report: RepairReport,
) -> None:
    lookup = vault.lookup_hash(cpr)
    keeper = next((m for m in members if m["cpr_hash"] == lookup), members[0])
    others = [m for m in members if m["id"] != keeper["id"]]
    latest = await conn.fetchrow(
        """select id, citizen_id from referrals where citizen_id = any ($1::uuid[])
           order by created_at desc, id desc limit 1""",
        [m["id"] for m in members],
    )
    names = {m["id"]: m["name"] for m in members}
    # Issue 13: the kept citizen keeps its employee number; without one it takes the first merged citizen's.
    number, employed_from = keeper["employee_number"], keeper["employed_from"]
    numbered_merged: list[asyncpg.Record] = []
    for other in others:
        moved: dict[str, int] = {}
        for table, column in references:
            status = await conn.execute(
                f"update {table} set {column} = $1 where {column} = $2",
                keeper["id"],
                other["id"],
            )
            moved[table] = int(status.rsplit(" ", 1)[-1])
        await conn.execute("delete from citizens where id = $1", other["id"])
        if other["employee_number"] is not None:
            numbered_merged.append(other)
            if number is None:
                number, employed_from = other["employee_number"], other["employed_from"]
        await record(
            conn,
            actor=ACTOR,
            action="citizen.merged",
            subject=keeper["id"],
            details={
                "merged_citizen_id": str(other["id"]),
                "merged_name": other["name"],
                "merged_created_at": other["created_at"].isoformat(),
                "kept_name": keeper["name"],
                "moved": moved,
                "why": "the same CPR number stored with full-width digits",
                "merged_employee_number": other["employee_number"],
                "kept_employee_number": number,
            },
        )
        await add_event(
            conn,
            CitizensMerged(
                kept_citizen_id=keeper["id"],
                merged_citizen_id=other["id"],
                merged_at=await conn.fetchval("select now()"),
            ),
            source=SOURCE,
            subject=keeper["id"],
            key=keeper["id"],
        )
        report.merged.append((keeper["id"], other["id"]))
    name = names[latest["citizen_id"]] if latest is not None else keeper["name"]
    if name != keeper["name"] and latest is not None:
        await conn.execute(
            """insert into citizen_name_changes (citizen_id, referral_id, old_name, new_name, changed_by)
               values ($1, $2, $3, $4, $5)""",
            keeper["id"],
            latest["id"],
            keeper["name"],
            name,
            ACTOR,
        )
    await conn.execute(
        "update citizens set cpr_hash = $2, cpr_encrypted = $3, name = $4 where id = $1",
        keeper["id"],
        lookup,
        vault.seal(cpr),
        name,
    )
    if numbered_merged:
        await _employ_kept(conn, keeper, number, employed_from)
    if not others:
        await record(conn, actor=ACTOR, action="citizen.cpr_normalised", subject=keeper["id"], details={})
        report.normalised.append(keeper["id"])


async def _employ_kept(conn: asyncpg.Connection, keeper: asyncpg.Record, number: int, employed_from: date) -> None:
    """After merging a numbered citizen into ``keeper``: the kept citizen holds ``number`` (its own, or the merged
    one's when it had none; the merged row, deleted, held it until now) and is announced again
    (``placement.employee_registered`` keyed by the kept id, after its ``citizens_merged`` events), so the pay
    side learns which number the person keeps. A number taken from the merged citizen is audited."""
    if keeper["employee_number"] is None:
        await conn.execute(
            "update citizens set employee_number = $2, employed_from = $3 where id = $1",
            keeper["id"],
            number,
            employed_from,
        )
        await record(
            conn,
            actor=ACTOR,
            action="citizen.employee_number_moved",
            subject=keeper["id"],
            details={"employee_number": number, "employed_from": employed_from.isoformat()},
        )
    await conn.execute("update citizens set employee_announced_at = now() where id = $1", keeper["id"])
    await add_event(
        conn,
        EmployeeRegistered(citizen_id=keeper["id"], employee_number=number, employed_from=employed_from),
        source=SOURCE,
        subject=keeper["id"],
        key=keeper["id"],
    )


async def merge_duplicate_citizens(conn: asyncpg.Connection, vault: CprVault) -> RepairReport:
    """Runs the repair in one transaction (one savepoint per group); returns what it did."""
    report = RepairReport()
    async with conn.transaction():
        await conn.execute("select pg_advisory_xact_lock($1)", _LOCK_KEY)
        rows = await conn.fetch(
            """select id, cpr_hash, cpr_encrypted, name, created_at, employee_number, employed_from
               from citizens order by created_at, id"""
        )
        groups: dict[bytes, tuple[Cpr, list[asyncpg.Record]]] = {}
        for row in rows:
            stored = vault.open(row["cpr_encrypted"])
            try:
                cpr = parse_cpr(stored.digits)
            except DomainError:
                report.unreadable.append(row["id"])
                continue
            groups.setdefault(vault.lookup_hash(cpr), (cpr, []))[1].append(row)
        todo = [
            (cpr, members)
            for lookup, (cpr, members) in groups.items()
            if len(members) > 1
            or members[0]["cpr_hash"] != lookup
            or vault.open(members[0]["cpr_encrypted"]).digits != cpr.digits
        ]
        if not todo:
            return report
        references = await _references(conn)
        for cpr, members in todo:
            try:
                async with conn.transaction():
                    await _merge_group(conn, vault, cpr, members, references, report)
            except asyncpg.IntegrityConstraintViolationError as error:
                ids = [m["id"] for m in members]
                report.blocked.append(ids)
                log.warning("citizens %s are one person but cannot be merged: %s", ids, type(error).__name__)
                await record(
                    conn,
                    actor=ACTOR,
                    action="citizen.merge_blocked",
                    subject=ids[0],
                    details={
                        "citizen_ids": [str(i) for i in ids],
                        "constraint": getattr(error, "constraint_name", None),
                    },
                )
    if report.unreadable:
        log.warning("citizens with a sealed CPR that is not a valid number: %s", report.unreadable)
    log.info(
        "citizen repair: %d merged, %d normalised, %d blocked",
        len(report.merged),
        len(report.normalised),
        len(report.blocked),
    )
    return report


async def repair(dsn: str, vault: CprVault) -> RepairReport:
    pool = await create_pool(dsn, min_size=1, max_size=1)
    try:
        async with transaction(pool) as conn:
            return await merge_duplicate_citizens(conn, vault)
    finally:
        await pool.close()


def main() -> None:
    """``python -m placement.citizens.repair``: the same step, for deployments that migrate separately."""
    from placement.config import PlacementSettings

    settings = PlacementSettings()
    report = asyncio.run(repair(settings.database_url, CprVault(settings.cpr_encryption_key, settings.cpr_hash_key)))
    print(f"merged {len(report.merged)}, normalised {len(report.normalised)}, blocked {len(report.blocked)}")


if __name__ == "__main__":
    main()
