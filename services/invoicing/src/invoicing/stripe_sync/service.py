"""Stripe sync use cases: carry one issued invoice or credit note to Stripe, moving its ``stripe_syncs`` row
through ``issued -> stripe_pending -> stripe_synced`` (or ``stripe_failed``).

One attempt (:func:`sync_next`) is three steps, and Stripe is only called between transactions, never inside
one (a transaction held open over a network call would hold the row's lock and a connection for as long as
Stripe takes, and a rollback cannot undo what Stripe did):

1. claim (transaction): the document due longest, ``for update skip locked``; state ``stripe_pending``,
   ``attempts + 1``, due again only after ``lease_seconds`` (if this worker dies, another takes it then);
   COMMIT. A credit note whose invoice is not on Stripe yet goes back to ``issued`` (``last_error``
   ``waiting-for-invoice: …``), due again after ``retry_seconds``, and no call is made.
2. Stripe (no transaction): the calls below, each with its deterministic idempotency key
   (:mod:`invoicing.stripe_sync.models`), transient errors retried by the gateway under the same key.
   Ids Stripe answers (customer, draft invoice, tax rate) are stored at once, each in a short transaction of
   its own, so a later attempt never creates them again.
3. record (transaction), only if no later attempt has claimed the row since (``attempts`` unchanged: this
   worker's lease may have run out): ``stripe_synced`` with the Stripe ids, or ``stripe_failed`` with the error's class
   and message (never the secret key) and ``due_at`` after an exponential backoff; in the same transaction
   the history step ``stripe_synced`` | ``stripe_failed`` (``payments.service.add_history``, actor
   ``stripe-sync``).

A document whose earlier attempt may have reached Stripe (``attempts > 0``: it died in ``stripe_pending``,
timed out, or failed) is reconciled before anything is created: the customer by
``customers.search(metadata['company_id']:'…')``, the invoice by its stored id else
``invoices.search(metadata['invoice_id']:'…')``, the credit note by listing the credit notes of the credited
Stripe invoice; a found object counts only when its metadata names our id. Only when nothing is found is the
object created, under the same deterministic key as before, never a new one.

Invoice: customer (``vikar-customer-{company_id}``) -> draft with our number (``vikar-invoice-{id}-create``)
-> our lines with our VAT split over them (``-lines``, unless the draft already has lines) -> read back ->
finalize (``-finalize``, ``auto_advance=false``). Stripe never e-mails (``collection_method=send_invoice``
and we never call ``send``). When Stripe's total or tax differs from ours by even 1 øre, finalizing is
refused: ``stripe_failed`` with ``last_error`` ``totals-differ: …``, tried again only after
``mismatch_retry_seconds`` (finance sees it in the invoice's history), the draft left as it is.

Credit note: the DK VAT 25 % tax rate (the one Stripe created for the credited invoice's VAT, read from that
invoice's lines; else ours, ``vikar-tax-rate-dk-vat-25``, created once, ``stripe_tax_rates``) -> the credit note
against the credited invoice's Stripe invoice (``vikar-credit-note-{id}``).

Sources: issue 10 ("Stripe"); https://docs.stripe.com/api/idempotent_requests,
https://docs.stripe.com/api/invoices, https://docs.stripe.com/api/credit_notes."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

import asyncpg

from invoicing.ledger import service as ledger_service
from invoicing.ledger.models import Invoice
from invoicing.payments import service as payments
from invoicing.stripe_sync import repository
from invoicing.stripe_sync.client import StripeGateway
from invoicing.stripe_sync.models import (
    ACTOR,
    TAX_RATE_KEY,
    WAITING_FOR_INVOICE,
    SyncState,
    TotalsMismatch,
    add_lines_params,
    credit_note_key,
    credit_note_params,
    customer_key,
    customer_params,
    error_text,
    first_ours,
    has_lines,
    invoice_key,
    invoice_params,
    invoice_tax_rate_id,
    is_draft,
    retry_delay_seconds,
    search_query,
    tax_rate_params,
    totals_mismatch,
)
from invoicing.stripe_webhooks import service as stripe_webhooks
from vikar_shared.auth import Principal, Role
from vikar_shared.db import transaction

log = logging.getLogger(__name__)

# Who the sync reads a document as: finance, which sees every invoice (it only reads).
SYNC_JOB = Principal(subject="invoicing-stripe-sync", role=Role.FINANCE)


@dataclass(frozen=True, slots=True)
class SyncPolicy:
    """Seconds between attempts (settings ``stripe_sync_*``): after a failure ``retry_seconds * 2^(n-1)`` up to
    ``retry_max_seconds``; after a totals mismatch ``mismatch_retry_seconds``; a claim's lease; and the
    secret to keep out of every stored or logged error."""

    retry_seconds: float = 30.0
    retry_max_seconds: float = 3600.0
    mismatch_retry_seconds: float = 86_400.0
    lease_seconds: float = 120.0
    secret: str = ""

    def redact(self, text: str) -> str:
        return text.replace(self.secret, "[redacted]") if self.secret else text


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt did: the document, its state after it (``issued`` again when it waits for its
    invoice), the attempts counted, the Stripe ids and the error kept (or None)."""

    invoice_id: UUID
    state: SyncState
    attempts: int
    stripe_invoice_id: str | None = None
    stripe_credit_note_id: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class _Carried:
    stripe_invoice_id: str
    stripe_customer_id: str | None = None
    stripe_credit_note_id: str | None = None


