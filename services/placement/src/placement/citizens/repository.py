from __future__ import annotations

from datetime import date
from uuid import UUID

import asyncpg

from placement.citizens.models import Caseworker, Employee, NameChangeRecorded, Referral, ReferralRecorded

_REFERRAL_SELECT = """
    select r.id, r.citizen_id, c.name as citizen_name, r.municipality_id, r.referred_on, r.weeks_unemployed,
           r.eligible, r.threshold_weeks_applied, r.terms_id, r.target_group_code, r.caseworker_name,
           r.caseworker_email, r.case_number
    from referrals r join citizens c on c.id = r.citizen_id"""


def _referral(row: asyncpg.Record) -> Referral:
    fields = dict(row)
    name, email = fields.pop("caseworker_name"), fields.pop("caseworker_email")
    caseworker = Caseworker(name=name, email=email) if name is not None else None
    return Referral(**fields, caseworker=caseworker)


async def find_or_create_citizen(
    conn: asyncpg.Connection, citizen_id: UUID, cpr_hash: bytes, sealed: bytes, name: str
) -> tuple[UUID, str | None]:
    """The same person referred again keeps one citizen id (found by the keyed hash of the CPR). Returns the
    id and the stored name when the citizen existed already (None when created now); the row stays locked
    for the caller's transaction. The stored name is never changed here (see ``rename_citizen``)."""
    for _ in range(2):
        row = await conn.fetchrow("select id, name from citizens where cpr_hash = $1 for update", cpr_hash)
        if row is not None:
            return row["id"], row["name"]
        created: UUID | None = await conn.fetchval(
            """insert into citizens (id, cpr_hash, cpr_encrypted, name) values ($1, $2, $3, $4)
               on conflict (cpr_hash) do nothing returning id""",
            citizen_id,
            cpr_hash,
            sealed,
            name,
        )
        if created is not None:
            return created, None
    raise RuntimeError("a citizen row vanished while it was being referred")


async def rename_citizen(
    conn: asyncpg.Connection, citizen_id: UUID, referral_id: UUID, old_name: str, new_name: str, actor: str
) -> None:
    """Sets the name documents use and keeps the earlier one in ``citizen_name_changes``."""
    await conn.execute("update citizens set name = $2 where id = $1", citizen_id, new_name)
    await conn.execute(
        """insert into citizen_name_changes (citizen_id, referral_id, old_name, new_name, changed_by)
           values ($1, $2, $3, $4, $5)""",
        citizen_id,
        referral_id,
        old_name,
        new_name,
        actor,
    )


async def citizen_by_hash(conn: asyncpg.Connection, cpr_hash: bytes) -> UUID | None:
    found: UUID | None = await conn.fetchval("select id from citizens where cpr_hash = $1", cpr_hash)
    return found


async def citizen_name(conn: asyncpg.Connection, citizen_id: UUID) -> str | None:
    name: str | None = await conn.fetchval("select name from citizens where id = $1", citizen_id)
    return name


async def insert_referral(conn: asyncpg.Connection, referral: Referral, actor: str) -> None:
    caseworker = referral.caseworker
    await conn.execute(
        """insert into referrals (id, citizen_id, municipality_id, referred_on, weeks_unemployed, eligible,
                                  threshold_weeks_applied, terms_id, target_group_code, caseworker_name,
                                  caseworker_email, case_number, created_by)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)""",
        referral.id,
        referral.citizen_id,
        referral.municipality_id,
        referral.referred_on,
        referral.weeks_unemployed,
        referral.eligible,
        referral.threshold_weeks_applied,
        referral.terms_id,
        referral.target_group_code,
        caseworker.name if caseworker else None,
        caseworker.email if caseworker else None,
        referral.case_number,
        actor,
    )


async def referral_on(
    conn: asyncpg.Connection, citizen_id: UUID, municipality_id: UUID, referred_on: date
) -> UUID | None:
    """The citizen's referral by the municipality on that day, if one exists."""
    found: UUID | None = await conn.fetchval(
        """select id from referrals where citizen_id = $1 and municipality_id = $2 and referred_on = $3
           order by created_at limit 1""",
        citizen_id,
        municipality_id,
        referred_on,
    )
    return found


async def get_referral(conn: asyncpg.Connection, referral_id: UUID) -> Referral | None:
    row = await conn.fetchrow(_REFERRAL_SELECT + " where r.id = $1", referral_id)
    return _referral(row) if row else None


