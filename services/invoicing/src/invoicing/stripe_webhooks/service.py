"""Stripe webhook use cases: receive an event (verify, store once), process a stored event, list them.

Receiving never processes: the request verifies the ``Stripe-Signature`` header on the raw body with
stripe-python (``stripe.WebhookSignature.verify_header``) and its timestamp against the app's clock (at most
300 s old or ahead), stores the event in the inbox
keyed by Stripe's event id (a repeated delivery stores nothing) and answers. The worker's job
(:mod:`invoicing.stripe_webhooks.jobs`) processes each stored event in one transaction with its effects,
idempotently and in any order (Stripe neither guarantees the order nor delivers only once):

- ``invoice.paid``: one Stripe payment per Stripe invoice (``payments.service.record_payment``, which emits
  ``invoicing.invoice_paid`` once when the invoice is covered);
- ``invoice.payment_failed``: ``invoicing.invoice_payment_failed`` and a history step;
- ``invoice.voided``, ``invoice.marked_uncollectible``: once per invoice, a credit note of what is still
  owed, issued at once (``ledger.service.credit_what_is_owed``), then ``invoicing.invoice_voided``;
- ``invoice.finalized``, ``credit_note.created``: history steps; a Stripe credit note not made by us is
  flagged for finance.

An event about an invoice we do not know is kept and flagged (``unknown-invoice``), never retried in a
loop; so is one about a Stripe invoice other than the one the Stripe sync stored for the invoice its metadata
names (``foreign-stripe-invoice``: one Stripe invoice per invoice of ours, nothing booked from another);
other event types are kept and marked ignored. Problem codes (400): ``webhook-signature-invalid`` (missing,
malformed, wrong, or timestamped more than the tolerance before or after now), ``webhook-payload-invalid``
(signed, but not a Stripe event storable as jsonb). Sources: https://docs.stripe.com/webhooks."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg
import stripe

from invoicing.ledger import service as ledger
from invoicing.ledger.models import Party
from invoicing.payments import service as payments
from invoicing.payments.models import PaymentMethod
from invoicing.stripe_webhooks import repository
from invoicing.stripe_webhooks.models import (
    METADATA_CREDIT_NOTE_ID,
    METADATA_INVOICE_ID,
    EventType,
    Handled,
    InboxState,
    Outcome,
    PayloadError,
    WebhookEvent,
    amount_paid_ore,
    attempt_count,
    currency_is_ours,
    failure_reason,
    metadata_id,
    paid_on,
    parse_event,
    stripe_invoice_of,
)
from invoicing.stripe_webhooks.repository import InboxRow, OurInvoice
from vikar_shared.auth import Principal, Role
from vikar_shared.errors import forbidden, not_found
from vikar_shared.events.envelope import EventData
from vikar_shared.events.invoicing import InvoicePaymentFailed, InvoiceVoided
from vikar_shared.outbox import add_event

SOURCE = "invoicing"
# Who Stripe's effects are recorded by (payments, history steps, the credit note of a voided invoice).
STRIPE_ACTOR = "stripe"
SYSTEM_PRINCIPAL = Principal(subject=STRIPE_ACTOR, role=Role.FINANCE)
FINANCE_ROLES = frozenset({Role.FINANCE, Role.ADMIN})
SIGNATURE_INVALID = "webhook-signature-invalid"
PAYLOAD_INVALID = "webhook-payload-invalid"
# The longest Stripe-Signature header taken, and its most entries (t, v1 per signing secret, v0): Stripe sends
# about 150 characters, a few more entries while a secret is being rolled.
MAX_SIGNATURE_CHARS = 2048
MAX_SIGNATURES = 16


@dataclass
class WebhookRejectedError(Exception):
    """A delivery refused with 400: ``code`` (:data:`SIGNATURE_INVALID`, :data:`PAYLOAD_INVALID`), ``field``
    and ``rule`` for the problem's ``errors``, and ``detail`` (never the secret, never the body)."""

    code: str
    field: str
    rule: str
    detail: str


def _signature_timestamp(signature: str) -> int | None:
    """The ``t=`` of a ``Stripe-Signature`` header that has the shape Stripe sends (printable ASCII, at most
    :data:`MAX_SIGNATURE_CHARS`, at most :data:`MAX_SIGNATURES` entries ``key=value``, ``t`` a number of
    seconds), else None. Stripe-python is only asked about a header of that shape (it crashes on some others,
    e.g. a non-ASCII ``v1``)."""
    if len(signature) > MAX_SIGNATURE_CHARS or not signature.isascii() or not signature.isprintable():
        return None
    items = signature.split(",")
    if len(items) > MAX_SIGNATURES:
        return None
    timestamps = [value for key, _, value in (item.strip().partition("=") for item in items) if key == "t"]
    if len(timestamps) != 1 or not timestamps[0].isdigit() or len(timestamps[0]) > 12:
        return None
    return int(timestamps[0])


