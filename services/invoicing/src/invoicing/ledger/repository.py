"""SQL of the ledger: the only writer of ``closes``, ``company_closed_periods``, ``invoices`` (invoices and
credit notes), ``invoice_lines``, ``invoice_entries``, ``invoice_adjustments`` and ``invoice_number_counters``.
It reads the accrued ``billable_lines``, ``approved_entries`` (owned by accruals) and ``bill_adjustments``
(owned by adjustments) with selects only, through the views ``ledger_items`` / ``ledger_open_items``
(migration ``20261201_30_credit_notes_adjustments``)."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any
from uuid import UUID

import asyncpg

from invoicing.ledger.models import (
    Close,
    DocumentType,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Issue,
    Party,
    PendingEntry,
    UnbilledEntry,
)
from invoicing.periods import BillingPeriod, Period

# Advisory lock class (two-int key space; accruals uses 1 and 2): one company's ledger changes (close,
# regenerate, delete, issue) one at a time.
_COMPANY_LEDGER_LOCK = 3

_INVOICE_COLUMNS = """invoice_id, company_id, status, billing_period, period_start, period_end, close_id, net_ore,
                      vat_rate_percent, vat_ore, total_ore, currency, created_at, number, issue_date, due_date,
                      payment_terms_days, issued_at, issued_by, seller, buyer, document_type, credits_invoice_id,
                      (select c.number from invoices c where c.invoice_id = invoices.credits_invoice_id)
                          as credits_invoice_number"""


async def lock_company(conn: asyncpg.Connection, company_id: UUID) -> None:
    await conn.execute(
        "select pg_advisory_xact_lock($1::int, hashtext($2::text))", _COMPANY_LEDGER_LOCK, str(company_id)
    )


async def refresh_statistics(conn: asyncpg.Connection) -> None:
    """``analyze`` of the ledger's tables (issue 9, bench/close): a close can grow them from nothing to
    100 000 entries in one run, and plans cached while they were small (the foreign-key checks of
    ``invoice_entries``, the anti-join on it) then scan them whole for every company. Analyzing invalidates
    those plans, so they are made again for the tables as they are."""
    await conn.execute("analyze invoices, invoice_lines, invoice_entries, invoice_adjustments")


async def lock_companies(conn: asyncpg.Connection, company_ids: list[UUID]) -> None:
    """The ledger locks of ``company_ids``, taken one after the other in the order given (pass them sorted)."""
    await conn.execute(
        """select pg_advisory_xact_lock($1::int, hashtext(c::text))
           from unnest($2::uuid[]) with ordinality as t (c, n) order by n""",
        _COMPANY_LEDGER_LOCK,
        company_ids,
    )


# --- what is there to invoice --------------------------------------------------------------------------------


async def companies_with_unbilled_lines(conn: asyncpg.Connection, through: date) -> list[UUID]:
    rows = await conn.fetch(
        """select distinct company_id from ledger_open_items where work_date <= $1 order by company_id""",
        through,
    )
    return [r["company_id"] for r in rows]


async def unbilled_entries(
    conn: asyncpg.Connection, company_id: UUID, *, through: date, since: date | None = None
) -> list[UnbilledEntry]:
    """The company's accrued lines and adjustments on no document with ``since <= work_date <= through``, except
    those to be credited against an issued invoice (:func:`credit_items`)."""
    rows = await conn.fetch(
        f"""select {_ITEM_COLUMNS} from ledger_open_items
           where company_id = $1 and work_date <= $2 and ($3::date is null or work_date >= $3)
             and credits_invoice_id is null
           order by work_date, item_id""",
        company_id,
        through,
        since,
    )
    return [UnbilledEntry(**dict(r)) for r in rows]


_ITEM_COLUMNS = """item_id as entry_id, citizen_id, citizen_name, work_date, minutes, rate_ore_per_hour, amount_ore,
                   adjusts_entry_id, credits_invoice_id"""


async def open_items_of(
    conn: asyncpg.Connection, company_ids: list[UUID], *, through: date
) -> dict[UUID, list[tuple[UUID | None, UnbilledEntry]]]:
    """Per company of ``company_ids``: its items on no document (``ledger_open_items``: accrued lines and
    adjustments) with ``work_date <= through``, by work date and item id, each with the **draft** invoice its
    entry (or corrected entry) is on, if any: such a correction or adjustment of hours drafted but not invoiced
    nets on that draft. An item with ``credits_invoice_id`` goes on a credit note (:func:`credit_items`); the rest
    are the unbilled entries (:func:`unbilled_entries`).

    What a close reads per company, for a batch of companies in one statement (each read of the view hashes
    ``invoice_entries`` whole, so one read per batch rather than three: bench/close). Only a correction or an
    adjustment can be on a draft through its root entry (an ordinary open entry is its own root, on no document),
    so only they are looked up."""
    rows = await conn.fetch(
        f"""select company_id, {_ITEM_COLUMNS},
                  case when root_entry_id <> item_id then (
                      select d.invoice_id from invoice_entries ie
                           join invoices d on d.invoice_id = ie.invoice_id and d.status = 'draft'
                                          and d.document_type = 'invoice'
                      where ie.entry_id = o.root_entry_id) end as draft_id
           from ledger_open_items o
           where company_id = any($1::uuid[]) and work_date <= $2
           order by company_id, work_date, item_id""",
        company_ids,
        through,
    )
    found: dict[UUID, list[tuple[UUID | None, UnbilledEntry]]] = {}
    for r in rows:
        values = dict(r)
        company_id, draft_id = values.pop("company_id"), values.pop("draft_id")
        found.setdefault(company_id, []).append((draft_id, UnbilledEntry(**values)))
    return found


async def items_on(conn: asyncpg.Connection, invoice_id: UUID) -> list[UnbilledEntry]:
    """The entries and adjustments on a document, as items."""
    rows = await conn.fetch(
        """select item_id as entry_id, citizen_id, citizen_name, work_date, minutes, rate_ore_per_hour, amount_ore,
                  adjusts_entry_id
           from ledger_items where document_id = $1 order by work_date, item_id""",
        invoice_id,
    )
    return [UnbilledEntry(**dict(r)) for r in rows]


async def credit_items(
    conn: asyncpg.Connection, company_id: UUID, *, through: date, credits_invoice_id: UUID | None = None
) -> list[UnbilledEntry]:
    """The company's items on no document that lower what an issued invoice charged (corrections taking hours
    away, negative adjustments), each with the invoice to credit; only those of ``credits_invoice_id`` if given."""
    rows = await conn.fetch(
        f"""select {_ITEM_COLUMNS} from ledger_open_items
           where company_id = $1 and work_date <= $2 and credits_invoice_id is not null
             and ($3::uuid is null or credits_invoice_id = $3)
           order by credits_invoice_id, work_date, item_id""",
        company_id,
        through,
        credits_invoice_id,
    )
    return [UnbilledEntry(**dict(r)) for r in rows]


async def pending_entries(conn: asyncpg.Connection, through: date) -> list[PendingEntry]:
    """Approved entries with a work date on or before ``through`` not accrued yet, and what they wait for."""
    rows = await conn.fetch(
        """select e.entry_id, e.company_id, e.work_date, e.minutes,
                  case when p.placement_id is null then 'placement' else 'municipality-terms' end as waiting_for
           from approved_entries e left join placements p on p.placement_id = e.placement_id
           where e.accrued_at is null and e.work_date <= $1
           order by e.company_id, e.work_date, e.entry_id""",
        through,
    )
    return [PendingEntry(**dict(r)) for r in rows]


async def closed_through(conn: asyncpg.Connection, company_id: UUID) -> date | None:
    day: date | None = await conn.fetchval(
        "select closed_through from company_closed_periods where company_id = $1", company_id
    )
    return day


async def set_closed_through(conn: asyncpg.Connection, company_id: UUID, day: date) -> None:
    await conn.execute(
        """insert into company_closed_periods (company_id, closed_through) values ($1, $2)
           on conflict (company_id) do update set closed_through = greatest(company_closed_periods.closed_through,
                                                                            excluded.closed_through),
                                                  updated_at = now()""",
        company_id,
        day,
    )


async def closed_through_of(conn: asyncpg.Connection, company_ids: list[UUID]) -> dict[UUID, date]:
    rows = await conn.fetch(
        "select company_id, closed_through from company_closed_periods where company_id = any($1::uuid[])",
        company_ids,
    )
    return {r["company_id"]: r["closed_through"] for r in rows}


async def set_closed_through_of(conn: asyncpg.Connection, days: dict[UUID, date]) -> None:
    """The last drafted day per company: moved forward only (``greatest``), in one statement."""
    if not days:
        return
    await conn.execute(
        """insert into company_closed_periods (company_id, closed_through)
           select * from unnest($1::uuid[], $2::date[])
           on conflict (company_id) do update set closed_through = greatest(company_closed_periods.closed_through,
                                                                            excluded.closed_through),
                                                  updated_at = now()""",
        list(days),
        list(days.values()),
    )


# --- closes --------------------------------------------------------------------------------------------------


async def insert_close(conn: asyncpg.Connection, close_id: UUID, through: date, requested_by: str, total: int) -> None:
    await conn.execute(
        "insert into closes (close_id, through, requested_by, companies_total) values ($1, $2, $3, $4)",
        close_id,
        through,
        requested_by,
        total,
    )


async def close_progressed(conn: asyncpg.Connection, close_id: UUID, drafted: int, *, companies: int = 1) -> None:
    await conn.execute(
        """update closes set companies_done = companies_done + $3, invoices_drafted = invoices_drafted + $2
           where close_id = $1""",
        close_id,
        drafted,
        companies,
    )


async def finish_close(conn: asyncpg.Connection, close_id: UUID, pending: list[PendingEntry]) -> None:
    await conn.execute(
        "update closes set finished_at = now(), pending_entries = $2 where close_id = $1",
        close_id,
        [
            {
                **dataclasses.asdict(p),
                "entry_id": str(p.entry_id),
                "company_id": str(p.company_id),
                "work_date": p.work_date.isoformat(),
            }
            for p in pending
        ],
    )


async def get_close(conn: asyncpg.Connection, close_id: UUID) -> Close | None:
    row = await conn.fetchrow(
        """select close_id, through, requested_by, started_at, finished_at, companies_total, companies_done,
                  pending_entries from closes where close_id = $1""",
        close_id,
    )
    if row is None:
        return None
    values = dict(row)
    pending = tuple(
        PendingEntry(
            entry_id=UUID(p["entry_id"]),
            company_id=UUID(p["company_id"]),
            work_date=date.fromisoformat(p["work_date"]),
            minutes=int(p["minutes"]),
            waiting_for=str(p["waiting_for"]),
        )
        for p in values.pop("pending_entries")
    )
    ids = await conn.fetch("select invoice_id from invoices where close_id = $1", close_id)
    found = await invoices_by_id(conn, [r["invoice_id"] for r in ids])
    invoices = tuple(sorted(found, key=lambda i: (str(i.company_id), i.period.start)))
    return Close(**values, invoices=invoices, pending_entries=pending)


# --- invoices ------------------------------------------------------------------------------------------------


async def insert_draft(conn: asyncpg.Connection, invoice: Invoice) -> None:
    await insert_drafts(conn, [invoice])


async def insert_drafts(conn: asyncpg.Connection, invoices: list[Invoice]) -> None:
    """New drafts (invoices and credit notes) with their lines, entries and adjustments: four statements at
    most, whatever their number (invoices, lines, entries, adjustments)."""
    if not invoices:
        return
    await conn.execute(
        """insert into invoices (invoice_id, company_id, status, billing_period, period_start, period_end, close_id,
                                 net_ore, vat_rate_percent, vat_ore, total_ore, currency, document_type,
                                 credits_invoice_id)
           select i, c, 'draft', k, s, e, cl, n, r, v, t, cur, dt, cr
           from unnest($1::uuid[], $2::uuid[], $3::text[], $4::date[], $5::date[], $6::uuid[], $7::bigint[],
                       $8::integer[], $9::bigint[], $10::bigint[], $11::text[], $12::text[], $13::uuid[])
                as x (i, c, k, s, e, cl, n, r, v, t, cur, dt, cr)""",
        [i.invoice_id for i in invoices],
        [i.company_id for i in invoices],
        [i.period.kind.value for i in invoices],
        [i.period.start for i in invoices],
        [i.period.end for i in invoices],
        [i.close_id for i in invoices],
        [i.net_ore for i in invoices],
        [i.vat_rate_percent for i in invoices],
        [i.vat_ore for i in invoices],
        [i.total_ore for i in invoices],
        [i.currency for i in invoices],
        [i.document_type.value for i in invoices],
        [i.credits_invoice_id for i in invoices],
    )
    await _insert_lines(conn, invoices)


async def _insert_lines(conn: asyncpg.Connection, invoices: list[Invoice]) -> None:
    """The lines of ``invoices`` and the items behind them: entries in ``invoice_entries``, the adjustments of
    an adjustment line (``adjusts_entry_id``) in ``invoice_adjustments``."""
    lines = [(i.invoice_id, line) for i in invoices for line in i.lines]
    await conn.execute(
        """insert into invoice_lines (invoice_id, position, citizen_id, citizen_name, rate_ore_per_hour, minutes,
                                      amount_ore, late, first_work_date, last_work_date, adjusts_entry_id)
           select * from unnest($1::uuid[], $2::integer[], $3::uuid[], $4::text[], $5::bigint[], $6::integer[],
                                $7::bigint[], $8::boolean[], $9::date[], $10::date[], $11::uuid[])""",
        [i for i, _ in lines],
        [line.position for _, line in lines],
        [line.citizen_id for _, line in lines],
        [line.citizen_name for _, line in lines],
        [line.rate_ore_per_hour for _, line in lines],
        [line.minutes for _, line in lines],
        [line.amount_ore for _, line in lines],
        [line.late for _, line in lines],
        [line.first_work_date for _, line in lines],
        [line.last_work_date for _, line in lines],
        [line.adjusts_entry_id for _, line in lines],
    )
    for table, key, adjustments in (
        ("invoice_entries", "entry_id", False),
        ("invoice_adjustments", "adjustment_id", True),
    ):
        items = [
            (item_id, invoice_id, line.position)
            for invoice_id, line in lines
            if (line.adjusts_entry_id is not None) == adjustments
            for item_id in line.entry_ids
        ]
        if items:
            await conn.execute(
                f"""insert into {table} ({key}, invoice_id, position)
                   select * from unnest($1::uuid[], $2::uuid[], $3::integer[])""",
                [e for e, _, _ in items],
                [i for _, i, _ in items],
                [p for _, _, p in items],
            )


async def release_entries(conn: asyncpg.Connection, invoice_id: UUID) -> None:
    """Takes a draft's lines off it (their entries cascade): the entries return to the pool."""
    await conn.execute("delete from invoice_lines where invoice_id = $1", invoice_id)