class TotalsDifferError(Exception):
    """Stripe's draft does not total what ours does; it is not finalized."""

    def __init__(self, mismatch: TotalsMismatch, stripe_invoice_id: str) -> None:
        super().__init__(mismatch.message)
        self.mismatch = mismatch
        self.stripe_invoice_id = stripe_invoice_id


@dataclass(frozen=True, slots=True)
class _Claim:
    document: Invoice
    attempts: int
    lookup: bool
    stripe_invoice_id: str | None
    customer_id: str | None
    credited_stripe_invoice_id: str | None
    tax_rate_id: str | None


async def sync_next(pool: asyncpg.Pool, gateway: StripeGateway, policy: SyncPolicy) -> Outcome | None:
    """Claims the document due longest and carries it to Stripe (the three steps above). None when nothing
    is due. Raises only what the database raises (a Stripe failure is recorded, not raised)."""
    async with transaction(pool) as conn:
        row = await repository.claim_due(conn)
        if row is None:
            return None
        document = await ledger_service.get_invoice(conn, SYNC_JOB, row.invoice_id)
        credited: str | None = None
        tax_rate_id: str | None = None
        if document.is_credit_note and await stripe_webhooks.books_a_stripe_void(conn, document.invoice_id):
            # The credit note books in our ledger what Stripe did itself (voided the invoice, or marked it
            # uncollectible): Stripe refuses a credit note on a void invoice and has nothing left to settle.
            if await repository.mark_synced(
                conn, row.invoice_id, attempt=row.attempts, stripe_invoice_id=None, stripe_credit_note_id=None
            ):
                await payments.add_history(
                    conn,
                    row.invoice_id,
                    SyncState.SYNCED.value,
                    actor=ACTOR,
                    detail={"not_carried": "books a void or uncollectible invoice of Stripe's own; nothing to send"},
                )
            return Outcome(row.invoice_id, SyncState.SYNCED, row.attempts)
        if document.is_credit_note:
            assert document.credits_invoice_id is not None
            invoice_row = await repository.get(conn, document.credits_invoice_id)
            if (
                invoice_row is None
                or invoice_row.state is not SyncState.SYNCED
                or invoice_row.stripe_invoice_id is None
            ):
                reason = f"{WAITING_FOR_INVOICE}: invoice {document.credits_invoice_id} is not on Stripe yet"
                delay = timedelta(seconds=policy.retry_seconds)
                await repository.wait(conn, row.invoice_id, reason=reason, delay=delay)
                return Outcome(row.invoice_id, SyncState.ISSUED, row.attempts, error=reason)
            credited = invoice_row.stripe_invoice_id
            tax_rate_id = await repository.tax_rate(conn, TAX_RATE_KEY)
        claim = _Claim(
            document=document,
            attempts=await repository.mark_pending(conn, row.invoice_id, lease=timedelta(seconds=policy.lease_seconds)),
            lookup=row.attempts > 0 or row.state is SyncState.PENDING,
            stripe_invoice_id=row.stripe_invoice_id,
            customer_id=await repository.customer_of(conn, document.company_id),
            credited_stripe_invoice_id=credited,
            tax_rate_id=tax_rate_id,
        )
    try:
        if document.is_credit_note:
            carried = await _carry_credit_note(pool, gateway, claim)
        else:
            carried = await _carry_invoice(pool, gateway, claim)
    except TotalsDifferError as refused:
        later = timedelta(seconds=policy.mismatch_retry_seconds)
        refusal: dict[str, Any] = {
            "error": refused.mismatch.message,
            "stripe_invoice_id": refused.stripe_invoice_id,
            "attempts": claim.attempts,
            "stripe_total_ore": refused.mismatch.stripe_total_ore,
            "stripe_tax_ore": refused.mismatch.stripe_tax_ore,
        }
        return await _failed(
            pool, claim, refused.mismatch.message, later, refusal, stripe_invoice_id=refused.stripe_invoice_id
        )
    except Exception as error:  # recorded and retried later: a Stripe failure must not stop the job
        text = policy.redact(error_text(error))
        seconds = retry_delay_seconds(claim.attempts, base=policy.retry_seconds, cap=policy.retry_max_seconds)
        return await _failed(pool, claim, text, timedelta(seconds=seconds), {"error": text, "attempts": claim.attempts})
    async with transaction(pool) as conn:
        invoice_side = None if document.is_credit_note else carried.stripe_invoice_id
        recorded = await repository.mark_synced(
            conn,
            document.invoice_id,
            attempt=claim.attempts,
            stripe_invoice_id=invoice_side,
            stripe_credit_note_id=carried.stripe_credit_note_id,
        )
        detail: dict[str, Any] = {"stripe_invoice_id": carried.stripe_invoice_id, "attempts": claim.attempts}
        if carried.stripe_customer_id is not None:
            detail["stripe_customer_id"] = carried.stripe_customer_id
        if carried.stripe_credit_note_id is not None:
            detail["stripe_credit_note_id"] = carried.stripe_credit_note_id
        if recorded:
            await payments.add_history(conn, document.invoice_id, SyncState.SYNCED.value, actor=ACTOR, detail=detail)
    return Outcome(
        document.invoice_id,
        SyncState.SYNCED,
        claim.attempts,
        stripe_invoice_id=carried.stripe_invoice_id,
        stripe_credit_note_id=carried.stripe_credit_note_id,
    )