def verified_event(
    payload: bytes, signature: str | None, *, secret: str, tolerance: int, now: datetime
) -> tuple[WebhookEvent, dict[str, Any]]:
    """The event of a delivery whose ``Stripe-Signature`` header (``t=<unix>,v1=<HMAC-SHA256 hex>``) signs
    ``payload`` (the raw body) with ``secret`` (checked by stripe-python), timestamped no more than
    ``tolerance`` seconds before or after ``now`` (the app's clock); and the body to store
    (:func:`invoicing.stripe_webhooks.models.parse_event`). Raises :class:`WebhookRejectedError`: any header
    value that is not such a signature is :data:`SIGNATURE_INVALID`, a signed body that is not a storable
    Stripe event is :data:`PAYLOAD_INVALID`."""
    if not signature:
        raise WebhookRejectedError(
            SIGNATURE_INVALID, "Stripe-Signature", "missing", "The Stripe-Signature header is required"
        )
    refused = WebhookRejectedError(
        SIGNATURE_INVALID,
        "Stripe-Signature",
        "signature-invalid",
        f"The Stripe-Signature header does not sign this body with the endpoint's secret within {tolerance} s",
    )
    timestamp = _signature_timestamp(signature)
    if timestamp is None or abs(now.timestamp() - timestamp) > tolerance:
        raise refused
    try:
        # tolerance None: stripe-python checks the HMAC only; the age is checked above, with the app's clock.
        stripe.WebhookSignature.verify_header(payload, signature, secret, None)
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError, TypeError):
        raise refused from None
    try:
        return parse_event(payload)
    except PayloadError as error:
        raise WebhookRejectedError(PAYLOAD_INVALID, "body", error.rule, str(error)) from None


async def receive(conn: asyncpg.Connection, event: WebhookEvent, payload: dict[str, Any]) -> bool:
    """Stores a verified event in the inbox; False when its id was stored before (nothing stored twice)."""
    return await repository.insert_event(conn, event, payload)


async def list_events(
    conn: asyncpg.Connection, viewer: Principal, *, flagged: bool | None, limit: int, offset: int
) -> list[InboxRow]:
    """Stored events, newest first: only the flagged ones (``flagged`` true), only the others (false), or
    all (None). Finance and admin only (403 ``forbidden``)."""
    if viewer.role not in FINANCE_ROLES:
        raise forbidden("Only finance and admin see Stripe's webhook events")
    return await repository.list_events(conn, flagged=flagged, limit=limit, offset=offset)


# --- processing ---------------------------------------------------------------------------------------------


async def process(
    conn: asyncpg.Connection, event: WebhookEvent, *, now: datetime, today: date, seller: Party
) -> Handled:
    """Books the effects of one stored event in the caller's transaction and says what it found. Raises
    what a step raised (the job retries transient failures and flags the others)."""
    try:
        kind = EventType(event.event_type)
    except ValueError:
        return Handled(InboxState.IGNORED, Outcome.IGNORED)
    if not currency_is_ours(event.data_object):
        return Handled.flag(Outcome.CURRENCY_MISMATCH)
    found = await _our_invoice(conn, event)
    if found is None:
        return Handled.flag(Outcome.UNKNOWN_INVOICE)
    invoice, carries_it = found
    if not carries_it:
        # Another Stripe invoice names ours (made by hand in Stripe, or a duplicate): nothing is booked from it.
        await _history(conn, invoice, "stripe_foreign_invoice", event, event_type=event.event_type)
        return Handled.flag(Outcome.FOREIGN_STRIPE_INVOICE, invoice.invoice_id)
    match kind:
        case EventType.INVOICE_PAID:
            return await _paid(conn, event, invoice, now=now, today=today)
        case EventType.INVOICE_PAYMENT_FAILED:
            return await _payment_failed(conn, event, invoice)
        case EventType.INVOICE_VOIDED | EventType.INVOICE_MARKED_UNCOLLECTIBLE:
            reason = "voided" if kind is EventType.INVOICE_VOIDED else "uncollectible"
            return await _voided(conn, event, invoice, reason, now=now, today=today, seller=seller)
        case EventType.INVOICE_FINALIZED:
            await _history(conn, invoice, "stripe_finalized", event, number=event.data_object.get("number"))
            return Handled.done(Outcome.HISTORY, invoice.invoice_id)
        case EventType.CREDIT_NOTE_CREATED:
            return await _credit_note_created(conn, event, invoice)