async def rewrite_draft(conn: asyncpg.Connection, invoice: Invoice) -> None:
    """New lines and totals for a draft whose entries were released (regenerate, or a close netting a
    correction on it); ``invoice.close_id`` is the close that drafted it last (a close's answer lists it)."""
    await conn.execute(
        """update invoices set net_ore = $2, vat_ore = $3, total_ore = $4, close_id = $5
           where invoice_id = $1 and status = 'draft'""",
        invoice.invoice_id,
        invoice.net_ore,
        invoice.vat_ore,
        invoice.total_ore,
        invoice.close_id,
    )
    await _insert_lines(conn, [invoice])


async def delete_draft(conn: asyncpg.Connection, invoice_id: UUID) -> bool:
    status = await conn.execute("delete from invoices where invoice_id = $1 and status = 'draft'", invoice_id)
    return bool(status == "DELETE 1")


async def company_of_invoice(conn: asyncpg.Connection, invoice_id: UUID) -> UUID | None:
    company_id: UUID | None = await conn.fetchval("select company_id from invoices where invoice_id = $1", invoice_id)
    return company_id


async def get_invoice(conn: asyncpg.Connection, invoice_id: UUID) -> Invoice | None:
    found = await invoices_by_id(conn, [invoice_id])
    return found[0] if found else None


