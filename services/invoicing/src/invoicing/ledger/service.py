"""Ledger use cases: close billing periods into drafts, review / regenerate / delete drafts, issue.

Services take domain inputs and return domain objects (``invoicing.ledger.models``); they never commit,
except :func:`close`, which runs one transaction per batch of companies (``CLOSE_BATCH_COMPANIES``, so its
progress is visible and a crash loses at most one batch's work, which a second close redoes: the same drafts,
nothing twice).
Every change to one company's ledger holds that company's advisory lock, so a close, a regenerate, a
delete and an issue of the same company never interleave.

Problem codes: 404 ``invoice-not-found``, ``close-not-found``; 409 ``invoice-issued`` (an issued
invoice is never edited or deleted), ``invoice-empty``, ``invoice-negative-total``, ``buyer-incomplete``;
422 ``close-through-future`` (field ``through``); 403 ``forbidden`` (roles other than finance and admin).
Sources: momsbekendtgørelsen § 58 (the fields of a full invoice); ``shared/docs/domain.md`` rules 3, 4, 8.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from invoicing.companies import service as companies
from invoicing.companies.models import Company
from invoicing.ledger import repository
from invoicing.ledger.models import (
    Close,
    DocumentType,
    Invoice,
    InvoiceStatus,
    Issue,
    Party,
    UnbilledEntry,
    credit_note,
    credit_of_what_is_owed,
    draft,
    due_date,
    group_credit_lines,
    group_lines,
    invoice_number,
    plan_drafts,
)
from invoicing.payments import service as payments
from invoicing.periods import BillingPeriod
from vikar_shared.auth import Principal, Role
from vikar_shared.db import transaction
from vikar_shared.errors import conflict, forbidden, invalid, not_found
from vikar_shared.events.invoicing import CreditNoteIssued, InvoiceIssued, IssuedInvoiceLine
from vikar_shared.outbox import add_event

SOURCE = "invoicing"
LEDGER_ROLES = frozenset({Role.FINANCE, Role.ADMIN})
# A close drafts this many companies per transaction (a crash loses at most one batch, which the next close redoes).
CLOSE_BATCH_COMPANIES = 50
# A close refreshes the ledger tables' statistics once it has drafted this many entries, then at each doubling.
ANALYZE_AFTER_ENTRIES = 2_000
# Called after each company of a close: (companies done, companies in all, invoices drafted so far).
Progress = Callable[[int, int, int], None]


def _finance(actor: Principal) -> None:
    if actor.role not in LEDGER_ROLES:
        raise forbidden("Only finance and admin run closes and change invoices")


# --- the close -----------------------------------------------------------------------------------------------


async def close(
    pool: asyncpg.Pool,
    actor: Principal,
    through: date,
    *,
    today: date,
    anchor: date,
    progress: Progress | None = None,
) -> Close:
    """Drafts, for every company with accrued lines on no invoice, every billing period ended on or before
    ``through`` and not closed yet: one draft per company and period that has lines (its own, plus the
    company's late lines on the first one), nothing for an empty period. Lists the approved entries with a
    work date on or before ``through`` still waiting for their placement or municipality terms.

    Idempotent: a period once drafted is closed (``company_closed_periods``), and an entry is on at most one
    invoice, so running it twice drafts nothing twice. ``today``: the agency's date; ``through`` after it is
    422 ``close-through-future``. A period ends with its last day, so a close through ``today`` drafts the
    periods that ended by yesterday (hours may still be worked and entered today): the close's ``through``
    is then yesterday. ``anchor``: the Monday fortnights count from."""
    _finance(actor)
    if through > today:
        raise invalid("through", "close-through-future", f"through must be today ({today}) or earlier")
    through = min(through, today - timedelta(days=1))
    close_id = uuid.uuid4()
    async with transaction(pool) as conn:
        company_ids = await repository.companies_with_unbilled_lines(conn, through)
        await repository.insert_close(conn, close_id, through, actor.subject, len(company_ids))
    drafted = 0
    # Statistics of the ledger's tables are refreshed each time this close has doubled what it drafted
    # (from ANALYZE_AFTER_ENTRIES on): a few analyzes per close, so plans follow the tables' growth (bench/close).
    entries, analyze_at = 0, ANALYZE_AFTER_ENTRIES
    for first in range(0, len(company_ids), CLOSE_BATCH_COMPANIES):
        batch = company_ids[first : first + CLOSE_BATCH_COMPANIES]
        async with transaction(pool) as conn:
            made, placed = await _close_companies(conn, close_id, batch, through, anchor)
            await repository.close_progressed(conn, close_id, made, companies=len(batch))
        drafted += made
        entries += placed
        if entries >= analyze_at:
            async with transaction(pool) as conn:
                await repository.refresh_statistics(conn)
            analyze_at = 2 * entries
        if progress is not None:
            progress(first + len(batch), len(company_ids), drafted)
    async with transaction(pool) as conn:
        await repository.finish_close(conn, close_id, await repository.pending_entries(conn, through))
        result = await repository.get_close(conn, close_id)
    assert result is not None, "the close was written above"
    return result


async def _close_companies(
    conn: asyncpg.Connection, close_id: UUID, company_ids: list[UUID], through: date, anchor: date
) -> tuple[int, int]:
    """Drafts the periods of ``company_ids`` (sorted: their ledger locks are taken in that order, as every
    close takes them, so two closes never deadlock) in the caller's transaction; (drafts and credit notes
    made, entries on the drafts). A company unknown to the companies read model is billed monthly.

    Per company, in this order: corrections and adjustments of entries on its drafts net on those drafts
    (:func:`_net_on_drafts`), its open periods are drafted, and the items lowering an issued invoice go on
    credit notes (:func:`_credit_notes`). What is read and written is read and written for the whole batch at
    once (``repository.open_items_of``), a few statements per batch."""
    await repository.lock_companies(conn, company_ids)
    # One read of the batch's open items, split as main's per-company reads split them: those of an entry on a
    # draft net on it, those lowering an issued invoice go on credit notes, the rest are drafted.
    to_net: dict[UUID, list[tuple[UUID, UnbilledEntry]]] = {}
    to_credit: dict[UUID, list[UnbilledEntry]] = {}
    unbilled: dict[UUID, list[UnbilledEntry]] = {}
    for company_id, items in (await repository.open_items_of(conn, company_ids, through=through)).items():
        for draft_id, item in items:
            if item.credits_invoice_id is not None:
                to_credit.setdefault(company_id, []).append(item)
            elif draft_id is not None:
                to_net.setdefault(company_id, []).append((draft_id, item))
            else:
                unbilled.setdefault(company_id, []).append(item)
    for company_id, netted in to_net.items():
        await _net_on_drafts(conn, close_id, company_id, netted)
    closed = await repository.closed_through_of(conn, company_ids)
    known = await companies.companies(conn, company_ids)
    drafts: list[Invoice] = []
    closed_now: dict[UUID, date] = {}
    for company_id in company_ids:
        company = known.get(company_id)
        rhythm = BillingPeriod.MONTHLY if company is None else company.billing_period
        planned = plan_drafts(
            unbilled.get(company_id, []),
            rhythm,
            through=through,
            closed_through=closed.get(company_id),
            anchor=anchor,
        )
        for plan in planned:
            drafts.append(draft(uuid.uuid4(), company_id, plan.period, group_lines(plan.entries, plan.late), close_id))
        if planned:
            closed_now[company_id] = max(p.period.end for p in planned)
    await repository.insert_drafts(conn, drafts)
    await repository.set_closed_through_of(conn, closed_now)
    notes = [
        note
        for company_id in company_ids
        for note in await _credit_notes(conn, close_id, to_credit.get(company_id, []))
    ]
    await repository.insert_drafts(conn, notes)
    return len(drafts) + len(notes), sum(invoice.entry_count for invoice in drafts)


async def _net_on_drafts(
    conn: asyncpg.Connection, close_id: UUID, company_id: UUID, items: list[tuple[UUID, UnbilledEntry]]
) -> None:
    """A correction (or adjustment) of an entry on a draft invoice, not issued yet, nets on that draft: the draft
    is redrafted with its items and these (lines regrouped, net and VAT recomputed) by close ``close_id``, whose
    answer then lists it among the drafts it made or changed. ``items``: the company's (draft, item) pairs
    (``repository.open_items_of``)."""
    by_draft: dict[UUID, list[UnbilledEntry]] = {}
    for draft_id, item in items:
        by_draft.setdefault(draft_id, []).append(item)
    for draft_id, added in by_draft.items():
        invoice = await repository.get_invoice(conn, draft_id)
        assert invoice is not None and not invoice.is_issued
        items_now = await repository.items_on(conn, draft_id) + added
        await repository.release_entries(conn, draft_id)
        late = frozenset(e.entry_id for e in items_now if e.work_date < invoice.period.start)
        redrafted = draft(draft_id, company_id, invoice.period, group_lines(items_now, late), close_id)
        await repository.rewrite_draft(conn, redrafted)


async def _credit_notes(conn: asyncpg.Connection, close_id: UUID | None, items: list[UnbilledEntry]) -> list[Invoice]:
    """One draft credit note per issued invoice that ``items`` (one company's items on no document lowering
    what an issued invoice charged: a correction taking hours away from an entry on it, a negative adjustment
    of such an entry's price; ``repository.open_items_of``) lower; positive lines, VAT as on an invoice.
    Idempotent like the drafts: once inserted, the items are on the credit note."""
    by_invoice: dict[UUID, list[UnbilledEntry]] = {}
    for item in items:
        assert item.credits_invoice_id is not None
        by_invoice.setdefault(item.credits_invoice_id, []).append(item)
    notes: list[Invoice] = []
    for credited_id, members in by_invoice.items():
        if await repository.net_left_to_credit(conn, credited_id) <= 0:
            # Credited in full already (a Stripe void booked as a credit note of everything owed): a credit
            # note could not be issued (``credit-exceeds-invoice``), so none is drafted; the items stay open.
            continue
        credited = await repository.get_invoice(conn, credited_id)
        assert credited is not None, "credit items refer to an issued invoice"
        notes.append(credit_note(uuid.uuid4(), credited, group_credit_lines(members), close_id))
    return notes


async def get_close(conn: asyncpg.Connection, actor: Principal, close_id: UUID) -> Close:
    _finance(actor)
    found = await repository.get_close(conn, close_id)
    if found is None:
        raise not_found("close")
    return found


# --- drafts --------------------------------------------------------------------------------------------------


async def _locked_invoice(conn: asyncpg.Connection, invoice_id: UUID) -> Invoice:
    """The invoice with its company's ledger lock held. 404 ``invoice-not-found``."""
    company_id = await repository.company_of_invoice(conn, invoice_id)
    if company_id is None:
        raise not_found("invoice")
    await repository.lock_company(conn, company_id)
    invoice = await repository.get_invoice(conn, invoice_id)
    if invoice is None:  # deleted while we waited for the lock
        raise not_found("invoice")
    return invoice


def _still_draft(invoice: Invoice) -> None:
    if invoice.is_issued:
        raise conflict(
            "invoice-issued",
            f"Invoice {invoice.issue.number if invoice.issue else ''} is issued: it is never edited or deleted "
            "(a correction becomes a credit note)",
        )


async def regenerate(conn: asyncpg.Connection, actor: Principal, invoice_id: UUID) -> Invoice:
    """Redrafts a draft from the lines as they are now: its own entries return to the pool, then every
    accrued line on no invoice with a work date up to the end of its period goes on it (those before its
    period as late lines). A draft credit note is redrafted from the items that now lower its
    invoice. May leave it empty (issuing it is then 409 ``invoice-empty``). 409
    ``invoice-issued`` for an issued invoice."""
    _finance(actor)
    invoice = await _locked_invoice(conn, invoice_id)
    _still_draft(invoice)
    await repository.release_entries(conn, invoice_id)
    if invoice.is_credit_note:
        assert invoice.credits_invoice_id is not None
        credited = await repository.get_invoice(conn, invoice.credits_invoice_id)
        assert credited is not None
        items = await repository.credit_items(
            conn, invoice.company_id, through=date.max, credits_invoice_id=credited.invoice_id
        )
        note = credit_note(invoice_id, credited, group_credit_lines(items), invoice.close_id)
        await repository.rewrite_draft(conn, note)
        found = await repository.get_invoice(conn, invoice_id)
        assert found is not None
        return found
    entries = await repository.unbilled_entries(conn, invoice.company_id, through=invoice.period.end)
    late = frozenset(e.entry_id for e in entries if e.work_date < invoice.period.start)
    redrafted = draft(invoice_id, invoice.company_id, invoice.period, group_lines(entries, late), invoice.close_id)
    await repository.rewrite_draft(conn, redrafted)
    found = await repository.get_invoice(conn, invoice_id)
    assert found is not None
    return found


async def delete_draft(conn: asyncpg.Connection, actor: Principal, invoice_id: UUID) -> None:
    """Deletes a draft; its entries return to the pool (the next close puts them on the company's next draft,
    as late lines: the period stays closed). 409 ``invoice-issued`` for an issued invoice."""
    _finance(actor)
    invoice = await _locked_invoice(conn, invoice_id)
    _still_draft(invoice)
    await repository.delete_draft(conn, invoice_id)


async def get_invoice(conn: asyncpg.Connection, viewer: Principal, invoice_id: UUID) -> Invoice:
    """Agency staff see every invoice; a company approver sees the issued invoices of its own company;
    anything else is 404 ``invoice-not-found`` (the caller learns nothing)."""
    invoice = await repository.get_invoice(conn, invoice_id)
    if invoice is None or not _may_see(viewer, invoice):
        raise not_found("invoice")
    return invoice


async def get_issued_invoice_document(conn: asyncpg.Connection, viewer: Principal, invoice_id: UUID) -> Invoice:
    """The invoice (or credit note) whose document ``viewer`` asks for: :func:`get_invoice`'s rule, and (issue 14,
    part B) a ``service`` principal (notifications attaching the PDF to its mail) sees issued invoices and credit
    notes too, for their documents only (never through ``GET /invoices/{id}``). 404 ``invoice-not-found`` else."""
    if viewer.role is Role.SERVICE:
        invoice = await repository.get_invoice(conn, invoice_id)
        if invoice is None or not invoice.is_issued:
            raise not_found("invoice")
        return invoice
    return await get_invoice(conn, viewer, invoice_id)


def _may_see(viewer: Principal, invoice: Invoice) -> bool:
    if viewer.is_agency_staff:
        return True
    return invoice.is_issued and viewer.role is Role.COMPANY_APPROVER and viewer.may_see_company(invoice.company_id)


async def list_invoices(
    conn: asyncpg.Connection,
    viewer: Principal,
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
    """Invoices by period start, then company. A company approver sees only its own company's issued ones
    (asking for drafts gives an empty list); a municipality user nothing (403). ``company_id`` of a company
    the viewer may not see, or that this service does not know: 404 ``company-not-found``.

    Filters, all applied in the query (before ``limit``/``offset``): ``period_from``/``period_to`` the billing
    periods overlapping those days (either may be open; ``period_to`` before ``period_from`` is 422
    ``range-reversed``, field ``period_to``); ``payment_status`` (unpaid, partially_paid, paid, overpaid,
    credited: issued invoices with that account, ``invoice_accounts``); ``overdue_on`` issued invoices still
    owed whose due date is before that day."""
    if viewer.role is Role.MUNICIPALITY:
        raise forbidden("Invoices are for the agency and the company billed")
    if period_from is not None and period_to is not None and period_to < period_from:
        raise invalid("period_to", "range-reversed", "period_to is before period_from")
    if company_id is not None and (
        not viewer.may_see_company(company_id) or await companies.get_company(conn, company_id) is None
    ):
        raise not_found("company")
    if not viewer.is_agency_staff:
        if status is InvoiceStatus.DRAFT:
            return []
        status, company_id = InvoiceStatus.ISSUED, viewer.company_id
        if company_id is None:
            return []
    return await repository.list_invoices(
        conn,
        status=status,
        company_id=company_id,
        limit=limit,
        offset=offset,
        document_type=document_type,
        period_from=period_from,
        period_to=period_to,
        payment_status=payment_status,
        overdue_on=overdue_on,
    )


# --- issuing -------------------------------------------------------------------------------------------------


def _buyer(company: Company | None) -> Party:
    if company is None or company.street is None or company.postcode is None or company.city is None:
        raise conflict(
            "buyer-incomplete",
            "Invoicing does not know the company's billing address yet (momsbekendtgørelsen § 58 requires the "
            "buyer's name and address): set it in placement",
        )
    return Party(
        name=company.name,
        street=company.street,
        postcode=company.postcode,
        city=company.city,
        cvr=company.cvr,
        contact_name=company.billing_contact_name,
        contact_email=company.billing_contact_email,
    )


async def issue(
    conn: asyncpg.Connection, actor: Principal, invoice_id: UUID, *, today: date, now: datetime, seller: Party
) -> Invoice:
    """Issues a draft invoice or credit note: assigns the next number of the one gap-free sequence shared
    by invoices and credit notes, freezes the invoice and its lines (buyer, seller, terms and due date
    copied onto it) and writes
    ``invoicing.invoice_issued`` v1 (a credit note: ``invoicing.credit_note_issued`` v1, naming the invoice
    it credits) to the outbox, all in the caller's transaction.

    Numbers are ``YYYY-NNNNNN`` (:func:`invoicing.ledger.models.invoice_number`) where ``YYYY`` is the year
    of the issue date (``today``, the agency's date in Europe/Copenhagen). New Year: the first invoice issued
    on or after 1 January gets ``YYYY-000001`` of the new year, whatever period it covers (a December draft
    issued on 2 January is numbered in the new year); the old year's numbers end where they ended. Each
    year's counter is a row incremented in this transaction (locked until it ends): concurrent issues queue
    on it, and an issue that fails gives its number back, so the sequence has no gap (a PostgreSQL sequence
    would leave one).

    The due date is ``today`` + the company's ``payment_terms_days`` (a credit note is owed at once: terms 0,
    due ``today``). VAT is the draft's: 25 % of the net
    subtotal, rounded half up to whole øre once.

    Errors: 404 ``invoice-not-found``; 409 ``invoice-issued`` (issued before: never twice), ``invoice-empty``
    (no lines, or lines netting to 0 øre), ``invoice-negative-total`` (corrections outweigh the hours: a
    credit note's job), ``buyer-incomplete`` (no billing address known for the company),
    ``credit-exceeds-invoice`` (a credit note whose net is more than the net of its invoice not credited yet,
    e.g. after the invoice was voided in Stripe and booked as a credit note of everything owed)."""
    _finance(actor)
    invoice = await _locked_invoice(conn, invoice_id)
    _still_draft(invoice)
    if not invoice.lines or invoice.net_ore == 0:
        # No lines, or lines that net to nothing (hours corrected away): no number is spent on 0 kr.
        raise conflict("invoice-empty", "The draft has no lines or they net to 0 øre: there is nothing to invoice")
    if invoice.total_ore < 0:
        raise conflict("invoice-negative-total", "The draft's total is negative: that is a credit note, not an invoice")
    if invoice.is_credit_note:
        assert invoice.credits_invoice_id is not None
        left = await repository.net_left_to_credit(conn, invoice.credits_invoice_id)
        if invoice.net_ore > left:
            # Never credit more than was invoiced: earlier credit notes (or a void booked from Stripe) took it.
            raise conflict(
                "credit-exceeds-invoice",
                f"The credit note credits {invoice.net_ore} øre net, but only {max(left, 0)} øre of invoice "
                f"{invoice.credits_invoice_number} is left to credit (earlier credit notes, or the invoice was voided "
                "in Stripe): delete this draft",
            )
    company = await companies.get_company(conn, invoice.company_id)
    buyer = _buyer(company)
    assert company is not None
    sequence = await repository.next_number(conn, today.year)
    # A credit note is owed at once: its due date is its issue date (payment terms 0).
    terms = 0 if invoice.is_credit_note else company.payment_terms_days
    facts = Issue(
        number=invoice_number(today.year, sequence),
        issue_date=today,
        due_date=due_date(today, terms),
        payment_terms_days=terms,
        issued_at=now,
        issued_by=actor.subject,
        seller=seller,
        buyer=buyer,
    )
    await repository.mark_issued(conn, invoice_id, facts)
    lines = [
        IssuedInvoiceLine(
            citizen_id=line.citizen_id,
            rate_ore_per_hour=line.rate_ore_per_hour,
            minutes=line.minutes,
            amount_ore=line.amount_ore,
            late=line.late,
            first_work_date=line.first_work_date,
            last_work_date=line.last_work_date,
            adjusts_entry_id=line.adjusts_entry_id,
        )
        for line in invoice.lines
    ]
    # What an invoice and a credit note state alike (a credit note's period is the credited invoice's).
    facts_of_both: dict[str, Any] = {
        "company_id": invoice.company_id,
        "number": facts.number,
        "issue_date": facts.issue_date,
        "period_start": invoice.period.start,
        "period_end": invoice.period.end,
        "net_ore": invoice.net_ore,
        "vat_rate_percent": invoice.vat_rate_percent,
        "vat_ore": invoice.vat_ore,
        "total_ore": invoice.total_ore,
        "currency": invoice.currency,
        "lines": lines,
    }
    event: InvoiceIssued | CreditNoteIssued
    if invoice.is_credit_note:
        assert invoice.credits_invoice_id is not None and invoice.credits_invoice_number is not None
        event = CreditNoteIssued(
            credit_note_id=invoice.invoice_id,
            credited_invoice_id=invoice.credits_invoice_id,
            credited_invoice_number=invoice.credits_invoice_number,
            **facts_of_both,
        )
    else:
        event = InvoiceIssued(invoice_id=invoice.invoice_id, due_date=facts.due_date, **facts_of_both)
    await add_event(
        conn,
        event,
        source=SOURCE,
        subject=invoice.invoice_id,
        key=invoice.company_id,
    )
    if invoice.is_credit_note:
        assert invoice.credits_invoice_id is not None
        # What is owed fell: the payments made may now cover it (invoicing.invoice_paid, once).
        await payments.settle_after_credit(conn, invoice.credits_invoice_id, credited_on=today)
    # What mark_issued stored, without reading it back (the counter row stays locked until the commit, so
    # the shorter the rest of the transaction, the more issues per second: bench/close).
    return dataclasses.replace(invoice, status=InvoiceStatus.ISSUED, issue=facts)


# --- issue 10: an invoice voided in Stripe -------------------------------------------------------------------


async def credit_what_is_owed(
    conn: asyncpg.Connection, actor: Principal, invoice_id: UUID, *, today: date, now: datetime, seller: Party
) -> Invoice | None:
    """Books a credit note of all that is still owed on the issued invoice ``invoice_id`` (its total less the
    credit notes issued against it) and issues it at once through :func:`issue` (next number of the one
    gap-free sequence, ``invoicing.credit_note_issued``, the PDF and the Stripe sync queued), in the caller's
    transaction, under the company's ledger lock. The invoice itself is never edited. Lines:
    :func:`invoicing.ledger.models.credit_of_what_is_owed` (the invoice's lines, or one line for the
    remainder). Answers the issued credit note, or None when nothing is owed any more.

    ``actor``: finance or admin (the Stripe webhook job passes a system principal). Errors: 404
    ``invoice-not-found`` (no issued invoice with that id: a draft or a credit note is not credited);
    409 ``buyer-incomplete`` (from issuing); 403 ``forbidden`` for other roles."""
    _finance(actor)
    invoice = await _locked_invoice(conn, invoice_id)
    if not invoice.is_issued or invoice.is_credit_note:
        raise not_found("invoice")
    net, vat = await repository.issued_credits(conn, invoice_id)
    note = credit_of_what_is_owed(uuid.uuid4(), invoice, credited_net_ore=net, credited_vat_ore=vat)
    if note is None:
        return None
    await repository.insert_draft(conn, note)
    return await issue(conn, actor, note.invoice_id, today=today, now=now, seller=seller)
