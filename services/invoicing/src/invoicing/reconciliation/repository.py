"""Selects of the reconciliation over the accrual tables, the adjustments and the ledger (writes nothing)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import asyncpg

from invoicing.reconciliation.models import (
    CoFinancedItems,
    DocumentCheck,
    EntryCharges,
    StatementCheck,
    StatementLineCheck,
)


async def entry_charges(conn: asyncpg.Connection, through: date) -> list[EntryCharges]:
    """Every accrued approved entry worked on or before ``through`` with the bill rate in force on its work
    date now (the placement's versions, else its creation rate) and its charges by document state."""
    rows = await conn.fetch(
        """select e.entry_id, e.company_id, e.work_date, e.minutes,
                  coalesce((select r.bill_rate_ore_per_hour from placement_bill_rates r
                            where r.placement_id = e.placement_id and r.effective_from <= e.work_date
                            order by r.effective_from desc, r.position desc limit 1),
                           p.bill_rate_ore_per_hour) as rate_ore_per_hour,
                  coalesce(sum(li.amount_ore) filter (where d.status = 'issued' and d.document_type = 'invoice'), 0)
                      as invoiced_ore,
                  coalesce(-sum(li.amount_ore) filter (where d.status = 'issued' and d.document_type = 'credit_note'),
                           0) as credited_ore,
                  coalesce(sum(li.amount_ore) filter (where d.status is distinct from 'issued'), 0)
                      as not_yet_invoiced_ore
           from approved_entries e
                join placements p on p.placement_id = e.placement_id
                left join ledger_items li on li.entry_id = e.entry_id
                left join invoices d on d.invoice_id = li.document_id
           where e.accrued_at is not null and e.work_date <= $1
           group by e.entry_id, p.bill_rate_ore_per_hour""",
        through,
    )
    return [EntryCharges(**dict(r)) for r in rows]


async def document_checks(conn: asyncpg.Connection, through: date) -> list[DocumentCheck]:
    """Every invoice and credit note whose period starts on or before ``through``, with the sum of its items."""
    rows = await conn.fetch(
        """select i.invoice_id, i.company_id, i.document_type, i.number, i.net_ore,
                  coalesce((select sum(li.amount_ore) from ledger_items li where li.document_id = i.invoice_id), 0)
                      as items_ore
           from invoices i where i.period_start <= $1
             -- A credit note booking a Stripe void credits amounts, not items (issue 10): voided_per_company.
             and not exists (select 1 from stripe_voided_invoices v where v.credit_note_id = i.invoice_id)""",
        through,
    )
    return [DocumentCheck(**dict(r)) for r in rows]


async def voided_per_company(conn: asyncpg.Connection, through: date) -> dict[UUID, int]:
    """Per company, the nets (øre) of the issued credit notes that book invoices voided (or marked
    uncollectible) in Stripe, of periods starting on or before ``through``."""
    rows = await conn.fetch(
        """select i.company_id, sum(i.net_ore)::bigint as voided_ore
           from invoices i join stripe_voided_invoices v on v.credit_note_id = i.invoice_id
           where i.status = 'issued' and i.period_start <= $1 group by i.company_id""",
        through,
    )
    return {r["company_id"]: int(r["voided_ore"]) for r in rows}


async def pending_per_company(conn: asyncpg.Connection, through: date) -> dict[UUID, int]:
    rows = await conn.fetch(
        """select company_id, count(*) as n from approved_entries
           where accrued_at is null and work_date <= $1 group by company_id""",
        through,
    )
    return {r["company_id"]: int(r["n"]) for r in rows}


# --- Issue 11: per municipality ------------------------------------------------------------------------------------
# The co-financing lines and adjustments ("items") with the statement line each is on, if any. An adjustment's
# minutes are its entry's (already on the entry's line), so it adds none.
_ITEMS = """select l.municipality_id, l.work_date, l.minutes, l.amount_ore, se.statement_id, se.position
            from co_financing_lines l left join statement_entries se on se.entry_id = l.entry_id
            union all
            select a.municipality_id, a.work_date, 0, a.amount_ore, sa.statement_id, sa.position
            from co_financing_adjustments a
                 left join statement_adjustments sa on sa.adjustment_id = a.adjustment_id"""


async def co_financed_items(conn: asyncpg.Connection, through: date) -> list[CoFinancedItems]:
    """Per municipality, the co-financing lines and adjustments worked on or before ``through``: all of them,
    and those on no issued (correction) statement (in the pool or on drafts)."""
    rows = await conn.fetch(
        f"""select i.municipality_id,
                   coalesce(sum(i.amount_ore), 0)::bigint as co_financed_ore,
                   coalesce(sum(i.minutes), 0)::bigint as co_financed_minutes,
                   coalesce(sum(i.amount_ore) filter (where s.status is distinct from 'issued'), 0)::bigint
                       as not_yet_stated_ore,
                   coalesce(sum(i.minutes) filter (where s.status is distinct from 'issued'), 0)::bigint
                       as not_yet_stated_minutes
            from ({_ITEMS}) i left join statements s on s.statement_id = i.statement_id
            where i.work_date <= $1
            group by i.municipality_id""",
        through,
    )
    return [CoFinancedItems(**dict(r)) for r in rows]


async def statement_line_checks(conn: asyncpg.Connection, through: date) -> list[StatementLineCheck]:
    """Every line of a statement or correction statement (draft or issued) whose first work date, or the work
    date of an item on it, is on or before ``through``, with the sums of the items on it and of those worked
    after ``through``."""
    rows = await conn.fetch(
        f"""with on_lines as (
                select i.statement_id, i.position,
                       sum(i.amount_ore)::bigint as items_ore, sum(i.minutes)::bigint as items_minutes,
                       coalesce(sum(i.amount_ore) filter (where i.work_date > $1), 0)::bigint as later_items_ore,
                       coalesce(sum(i.minutes) filter (where i.work_date > $1), 0)::bigint as later_items_minutes,
                       bool_or(i.work_date <= $1) as any_through
                from ({_ITEMS}) i where i.statement_id is not null
                group by i.statement_id, i.position
            )
            select s.statement_id, s.municipality_id, s.document_type, s.status, s.number, ln.position,
                   ln.citizen_id, ln.amount_ore, ln.minutes,
                   coalesce(o.items_ore, 0) as items_ore, coalesce(o.items_minutes, 0) as items_minutes,
                   coalesce(o.later_items_ore, 0) as later_items_ore,
                   coalesce(o.later_items_minutes, 0) as later_items_minutes
            from statement_lines ln
                 join statements s on s.statement_id = ln.statement_id
                 left join on_lines o on o.statement_id = ln.statement_id and o.position = ln.position
            where ln.first_work_date <= $1 or o.any_through""",
        through,
    )
    return [StatementLineCheck(**dict(r)) for r in rows]


async def statement_checks(conn: asyncpg.Connection, through: date) -> list[StatementCheck]:
    """Every statement and correction statement (draft or issued) whose period starts on or before ``through``,
    with the sums of the co-financing lines and adjustments on it."""
    rows = await conn.fetch(
        """with items as (
               select se.statement_id, l.amount_ore, l.minutes
               from statement_entries se join co_financing_lines l on l.entry_id = se.entry_id
               union all
               select sa.statement_id, a.amount_ore, 0
               from statement_adjustments sa join co_financing_adjustments a on a.adjustment_id = sa.adjustment_id
           ), on_statements as (
               select statement_id, sum(amount_ore)::bigint as items_ore, sum(minutes)::bigint as items_minutes
               from items group by statement_id
           )
           select s.statement_id, s.municipality_id, s.document_type, s.status, s.number, s.net_ore, s.total_minutes,
                  coalesce(o.items_ore, 0) as items_ore, coalesce(o.items_minutes, 0) as items_minutes
           from statements s left join on_statements o on o.statement_id = s.statement_id
           where s.period_start <= $1""",
        through,
    )
    return [StatementCheck(**dict(r)) for r in rows]


async def pending_per_municipality(conn: asyncpg.Connection, through: date) -> dict[UUID, int]:
    """Per municipality, approved entries of its eligible placements worked on or before ``through`` and not
    accrued yet (the terms in force are not known yet)."""
    rows = await conn.fetch(
        """select p.municipality_id, count(*) as n
           from approved_entries e join placements p on p.placement_id = e.placement_id
           where e.accrued_at is null and e.work_date <= $1 and p.co_financing_eligible
           group by p.municipality_id""",
        through,
    )
    return {r["municipality_id"]: int(r["n"]) for r in rows}


async def municipality_names(conn: asyncpg.Connection) -> dict[UUID, str]:
    """Each municipality's name in its terms recorded last."""
    rows = await conn.fetch(
        """select distinct on (municipality_id) municipality_id, municipality_name from municipality_terms
           order by municipality_id, recorded_seq desc"""
    )
    return {r["municipality_id"]: r["municipality_name"] for r in rows}
