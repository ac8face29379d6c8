"""SQL of the adjustments: the only writer of ``bill_adjustments`` and ``co_financing_adjustments``. Reads the
accrued lines and the rate read models (owned by accruals) with selects of its own."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import asyncpg

from invoicing.adjustments.models import Adjustment, Charged

# Advisory lock class 1 is accruals' placement lock (readers share it while they read a placement's rates
# and accrue; a rate change takes it alone so an accrual is priced wholly before or after it and settled).
_PLACEMENT_LOCK = 1


async def lock_placement(conn: asyncpg.Connection, placement_id: UUID) -> None:
    await conn.execute("select pg_advisory_xact_lock($1::int, hashtext($2::text))", _PLACEMENT_LOCK, str(placement_id))


async def bill_charges_of_placement(conn: asyncpg.Connection, placement_id: UUID) -> list[Charged]:
    rows = await conn.fetch(
        """select b.entry_id, b.company_id as party_id, b.placement_id, b.citizen_id, b.citizen_name, b.work_date,
                  b.minutes,
                  coalesce((select a.new_rate_ore_per_hour from bill_adjustments a where a.entry_id = b.entry_id
                            order by a.recorded_seq desc limit 1), b.rate_ore_per_hour) as charged_rate,
                  b.amount_ore + coalesce((select sum(a.amount_ore) from bill_adjustments a
                                           where a.entry_id = b.entry_id), 0) as charged_ore,
                  coalesce((select r.bill_rate_ore_per_hour from placement_bill_rates r
                            where r.placement_id = b.placement_id and r.effective_from <= b.work_date
                            order by r.effective_from desc, r.position desc limit 1),
                           p.bill_rate_ore_per_hour) as rate_now
           from billable_lines b join placements p on p.placement_id = b.placement_id
           where b.placement_id = $1
           order by b.work_date, b.entry_id""",
        placement_id,
    )
    return [Charged(**dict(r)) for r in rows]


async def co_financing_charges_of_municipality(
    conn: asyncpg.Connection, municipality_id: UUID, since: date
) -> list[Charged]:
    rows = await conn.fetch(
        """select c.entry_id, c.municipality_id as party_id, c.citizen_id, c.citizen_name, c.work_date, c.minutes,
                  coalesce((select a.new_rate_ore_per_hour from co_financing_adjustments a where a.entry_id = c.entry_id
                            order by a.recorded_seq desc limit 1), c.rate_ore_per_hour) as charged_rate,
                  c.amount_ore + coalesce((select sum(a.amount_ore) from co_financing_adjustments a
                                           where a.entry_id = c.entry_id), 0) as charged_ore,
                  t.co_financing_rate_ore_per_hour as rate_now, t.terms_id
           from co_financing_lines c
                cross join lateral (
                    select terms_id, co_financing_rate_ore_per_hour from municipality_terms t
                    where t.municipality_id = c.municipality_id and t.effective_from <= c.work_date
                    order by t.effective_from desc, t.recorded_seq desc limit 1) t
           where c.municipality_id = $1 and c.work_date >= $2
           order by c.work_date, c.entry_id""",
        municipality_id,
        since,
    )
    return [Charged(**dict(r)) for r in rows]


async def insert_bill_adjustments(conn: asyncpg.Connection, adjustments: list[Adjustment], cause: UUID) -> None:
    await conn.execute(
        """insert into bill_adjustments (adjustment_id, entry_id, company_id, placement_id, citizen_id, citizen_name,
                                         work_date, minutes, old_rate_ore_per_hour, new_rate_ore_per_hour, amount_ore,
                                         cause_event_id)
           select *, $12::uuid from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::text[],
                                         $7::date[], $8::integer[], $9::bigint[], $10::bigint[], $11::bigint[])""",
        *_columns(adjustments, [a.charged.placement_id for a in adjustments]),
        cause,
    )


async def insert_co_financing_adjustments(conn: asyncpg.Connection, adjustments: list[Adjustment], cause: UUID) -> None:
    await conn.execute(
        """insert into co_financing_adjustments (adjustment_id, entry_id, municipality_id, terms_id, citizen_id,
                                                 citizen_name, work_date, minutes, old_rate_ore_per_hour,
                                                 new_rate_ore_per_hour, amount_ore, cause_event_id)
           select *, $12::uuid from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::text[],
                                         $7::date[], $8::integer[], $9::bigint[], $10::bigint[], $11::bigint[])""",
        *_columns(adjustments, [a.charged.terms_id for a in adjustments]),
        cause,
    )


def _columns(adjustments: list[Adjustment], fourth: list[UUID | None]) -> list[list[object]]:
    return [
        [a.adjustment_id for a in adjustments],
        [a.charged.entry_id for a in adjustments],
        [a.charged.party_id for a in adjustments],
        list(fourth),
        [a.charged.citizen_id for a in adjustments],
        [a.charged.citizen_name for a in adjustments],
        [a.charged.work_date for a in adjustments],
        [a.charged.minutes for a in adjustments],
        [a.charged.charged_rate for a in adjustments],
        [a.charged.rate_now for a in adjustments],
        [a.amount_ore for a in adjustments],
    ]
