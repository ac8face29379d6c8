"""Selects of the reconciliation over the accrual tables, the adjustments and the ledger (writes nothing)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import asyncpg

from invoicing.reconciliation.models import DocumentCheck, EntryCharges


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