async def _our_invoice(conn: asyncpg.Connection, event: WebhookEvent) -> tuple[OurInvoice, bool] | None:
    """Our issued invoice the event is about, and whether the event's Stripe invoice is the one that carries
    it: by the Stripe object's ``metadata.invoice_id`` (set on every Stripe invoice and credit note we make),
    else by the Stripe invoice id the Stripe sync stored. One Stripe invoice per invoice of ours: when the
    sync stored a Stripe invoice id for the invoice the metadata names, an event about another Stripe invoice
    (or a credit note of another) is not ours to book (False); while none is stored, the metadata is
    believed (True)."""
    stripe_invoice = stripe_invoice_of(event)
    ours = metadata_id(event.data_object, METADATA_INVOICE_ID)
    if ours is not None and (found := await repository.issued_invoice(conn, ours)) is not None:
        carried_by = await repository.stripe_invoice_id_of(conn, found.invoice_id)
        return found, carried_by is None or carried_by == stripe_invoice
    if stripe_invoice is None:
        return None
    by_stripe_id = await repository.invoice_of_stripe_invoice(conn, stripe_invoice)
    return None if by_stripe_id is None else (by_stripe_id, True)


async def _history(conn: asyncpg.Connection, invoice: OurInvoice, kind: str, event: WebhookEvent, **more: Any) -> None:
    detail = {"stripe_event_id": event.event_id, "stripe_object_id": event.object_id, **more}
    await payments.add_history(conn, invoice.invoice_id, kind, actor=STRIPE_ACTOR, detail=detail)


async def _publish(conn: asyncpg.Connection, invoice: OurInvoice, data: EventData) -> None:
    """``data`` to the outbox about ``invoice``: subject its id, key its company (one partition per company)."""
    await add_event(conn, data, source=SOURCE, subject=invoice.invoice_id, key=invoice.company_id)


async def _paid(
    conn: asyncpg.Connection, event: WebhookEvent, invoice: OurInvoice, *, now: datetime, today: date
) -> Handled:
    """One Stripe payment per Stripe invoice. Raises :class:`~invoicing.stripe_webhooks.models.StripeFactError`
    (the job flags the event) for an amount or a payment date no invoice of ours can have."""
    amount = amount_paid_ore(event.data_object)
    day = paid_on(event.data_object, event.created, today=today)
    stripe_invoice = stripe_invoice_of(event)
    if amount <= 0 or stripe_invoice is None:
        await _history(conn, invoice, "stripe_paid_nothing", event, amount_paid_ore=amount)
        return Handled.done(Outcome.NOTHING_PAID, invoice.invoice_id)
    payment, _ = await payments.record_payment(
        conn,
        invoice_id=invoice.invoice_id,
        amount_ore=amount,
        paid_on=day,
        method=PaymentMethod.STRIPE,
        recorded_by=STRIPE_ACTOR,
        now=now,
        stripe_invoice_id=stripe_invoice,
        stripe_event_id=event.event_id,
    )
    outcome = Outcome.PAYMENT_RECORDED if payment is not None else Outcome.PAYMENT_ALREADY_RECORDED
    return Handled.done(outcome, invoice.invoice_id)


async def _payment_failed(conn: asyncpg.Connection, event: WebhookEvent, invoice: OurInvoice) -> Handled:
    reason = failure_reason(event.data_object)
    attempts = attempt_count(event.data_object)
    await _history(conn, invoice, "stripe_payment_failed", event, attempt_count=attempts, reason=reason)
    await _publish(
        conn,
        invoice,
        InvoicePaymentFailed(
            invoice_id=invoice.invoice_id,
            company_id=invoice.company_id,
            number=invoice.number,
            attempt_count=attempts,
            reason=reason,
        ),
    )
    return Handled.done(Outcome.PAYMENT_FAILED, invoice.invoice_id)


async def _voided(
    conn: asyncpg.Connection,
    event: WebhookEvent,
    invoice: OurInvoice,
    reason: str,
    *,
    now: datetime,
    today: date,
    seller: Party,
) -> Handled:
    """Once per invoice (``stripe_voided_invoices``): a credit note of what is still owed, issued at once,
    then ``invoicing.invoice_voided``. A later void (or uncollectible) event of the same invoice books
    nothing and is only a history step."""
    if not await repository.claim_void(conn, invoice.invoice_id, reason, event.event_id):
        await _history(conn, invoice, "stripe_voided_again", event, reason=reason)
        return Handled.done(Outcome.ALREADY_VOIDED, invoice.invoice_id)
    note = await ledger.credit_what_is_owed(
        conn, SYSTEM_PRINCIPAL, invoice.invoice_id, today=today, now=now, seller=seller
    )
    credited = 0 if note is None else note.total_ore
    note_id: UUID | None = None if note is None else note.invoice_id
    note_number = None if note is None or note.issue is None else note.issue.number
    if note_id is not None:
        await repository.set_void_credit(conn, invoice.invoice_id, note_id, credited)
    await _history(
        conn,
        invoice,
        "voided",
        event,
        reason=reason,
        credited_ore=credited,
        credit_note_id=None if note_id is None else str(note_id),
        credit_note_number=note_number,
    )
    await _publish(
        conn,
        invoice,
        InvoiceVoided(
            invoice_id=invoice.invoice_id,
            company_id=invoice.company_id,
            number=invoice.number,
            reason=reason,
            credited_ore=credited,
            credit_note_id=note_id,
            credit_note_number=note_number,
        ),
    )
    return Handled.done(Outcome.CREDIT_NOTE_ISSUED if note is not None else Outcome.NOTHING_OWED, invoice.invoice_id)