async def _failed(
    pool: asyncpg.Pool,
    claim: _Claim,
    error: str,
    later: timedelta,
    detail: dict[str, Any],
    stripe_invoice_id: str | None = None,
) -> Outcome:
    invoice_id = claim.document.invoice_id
    async with transaction(pool) as conn:
        due = await repository.mark_failed(conn, invoice_id, attempt=claim.attempts, error=error, delay=later)
        if due is not None:
            await payments.add_history(conn, invoice_id, SyncState.FAILED.value, actor=ACTOR, detail=detail)
    log.warning("stripe sync of %s failed (attempt %d), next at %s: %s", invoice_id, claim.attempts, due, error)
    return Outcome(invoice_id, SyncState.FAILED, claim.attempts, stripe_invoice_id=stripe_invoice_id, error=error)


async def _customer(pool: asyncpg.Pool, gateway: StripeGateway, claim: _Claim) -> str:
    """The company's Stripe customer: stored, else found (reconciling), else created; stored at once."""
    if claim.customer_id is not None:
        return claim.customer_id
    document = claim.document
    assert document.issue is not None
    found: Mapping[str, Any] | None = None
    if claim.lookup:
        candidates = await gateway.search_customers(search_query("company_id", document.company_id))
        found = first_ours(candidates, "company_id", document.company_id)
    if found is None:
        found = await gateway.create_customer(
            customer_params(document.company_id, document.issue.buyer),
            idempotency_key=customer_key(document.company_id),
        )
    async with transaction(pool) as conn:
        return await repository.store_customer(conn, document.company_id, str(found["id"]))


