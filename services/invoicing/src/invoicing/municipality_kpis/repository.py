"""SQL of the progress figures: the read model fed by placement's events (``kpi_placements``,
``kpi_first_days``, migration ``20261210_10``) and the set-based aggregations over it, the co-financing lines
and the terms read model. Each aggregation is one statement over the municipality's rows (no per-citizen
round trip)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import asyncpg

from invoicing.municipality_kpis.models import (
    LASTING_WORK_REASONS,
    CitizenMonthRow,
    PlacementMonthRow,
    Retention,
    TermsFacts,
)

# --- the read model ------------------------------------------------------------------------------------------


async def insert_placement(
    conn: asyncpg.Connection,
    *,
    placement_id: UUID,
    municipality_id: UUID,
    citizen_id: UUID,
    status: str,
    start_date: date,
    end_date: date | None,
) -> None:
    """Adds the placement; a known one is left as it is (a redelivered created event must not put a later status
    back). The citizen id passes the alias trigger (a merged id is stored as the kept one)."""
    await conn.execute(
        """insert into kpi_placements (placement_id, municipality_id, citizen_id, status, start_date, end_date)
           values ($1, $2, $3, $4, $5, $6)
           on conflict (placement_id) do nothing""",
        placement_id,
        municipality_id,
        citizen_id,
        status,
        start_date,
        end_date,
    )


async def set_status(
    conn: asyncpg.Connection,
    *,
    placement_id: UUID,
    citizen_id: UUID,
    status: str,
    start_date: date,
    end_date: date | None,
    end_reason: str | None,
) -> bool:
    """Sets the lifecycle of the placement. A placement this read model has not seen (created before it existed)
    is added under its municipality in invoicing's placements read model (accruals'); False, and nothing
    written, when neither knows it."""
    written = await conn.fetchval(
        """insert into kpi_placements (placement_id, municipality_id, citizen_id, status, start_date, end_date,
                                      end_reason)
           select $1, known.municipality_id, $2, $3, $4, $5, $6
             from (select coalesce((select municipality_id from kpi_placements where placement_id = $1),
                                   (select municipality_id from placements where placement_id = $1))
                          as municipality_id) as known
            where known.municipality_id is not null
           on conflict (placement_id) do update
              set citizen_id = excluded.citizen_id, status = excluded.status, start_date = excluded.start_date,
                  end_date = excluded.end_date, end_reason = excluded.end_reason, updated_at = now()
           returning true""",
        placement_id,
        citizen_id,
        status,
        start_date,
        end_date,
        end_reason,
    )
    return bool(written)


async def record_first_day(
    conn: asyncpg.Connection, *, activity_id: UUID, citizen_id: UUID, placement_id: UUID | None, occurred_on: date
) -> None:
    """Inserts the first day; a redelivery changes nothing."""
    await conn.execute(
        """insert into kpi_first_days (activity_id, citizen_id, placement_id, occurred_on) values ($1, $2, $3, $4)
           on conflict (activity_id) do nothing""",
        activity_id,
        citizen_id,
        placement_id,
        occurred_on,
    )


# --- the figures ---------------------------------------------------------------------------------------------


async def terms_facts(conn: asyncpg.Connection, municipality_id: UUID, as_of: date) -> TermsFacts | None:
    """The name on the latest terms version, the target of the version in force on ``as_of`` (latest
    ``effective_from`` on or before it, the one recorded last of a tie) and the agreement's first effective day;
    None for a municipality no terms have named."""
    row = await conn.fetchrow(
        """select (select municipality_name from municipality_terms where municipality_id = $1
                    order by recorded_seq desc limit 1) as name,
                  (select target_unique_citizens from municipality_terms
                    where municipality_id = $1 and effective_from <= $2
                    order by effective_from desc, recorded_seq desc limit 1) as target,
                  (select min(effective_from) from municipality_terms where municipality_id = $1) as first_effective""",
        municipality_id,
        as_of,
    )
    if row is None or row["name"] is None:
        return None
    return TermsFacts(name=row["name"], target=row["target"], first_effective=row["first_effective"])


async def citizen_months(conn: asyncpg.Connection, municipality_id: UUID, as_of: date) -> list[CitizenMonthRow]:
    """Per month (first day) with co-financed lines worked on or before ``as_of``: the net minutes (corrections
    included) and how many citizens were first reached that month. A citizen is reached when their net minutes
    through ``as_of`` are above 0, first in the earliest month whose net minutes are above 0."""
    rows = await conn.fetch(
        """with per_citizen_month as (
               select citizen_id, date_trunc('month', work_date::timestamp)::date as month, sum(minutes) as minutes
                 from co_financing_lines
                where municipality_id = $1 and work_date <= $2
                group by citizen_id, date_trunc('month', work_date::timestamp)
           ),
           reached as (
               select min(month) filter (where minutes > 0) as month
                 from per_citizen_month
                group by citizen_id
               having sum(minutes) > 0
           ),
           minutes as (select month, sum(minutes)::bigint as minutes from per_citizen_month group by month),
           new as (select month, count(*)::int as new_citizens from reached group by month)
           select month, coalesce(minutes.minutes, 0) as minutes, coalesce(new.new_citizens, 0) as new_citizens
             from minutes full join new using (month)
            order by month""",
        municipality_id,
        as_of,
    )
    return [CitizenMonthRow(month=r["month"], minutes=r["minutes"], new_citizens=r["new_citizens"]) for r in rows]


async def placement_months(conn: asyncpg.Connection, municipality_id: UUID, as_of: date) -> list[PlacementMonthRow]:
    """Per month: placements started (active or ended, start date in the month and on or before ``as_of``) and
    ended (ended, end date in the month and on or before ``as_of``) per end reason (None for starts)."""
    rows = await conn.fetch(
        """select date_trunc('month', start_date::timestamp)::date as month, false as ended, null::text as end_reason,
                  count(*)::int as placements
             from kpi_placements
            where municipality_id = $1 and status in ('active', 'ended') and start_date <= $2
            group by 1
           union all
           select date_trunc('month', end_date::timestamp)::date, true, end_reason, count(*)::int
             from kpi_placements
            where municipality_id = $1 and status = 'ended' and end_date <= $2
            group by 1, 3
           order by 1, 2, 3""",
        municipality_id,
        as_of,
    )
    return [
        PlacementMonthRow(month=r["month"], ended=r["ended"], end_reason=r["end_reason"], placements=r["placements"])
        for r in rows
    ]


async def retention(
    conn: asyncpg.Connection, municipality_id: UUID, as_of: date, days: tuple[int, ...]
) -> list[Retention]:
    """For each of ``days``: of the municipality's citizens whose first day + days lies on or before ``as_of``,
    how many were in work that day (see :class:`Retention`).

    A citizen's first day: the earliest logged first day (``kpi_first_days``) of a citizen with a placement of
    this municipality, that names no placement or one of this municipality's; else the start date of their
    earliest started (active or ended) placement of this municipality. In work on day D: a started placement of
    this municipality with start date on or before D that is active, or ended on or after D, or ended (on or
    before D) for a reason in ``LASTING_WORK_REASONS``."""
    rows = await conn.fetch(
        """with mine as (
               select placement_id, citizen_id, status, start_date, end_date, end_reason
                 from kpi_placements where municipality_id = $1
           ),
           logged as (
               select f.citizen_id, min(f.occurred_on) as first_day
                 from kpi_first_days f
                where f.citizen_id in (select citizen_id from mine)
                  and (f.placement_id is null or f.placement_id in (select placement_id from mine))
                group by f.citizen_id
           ),
           started as (
               select citizen_id, min(start_date) as first_day
                 from mine where status in ('active', 'ended') group by citizen_id
           ),
           first_days as (
               select citizen_id, coalesce(logged.first_day, started.first_day) as first_day
                 from logged full join started using (citizen_id)
           ),
           measured as (
               select fd.citizen_id, d.days, fd.first_day + d.days as day
                 from first_days fd cross join unnest($3::int[]) as d(days)
                where fd.first_day + d.days <= $2
           ),
           in_work as (
               select distinct m.citizen_id, m.days
                 from measured m join mine p on p.citizen_id = m.citizen_id
                where p.status in ('active', 'ended') and p.start_date <= m.day
                  and (p.status = 'active' or p.end_date >= m.day or p.end_reason = any($4::text[]))
           )
           select d.days, count(m.citizen_id)::int as measured, count(w.citizen_id)::int as in_work
             from unnest($3::int[]) as d(days)
             left join measured m on m.days = d.days
             left join in_work w on w.citizen_id = m.citizen_id and w.days = m.days
            group by d.days
            order by d.days""",
        municipality_id,
        as_of,
        list(days),
        sorted(LASTING_WORK_REASONS),
    )
    return [Retention(days=r["days"], measured=r["measured"], in_work=r["in_work"]) for r in rows]
