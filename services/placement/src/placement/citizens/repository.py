from __future__ import annotations

from uuid import UUID

import asyncpg

from placement.citizens.schemas import ReferralOut


async def find_or_create_citizen(
    conn: asyncpg.Connection, citizen_id: UUID, cpr_hash: bytes, sealed: bytes, name: str
) -> UUID:
    """The same person referred again keeps one citizen id (found by the keyed hash of the CPR)."""
    row = await conn.fetchrow(
        """insert into citizens (id, cpr_hash, cpr_encrypted, name) values ($1, $2, $3, $4)
           on conflict (cpr_hash) do update set name = excluded.name
           returning id""",
        citizen_id,
        cpr_hash,
        sealed,
        name,
    )
    assert row is not None
    found: UUID = row["id"]
    return found


async def insert_referral(conn: asyncpg.Connection, referral: ReferralOut, actor: str) -> None:
    await conn.execute(
        """insert into referrals (id, citizen_id, municipality_id, referred_on, weeks_unemployed, eligible,
                                  threshold_weeks_applied, terms_id, created_by)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9)""",
        referral.id,
        referral.citizen_id,
        referral.municipality_id,
        referral.referred_on,
        referral.weeks_unemployed,
        referral.eligible,
        referral.threshold_weeks_applied,
        referral.terms_id,
        actor,
    )


async def get_referral(conn: asyncpg.Connection, referral_id: UUID) -> ReferralOut | None:
    row = await conn.fetchrow(
        """select r.id, r.citizen_id, c.name as citizen_name, r.municipality_id, r.referred_on,
                  r.weeks_unemployed, r.eligible, r.threshold_weeks_applied, r.terms_id
           from referrals r join citizens c on c.id = r.citizen_id where r.id = $1""",
        referral_id,
    )
    return ReferralOut(**dict(row)) if row else None