async def _carry_invoice(pool: asyncpg.Pool, gateway: StripeGateway, claim: _Claim) -> _Carried:
    document = claim.document
    customer_id = await _customer(pool, gateway, claim)
    stripe_invoice: Mapping[str, Any] | None = None
    created = False
    if claim.stripe_invoice_id is not None:
        stripe_invoice = await gateway.retrieve_invoice(claim.stripe_invoice_id)
    elif claim.lookup:
        candidates = await gateway.search_invoices(search_query("invoice_id", document.invoice_id))
        stripe_invoice = first_ours(candidates, "invoice_id", document.invoice_id)
    if stripe_invoice is None:
        stripe_invoice = await gateway.create_invoice(
            invoice_params(document, customer_id), idempotency_key=invoice_key(document.invoice_id, "create")
        )
        created = True
    stripe_invoice_id = str(stripe_invoice["id"])
    if claim.stripe_invoice_id is None:
        async with transaction(pool) as conn:
            await repository.store_stripe_invoice(conn, document.invoice_id, stripe_invoice_id)
    if not is_draft(stripe_invoice):
        # Finalized by an earlier attempt (whose outcome was not recorded): it was checked before.
        return _Carried(stripe_invoice_id, stripe_customer_id=customer_id)
    if created or not has_lines(stripe_invoice):
        await gateway.add_lines(
            stripe_invoice_id, add_lines_params(document), idempotency_key=invoice_key(document.invoice_id, "lines")
        )
    read_back = await gateway.retrieve_invoice(stripe_invoice_id)
    mismatch = totals_mismatch(read_back, document)
    if mismatch is not None:
        raise TotalsDifferError(mismatch, stripe_invoice_id)
    await gateway.finalize_invoice(stripe_invoice_id, idempotency_key=invoice_key(document.invoice_id, "finalize"))
    return _Carried(stripe_invoice_id, stripe_customer_id=customer_id)


async def _tax_rate(pool: asyncpg.Pool, gateway: StripeGateway, claim: _Claim) -> str:
    """The DK VAT tax rate the credit note's lines refer to: the one Stripe created for the credited invoice's
    VAT (what Stripe accepts on a credit note line), else ours created once (``vikar-tax-rate-dk-vat-25``, stored
    in ``stripe_tax_rates``; stripe-mock and the proxy show no created rate on invoice lines)."""
    assert claim.credited_stripe_invoice_id is not None
    credited = await gateway.retrieve_invoice(claim.credited_stripe_invoice_id)
    from_invoice = invoice_tax_rate_id(credited)
    if from_invoice is not None:
        return from_invoice
    if claim.tax_rate_id is not None:
        return claim.tax_rate_id
    created = await gateway.create_tax_rate(tax_rate_params(), idempotency_key=TAX_RATE_KEY)
    async with transaction(pool) as conn:
        return await repository.store_tax_rate(conn, TAX_RATE_KEY, str(created["id"]))


async def _carry_credit_note(pool: asyncpg.Pool, gateway: StripeGateway, claim: _Claim) -> _Carried:
    document = claim.document
    credited = claim.credited_stripe_invoice_id
    assert credited is not None
    tax_rate_id = await _tax_rate(pool, gateway, claim)
    found: Mapping[str, Any] | None = None
    if claim.lookup:
        found = first_ours(await gateway.list_credit_notes(credited), "credit_note_id", document.invoice_id)
    if found is None:
        found = await gateway.create_credit_note(
            credit_note_params(document, credited, tax_rate_id), idempotency_key=credit_note_key(document.invoice_id)
        )
    return _Carried(credited, stripe_credit_note_id=str(found["id"]))


async def sync_all(pool: asyncpg.Pool, gateway: StripeGateway, policy: SyncPolicy) -> list[Outcome]:
    """Attempts every document due now, one after the other, until none is due (tests, the bench)."""
    outcomes: list[Outcome] = []
    while (outcome := await sync_next(pool, gateway, policy)) is not None:
        outcomes.append(outcome)
    return outcomes