async def list_invoices(
    conn: asyncpg.Connection,
    *,
    status: InvoiceStatus | None,
    company_id: UUID | None,
    limit: int,
    offset: int,
    document_type: DocumentType | None = None,
    period_from: date | None = None,
    period_to: date | None = None,
    payment_status: str | None = None,
    overdue_on: date | None = None,
) -> list[Invoice]:
    """One page of documents (by period start, company, id). The payment filters read the view
    ``invoice_accounts`` (payments' migration ``20261202_40_payments_finance.sql``), joined only when asked."""
    account_filter = ""
    if payment_status is not None or overdue_on is not None:
        account_filter = """and exists (select 1 from invoice_accounts a where a.invoice_id = invoices.invoice_id
                               and ($8::text is null or a.payment_status = $8)
                               and ($9::date is null or (a.payment_status in ('unpaid', 'partially_paid')
                                                          and a.due_date < $9)))"""
    rows = await conn.fetch(
        f"""select invoice_id from invoices
           where ($1::text is null or status = $1) and ($2::uuid is null or company_id = $2)
             and ($5::text is null or document_type = $5)
             and ($6::date is null or period_end >= $6) and ($7::date is null or period_start <= $7)
             {account_filter}
           order by period_start, company_id, invoice_id limit $3 offset $4""",
        None if status is None else status.value,
        company_id,
        limit,
        offset,
        None if document_type is None else document_type.value,
        period_from,
        period_to,
        *((payment_status, overdue_on) if account_filter else ()),
    )
    return await invoices_by_id(conn, [r["invoice_id"] for r in rows])