async def referrals_of(conn: asyncpg.Connection, citizen_id: UUID, municipality_id: UUID | None) -> list[Referral]:
    """A citizen's referrals, oldest first; only those of ``municipality_id`` when given."""
    rows = await conn.fetch(
        _REFERRAL_SELECT
        + """ where r.citizen_id = $1 and ($2::uuid is null or r.municipality_id = $2)
              order by r.referred_on, r.created_at""",
        citizen_id,
        municipality_id,
    )
    return [_referral(r) for r in rows]


async def referrals_recorded(conn: asyncpg.Connection, citizen_id: UUID) -> list[ReferralRecorded]:
    """Every referral of the citizen as a timeline item (unordered)."""
    rows = await conn.fetch(
        """select id as referral_id, municipality_id, referred_on as occurred_on, created_at as recorded_at, eligible
           from referrals where citizen_id = $1""",
        citizen_id,
    )
    return [ReferralRecorded(**dict(r)) for r in rows]


async def name_changes_recorded(conn: asyncpg.Connection, citizen_id: UUID) -> list[NameChangeRecorded]:
    """Every rename of the citizen as a timeline item (unordered)."""
    rows = await conn.fetch(
        """select n.referral_id, r.municipality_id, r.referred_on as occurred_on, n.changed_at as recorded_at,
                  n.old_name, n.new_name, n.changed_by
           from citizen_name_changes n join referrals r on r.id = n.referral_id
           where n.citizen_id = $1""",
        citizen_id,
    )
    return [
        NameChangeRecorded(
            referral_id=r["referral_id"],
            municipality_id=r["municipality_id"],
            occurred_on=r["occurred_on"],
            recorded_at=r["recorded_at"],
            from_=r["old_name"],
            to=r["new_name"],
            changed_by=r["changed_by"],
        )
        for r in rows
    ]


# --- Issue 13 (part A): employee numbers ---------------------------------------------------------------------
_EMPLOYEE_COLUMNS = "id as citizen_id, employee_number, name, employed_from"


def _employee(row: asyncpg.Record) -> Employee:
    return Employee(
        citizen_id=row["citizen_id"],
        employee_number=row["employee_number"],
        name=row["name"],
        employed_from=row["employed_from"],
    )


async def assign_employee_number(conn: asyncpg.Connection, citizen_id: UUID, employed_from: date) -> Employee | None:
    """Gives the citizen the next employee number, employed from ``employed_from``, and marks it announced (the
    caller writes the event in this transaction). None when the citizen has a number already (the row lock makes
    a concurrent first placement wait and then find it)."""
    row = await conn.fetchrow(
        f"""update citizens
            set employee_number = nextval('employee_numbers'), employed_from = $2, employee_announced_at = now()
            where id = $1 and employee_number is null
            returning {_EMPLOYEE_COLUMNS}""",
        citizen_id,
        employed_from,
    )
    return _employee(row) if row is not None else None


async def employee_by_number(conn: asyncpg.Connection, employee_number: int) -> Employee | None:
    row = await conn.fetchrow(f"select {_EMPLOYEE_COLUMNS} from citizens where employee_number = $1", employee_number)
    return _employee(row) if row is not None else None


async def employees_from(conn: asyncpg.Connection, first: date, last: date) -> list[tuple[Employee, bytes]]:
    """Every citizen employed from ``first`` to ``last`` (both included), by employee number, with the sealed CPR."""
    rows = await conn.fetch(
        f"""select {_EMPLOYEE_COLUMNS}, cpr_encrypted from citizens
            where employed_from between $1 and $2
            order by employee_number""",
        first,
        last,
    )
    return [(_employee(r), r["cpr_encrypted"]) for r in rows]


async def unannounced_employees(conn: asyncpg.Connection) -> list[Employee]:
    """Numbered citizens whose number was never announced (the backfill), by number, locked for the caller."""
    rows = await conn.fetch(
        f"""select {_EMPLOYEE_COLUMNS} from citizens
            where employee_number is not null and employee_announced_at is null
            order by employee_number
            for update"""
    )
    return [_employee(r) for r in rows]


async def mark_employees_announced(conn: asyncpg.Connection, citizen_ids: list[UUID]) -> None:
    await conn.execute(
        "update citizens set employee_announced_at = now() where id = any ($1::uuid[])",
        citizen_ids,
    )