async def _credit_note_created(conn: asyncpg.Connection, event: WebhookEvent, invoice: OurInvoice) -> Handled:
    """A Stripe credit note we made (``metadata.credit_note_id`` names an issued credit note of ours against
    the invoice) is a history step; any other is a history step too, and flagged: money was credited in
    Stripe that our books do not show."""
    ours = metadata_id(event.data_object, METADATA_CREDIT_NOTE_ID)
    total = event.data_object.get("total")
    if ours is not None and await repository.is_our_credit_note(conn, ours, invoice.invoice_id):
        await _history(conn, invoice, "stripe_credit_note", event, credit_note_id=str(ours), total_ore=total)
        return Handled.done(Outcome.OUR_CREDIT_NOTE, invoice.invoice_id)
    await _history(conn, invoice, "stripe_foreign_credit_note", event, total_ore=total)
    return Handled.flag(Outcome.FOREIGN_CREDIT_NOTE, invoice.invoice_id)


async def books_a_stripe_void(conn: asyncpg.Connection, credit_note_id: UUID) -> bool:
    """True when the credit note ``credit_note_id`` books an invoice voided (or marked uncollectible) in Stripe:
    Stripe settled it already (its invoice is void there), so the Stripe sync has no Stripe credit note to make
    for it (Stripe refuses credit notes on a void invoice)."""
    return await repository.books_a_stripe_void(conn, credit_note_id)


# Event types the demo tool can play (``vikar-invoicing stripe-event``).
SIMULATED_TYPES = (
    "invoice.finalized",
    "invoice.paid",
    "invoice.payment_failed",
    "invoice.voided",
    "invoice.marked_uncollectible",
)


async def simulated_event(
    conn: asyncpg.Connection, number: str, event_type: str, *, now: datetime, amount_paid_ore: int | None = None
) -> dict[str, Any]:
    """A Stripe event about our issued invoice ``number`` as Stripe would send it (API object shapes of
    https://docs.stripe.com/api/events/object): what the local demo and a newcomer use to play Stripe's part,
    since stripe-mock sends no webhooks. ``amount_paid_ore`` (øre) defaults, for ``invoice.paid``, to what
    is still outstanding (the total less credit notes and payments recorded, as Stripe's ``amount_remaining``
    would be; at least 1 øre), else 0. The Stripe invoice id is the one the sync stored, or a made-up ``in_demo_…``
    when the invoice is not on Stripe yet (the webhook then finds ours by the metadata alone).

    Errors: 404 ``invoice-not-found`` (no issued invoice has that number); ValueError for an event type not
    in :data:`SIMULATED_TYPES`."""
    if event_type not in SIMULATED_TYPES:  # the CLI offers only these (argparse choices)
        raise ValueError(f"event_type must be one of {', '.join(SIMULATED_TYPES)}")
    row = await repository.stripe_view_of(conn, number)
    if row is None:
        raise not_found("invoice")
    paid = amount_paid_ore or 0
    if amount_paid_ore is None and event_type == "invoice.paid":
        # What Stripe would collect: the total less its credit notes and what was paid already (Stripe's
        # amount_remaining), at least 1 øre.
        account = (await payments.settlements(conn, [row["invoice_id"]]))[row["invoice_id"]]
        paid = max(account.outstanding_ore, 1)
    at = int(now.timestamp())
    status = {"invoice.paid": "paid", "invoice.voided": "void", "invoice.marked_uncollectible": "uncollectible"}
    return {
        "id": f"evt_demo_{uuid.uuid4().hex[:20]}",
        "object": "event",
        "type": event_type,
        "created": at,
        "livemode": False,
        "data": {
            "object": {
                "id": row["stripe_invoice_id"] or f"in_demo_{row['invoice_id'].hex[:16]}",
                "object": "invoice",
                "number": row["number"],
                "currency": row["currency"].lower(),
                "metadata": {"invoice_id": str(row["invoice_id"]), "number": row["number"]},
                "total": row["total_ore"],
                "amount_paid": paid,
                "amount_remaining": row["total_ore"] - paid,
                "attempt_count": 1,
                "status": status.get(event_type, "open"),
                "status_transitions": {"paid_at": at if event_type == "invoice.paid" else None, "finalized_at": at},
            }
        },
    }