async def invoices_by_id(conn: asyncpg.Connection, invoice_ids: list[UUID]) -> list[Invoice]:
    """The invoices with their lines (each line with its entry ids), in the order of ``invoice_ids``.

    ``e.invoice_id = any(...)`` repeats the filter on the entries' side: the planner does not carry an
    ``= any`` across the join, and without it scanned all of ``invoice_entries`` for each read (bench/close)."""
    if not invoice_ids:
        return []
    rows = await conn.fetch(f"select {_INVOICE_COLUMNS} from invoices where invoice_id = any($1::uuid[])", invoice_ids)
    line_rows = await conn.fetch(
        """select l.invoice_id, l.position, l.citizen_id, l.citizen_name, l.rate_ore_per_hour, l.minutes, l.amount_ore,
                  l.late, l.first_work_date, l.last_work_date, l.adjusts_entry_id,
                  coalesce(array_agg(e.entry_id order by e.entry_id) filter (where e.entry_id is not null), '{}')
                      as entry_ids
           from invoice_lines l left join (
                    select entry_id, invoice_id, position from invoice_entries where invoice_id = any($1::uuid[])
                    union all
                    select adjustment_id, invoice_id, position from invoice_adjustments
                    where invoice_id = any($1::uuid[])
                ) e on e.invoice_id = l.invoice_id and e.position = l.position
           where l.invoice_id = any($1::uuid[])
           group by l.invoice_id, l.position order by l.invoice_id, l.position""",
        invoice_ids,
    )
    lines: dict[UUID, list[InvoiceLine]] = {}
    for r in line_rows:
        values = dict(r)
        invoice_id = values.pop("invoice_id")
        values["entry_ids"] = tuple(values["entry_ids"])
        lines.setdefault(invoice_id, []).append(InvoiceLine(**values))
    by_id = {r["invoice_id"]: _invoice(r, tuple(lines.get(r["invoice_id"], []))) for r in rows}
    return [by_id[i] for i in invoice_ids if i in by_id]


