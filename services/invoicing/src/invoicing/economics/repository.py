"""The economics' one read: per placement, the month's revenue and gross wage (tables of accruals, adjustments,
the companies and employees read models). Reads only; owns no table."""

from __future__ import annotations

from datetime import date

import asyncpg

from invoicing.economics.models import PlacementFacts
from invoicing.wage_rates import wage_in_force, wage_in_force_join

# The wage in force on a work date: the rate version with the greatest effective_from on or before the day (tie:
# the highest position) and its wage, even a null one (no wage rate in force); before the first version, or with
# none, the placement's creation wage. Gross per entry half up as invoicing.money.amount_for, in SQL:
# sign(x) * ((2 * abs(x) + 60) / 120), x = minutes * rate (integer division of non-negatives: floor).
_FACTS = f"""
with billed as (
    select placement_id, sum(amount_ore) as ore
    from (select placement_id, amount_ore from billable_lines where work_date >= $1 and work_date < $2
          union all
          select placement_id, amount_ore from bill_adjustments where work_date >= $1 and work_date < $2) b
    group by placement_id
), co_financed as (
    select e.placement_id, sum(c.amount_ore) as ore
    from (select entry_id, amount_ore from co_financing_lines where work_date >= $1 and work_date < $2
          union all
          select entry_id, amount_ore from co_financing_adjustments where work_date >= $1 and work_date < $2) c
         join approved_entries e on e.entry_id = c.entry_id
    group by e.placement_id
), priced as (
    select e.placement_id, e.company_id, e.minutes::bigint as minutes,
           {wage_in_force()} as wage
    from approved_entries e
         left join placements p on p.placement_id = e.placement_id
         {wage_in_force_join("e")}
    where e.work_date >= $1 and e.work_date < $2
), worked as (
    select placement_id, min(company_id::text)::uuid as company_id, sum(minutes) as minutes,
           sum(minutes) filter (where wage is null) as missing,
           -- invoicing.money.amount_for per entry in integer arithmetic (half away from zero; sign() would be float)
           sum(case when minutes * wage < 0 then -((2 * abs(minutes * wage) + 60) / 120)
                    else (2 * abs(minutes * wage) + 60) / 120 end)::bigint as gross
    from priced group by placement_id
), placements_of_month as (
    select placement_id from billed union select placement_id from co_financed union select placement_id from worked
)
select m.placement_id, coalesce(p.company_id, w.company_id) as company_id, c.name as company_name,
       p.municipality_id,
       (select t.municipality_name from municipality_terms t where t.municipality_id = p.municipality_id
        order by t.recorded_seq desc limit 1) as municipality_name,
       em.employee_number,
       coalesce(w.minutes, 0)::bigint as minutes, coalesce(w.missing, 0)::bigint as wage_rate_missing_minutes,
       coalesce(b.ore, 0)::bigint as revenue_company_ore, coalesce(cf.ore, 0)::bigint as revenue_municipality_ore,
       coalesce(w.gross, 0)::bigint as wage_gross_ore
from placements_of_month m
     left join placements p on p.placement_id = m.placement_id
     left join worked w on w.placement_id = m.placement_id
     left join billed b on b.placement_id = m.placement_id
     left join co_financed cf on cf.placement_id = m.placement_id
     left join companies c on c.company_id = coalesce(p.company_id, w.company_id)
     left join employees em on em.citizen_id = p.citizen_id
"""


async def placement_facts(conn: asyncpg.Connection, first_day: date, next_first_day: date) -> list[PlacementFacts]:
    """Every placement with approved hours, billable or co-financing amounts with work dates in
    ``[first_day, next_first_day)``, as recorded now."""
    return [PlacementFacts(**dict(r)) for r in await conn.fetch(_FACTS, first_day, next_first_day)]