def _party(value: dict[str, Any] | None) -> Party | None:
    return None if value is None else Party(**value)


def _invoice(row: asyncpg.Record, lines: tuple[InvoiceLine, ...]) -> Invoice:
    issue = None
    if row["status"] == InvoiceStatus.ISSUED.value:
        seller, buyer = _party(row["seller"]), _party(row["buyer"])
        assert seller is not None and buyer is not None, "an issued invoice states both parties"
        issue = Issue(
            number=row["number"],
            issue_date=row["issue_date"],
            due_date=row["due_date"],
            payment_terms_days=row["payment_terms_days"],
            issued_at=row["issued_at"],
            issued_by=row["issued_by"],
            seller=seller,
            buyer=buyer,
        )
    return Invoice(
        invoice_id=row["invoice_id"],
        company_id=row["company_id"],
        status=InvoiceStatus(row["status"]),
        period=Period(row["period_start"], row["period_end"], BillingPeriod(row["billing_period"])),
        lines=lines,
        net_ore=row["net_ore"],
        vat_rate_percent=row["vat_rate_percent"],
        vat_ore=row["vat_ore"],
        total_ore=row["total_ore"],
        currency=row["currency"],
        close_id=row["close_id"],
        created_at=row["created_at"],
        issue=issue,
        document_type=DocumentType(row["document_type"]),
        credits_invoice_id=row["credits_invoice_id"],
        credits_invoice_number=row["credits_invoice_number"],
    )


# --- issuing -------------------------------------------------------------------------------------------------


async def net_left_to_credit(conn: asyncpg.Connection, invoice_id: UUID) -> int:
    """Øre of the invoice's net not yet credited: its ``net_ore`` less the nets of the issued credit notes
    crediting it (nets are exact sums of line amounts; VAT is rounded per document, so it is not compared)."""
    left: int = await conn.fetchval(
        """select i.net_ore - coalesce((select sum(c.net_ore) from invoices c where c.credits_invoice_id = i.invoice_id
                                        and c.status = 'issued'), 0)
           from invoices i where i.invoice_id = $1""",
        invoice_id,
    )
    return left


async def next_number(conn: asyncpg.Connection, year: int) -> int:
    """The year's next sequence number. The counter row stays locked until the transaction ends, so
    concurrent issues queue and a rolled-back issue gives its number back: no gap."""
    number: int = await conn.fetchval(
        """insert into invoice_number_counters (year, last_number) values ($1, 1)
           on conflict (year) do update set last_number = invoice_number_counters.last_number + 1
           returning last_number""",
        year,
    )
    return number


async def mark_issued(conn: asyncpg.Connection, invoice_id: UUID, issue: Issue) -> None:
    await conn.execute(
        """update invoices set status = 'issued', number = $2, issue_date = $3, due_date = $4, payment_terms_days = $5,
                               issued_at = $6, issued_by = $7, seller = $8, buyer = $9
           where invoice_id = $1 and status = 'draft'""",
        invoice_id,
        issue.number,
        issue.issue_date,
        issue.due_date,
        issue.payment_terms_days,
        issue.issued_at,
        issue.issued_by,
        dataclasses.asdict(issue.seller),
        dataclasses.asdict(issue.buyer),
    )


# --- issue 10: an invoice voided in Stripe ------------------------------------------------------------------


async def issued_credits(conn: asyncpg.Connection, invoice_id: UUID) -> tuple[int, int]:
    """(net, VAT) in øre of the credit notes issued against ``invoice_id`` so far (0, 0 when none)."""
    row = await conn.fetchrow(
        """select coalesce(sum(net_ore), 0)::bigint as net, coalesce(sum(vat_ore), 0)::bigint as vat
           from invoices where credits_invoice_id = $1 and status = 'issued'""",
        invoice_id,
    )
    assert row is not None
    return int(row["net"]), int(row["vat"])
