"""The Stripe webhook rules: what a delivered event is, what is kept of it, and how its facts read.

Pure functions over the event as Stripe sends it (a JSON object: ``id`` ``evt_...``, ``type``, ``created``
Unix seconds, ``livemode``, ``data.object`` the Stripe object). No database, no clock, no network.
Sources: https://docs.stripe.com/webhooks (signatures, retries, order not guaranteed) and
https://docs.stripe.com/api/invoices/object (``metadata``, ``amount_paid`` in the currency's smallest unit,
øre for dkk, ``status_transitions.paid_at``)."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from vikar_shared.clock import agency_date
from vikar_shared.types.periods import FIRST_DAY, LAST_DAY

# The metadata keys our Stripe objects carry (the Stripe sync sets them on every invoice and credit note).
METADATA_INVOICE_ID = "invoice_id"
METADATA_CREDIT_NOTE_ID = "credit_note_id"
# Fields of Stripe objects that are bearer links (whoever holds one sees or pays the document): never stored.
BEARER_LINK_FIELDS = frozenset({"hosted_invoice_url", "invoice_pdf", "pdf", "receipt_url", "client_secret"})
# The currency of every invoice (Stripe writes it lower case).
CURRENCY = "dkk"
# A failing row is tried again after min(2^attempts, this) seconds.
MAX_RETRY_SECONDS = 300
# The largest amount a Stripe object may state (10^12 øre, ten billion kroner): more is no invoice of ours.
MAX_AMOUNT_ORE = 10**12
# After this many transient failures a row is flagged for a person instead of tried again.
MAX_ATTEMPTS = 12


class EventType(StrEnum):
    """The Stripe event types the job acts on; every other type is stored and marked ignored."""

    INVOICE_FINALIZED = "invoice.finalized"
    INVOICE_PAID = "invoice.paid"
    INVOICE_PAYMENT_FAILED = "invoice.payment_failed"
    INVOICE_VOIDED = "invoice.voided"
    INVOICE_MARKED_UNCOLLECTIBLE = "invoice.marked_uncollectible"
    CREDIT_NOTE_CREATED = "credit_note.created"


class InboxState(StrEnum):
    """``received``: waiting for the job; ``processed``: its effects are booked; ``ignored``: a type not
    acted on; ``flagged``: finance must look at it (the row's ``outcome`` says why)."""

    RECEIVED = "received"
    PROCESSED = "processed"
    IGNORED = "ignored"
    FLAGGED = "flagged"


class Outcome(StrEnum):
    """What processing one event found (the inbox row's ``outcome``)."""

    PAYMENT_RECORDED = "payment-recorded"
    PAYMENT_ALREADY_RECORDED = "payment-already-recorded"
    NOTHING_PAID = "nothing-paid"
    PAYMENT_FAILED = "payment-failed"
    CREDIT_NOTE_ISSUED = "credit-note-issued"
    NOTHING_OWED = "nothing-owed"
    ALREADY_VOIDED = "already-voided"
    HISTORY = "history"
    OUR_CREDIT_NOTE = "our-credit-note"
    FOREIGN_CREDIT_NOTE = "foreign-credit-note"
    FOREIGN_STRIPE_INVOICE = "foreign-stripe-invoice"
    UNKNOWN_INVOICE = "unknown-invoice"
    CURRENCY_MISMATCH = "currency-mismatch"
    IGNORED = "ignored"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Handled:
    """The result of processing one event: the inbox row's new ``state`` and ``outcome``, and our invoice
    it concerned (None when none was found)."""

    state: InboxState
    outcome: Outcome
    invoice_id: UUID | None = None

    @classmethod
    def done(cls, outcome: Outcome, invoice_id: UUID | None = None) -> Handled:
        return cls(InboxState.PROCESSED, outcome, invoice_id)

    @classmethod
    def flag(cls, outcome: Outcome, invoice_id: UUID | None = None) -> Handled:
        return cls(InboxState.FLAGGED, outcome, invoice_id)


class StripeFactError(ValueError):
    """A fact of a stored event that no retry makes bookable (e.g. an amount beyond any invoice, a payment
    dated in the future): the job flags the event ``error`` with ``last_error`` ``StripeFactError:<rule>``.
    The message names the field, never its value."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


class PayloadError(ValueError):
    """The signed body is not a Stripe event (not UTF-8 JSON, or ``id``/``type``/``created``/``data.object``
    missing or of the wrong type). ``rule`` names what is wrong."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """One Stripe event: ``event_id`` (``evt_...``), ``event_type``, ``created`` (aware, UTC), ``livemode``,
    ``data_object`` (the Stripe object, as sent) and its ``object_id`` (``in_...``, ``cn_...``) if any."""

    event_id: str
    event_type: str
    created: datetime
    livemode: bool
    data_object: dict[str, Any]

    @property
    def object_id(self) -> str | None:
        value = self.data_object.get("id")
        return value if isinstance(value, str) and value else None


# A NUL character as json.dumps writes it (\u0000 after an even number of backslashes: not an escaped backslash).
_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("a number too large for a float")
    return value


def parse_event(payload: bytes) -> tuple[WebhookEvent, dict[str, Any]]:
    """The event in a webhook's raw body, and the body as a JSON object to store (bearer links removed,
    :func:`without_bearer_links`). The body is read strictly: UTF-8 JSON without ``NaN``/``Infinity``, no
    number beyond a float or Python's 4 300-digit integers, and text PostgreSQL's jsonb can hold (no lone
    surrogate, no NUL). Raises :class:`PayloadError` (rules ``json-invalid``, ``too-deep``, ``event-invalid``)."""
    try:
        body = json.loads(payload.decode("utf-8"), parse_constant=_no_constant, parse_float=_finite)
    except (UnicodeDecodeError, ValueError, RecursionError):  # JSONDecodeError is a ValueError
        raise PayloadError("json-invalid", "The body is not a JSON document in UTF-8") from None
    if not isinstance(body, dict):
        raise PayloadError("event-invalid", "The body is not a Stripe event (a JSON object)")
    try:
        stored = without_bearer_links(body)
        text = json.dumps(stored, ensure_ascii=False)
    except RecursionError:
        raise PayloadError("too-deep", "The body nests too deep to be a Stripe event") from None
    if _NUL.search(text):
        # PostgreSQL's jsonb cannot hold a NUL character; no Stripe event has one.
        raise PayloadError("json-invalid", "The body contains a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate (e.g. "\\ud800") is no character: not UTF-8, not storable as jsonb.
        raise PayloadError("json-invalid", "The body contains a lone UTF-16 surrogate (no character)") from None
    return event_of(stored), stored


def event_of(body: dict[str, Any]) -> WebhookEvent:
    """The event in a Stripe event's JSON object (a delivery's body, or an inbox row's stored payload).
    Raises :class:`PayloadError` (rule ``event-invalid``)."""
    event_id, event_type, created = body.get("id"), body.get("type"), body.get("created")
    data = body.get("data")
    data_object = data.get("object") if isinstance(data, dict) else None
    if not isinstance(event_id, str) or not event_id or len(event_id) > 255:
        raise PayloadError("event-invalid", "The event has no id (a string of at most 255 characters)")
    if not isinstance(event_type, str) or not event_type or len(event_type) > 255:
        raise PayloadError("event-invalid", "The event has no type")
    if isinstance(created, bool) or not isinstance(created, int) or not 0 <= created < 2**34:
        raise PayloadError("event-invalid", "The event's created is not a Unix time in seconds")
    if not isinstance(data_object, dict):
        raise PayloadError("event-invalid", "The event has no data.object")
    return WebhookEvent(
        event_id=event_id,
        event_type=event_type,
        created=datetime.fromtimestamp(created, UTC),
        livemode=body.get("livemode") is True,
        data_object=data_object,
    )


def without_bearer_links(value: Any) -> Any:
    """``value`` (JSON) with every :data:`BEARER_LINK_FIELDS` member removed, at any depth."""
    if isinstance(value, dict):
        return {k: without_bearer_links(v) for k, v in value.items() if k not in BEARER_LINK_FIELDS}
    if isinstance(value, list):
        return [without_bearer_links(v) for v in value]
    return value


def metadata_id(stripe_object: dict[str, Any], key: str) -> UUID | None:
    """Our id in the Stripe object's ``metadata[key]`` (:data:`METADATA_INVOICE_ID`,
    :data:`METADATA_CREDIT_NOTE_ID`), or None when absent or not a UUID."""
    metadata = stripe_object.get("metadata")
    value = metadata.get(key) if isinstance(metadata, dict) else None
    if not isinstance(value, str):
        return None
    try:
        return UUID(value)
    except ValueError:
        return None


def stripe_invoice_of(event: WebhookEvent) -> str | None:
    """The Stripe invoice id (``in_...``) an event is about: the object itself for ``invoice.*``, the
    credit note's ``invoice`` for ``credit_note.*``."""
    if event.event_type.startswith("invoice."):
        return event.object_id
    invoice = event.data_object.get("invoice")
    if isinstance(invoice, dict):
        invoice = invoice.get("id")
    return invoice if isinstance(invoice, str) and invoice else None


def amount_paid_ore(stripe_invoice: dict[str, Any]) -> int:
    """``amount_paid`` of a Stripe invoice in øre (dkk's smallest unit); 0 when absent. Raises ValueError
    when it is not a whole number (a payload we cannot book) and :class:`StripeFactError`
    (``amount-out-of-range``) when it is not within 0..:data:`MAX_AMOUNT_ORE`."""
    value = stripe_invoice.get("amount_paid", 0)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("amount_paid is not a whole number of øre")
    if not 0 <= value <= MAX_AMOUNT_ORE:
        raise StripeFactError("amount-out-of-range", f"amount_paid is not within 0..{MAX_AMOUNT_ORE} øre")
    return value


def paid_on(stripe_invoice: dict[str, Any], created: datetime, *, today: date) -> date:
    """The day a Stripe invoice was paid, in Europe/Copenhagen: ``status_transitions.paid_at`` (Unix
    seconds), else (no whole number there) the event's ``created``. ``today``: the agency's day the event is
    processed. Raises :class:`StripeFactError` (``paid-date-out-of-range``) when the day is outside the
    supported dates (2000..2100) or after ``today`` + 1 day (a day's slack for time zones): never booked."""
    transitions = stripe_invoice.get("status_transitions")
    paid_at = transitions.get("paid_at") if isinstance(transitions, dict) else None
    instant = created
    if isinstance(paid_at, int) and not isinstance(paid_at, bool):
        if not 0 <= paid_at < 2**34:
            raise StripeFactError("paid-date-out-of-range", "status_transitions.paid_at is not a Unix time")
        instant = datetime.fromtimestamp(paid_at, UTC)
    day = agency_date(instant)
    if not FIRST_DAY <= day <= min(LAST_DAY, today + timedelta(days=1)):
        raise StripeFactError(
            "paid-date-out-of-range",
            f"The payment's date is not within {FIRST_DAY}..{today + timedelta(days=1)} (the day processed + 1)",
        )
    return day


def currency_is_ours(stripe_object: dict[str, Any]) -> bool:
    """True when the object's ``currency`` is dkk (or it states none)."""
    currency = stripe_object.get("currency")
    return currency is None or (isinstance(currency, str) and currency.lower() == CURRENCY)


def failure_reason(stripe_invoice: dict[str, Any]) -> str | None:
    """Why a payment failed, as Stripe's code says it (``last_finalization_error.code`` or
    ``last_payment_error.decline_code``/``code``, when the object carries one), never card or bank details;
    None when it says nothing."""
    for key, fields in (("last_payment_error", ("decline_code", "code")), ("last_finalization_error", ("code",))):
        error = stripe_invoice.get(key)
        if isinstance(error, dict):
            for field in fields:
                value = error.get(field)
                if isinstance(value, str) and value:
                    return value[:100]
    return None


def attempt_count(stripe_invoice: dict[str, Any]) -> int:
    """Stripe's ``attempt_count`` of the invoice (0 when absent or not a count)."""
    value = stripe_invoice.get("attempt_count", 0)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def retry_seconds(attempts: int) -> int:
    """Seconds before a row that failed ``attempts`` times (>= 1) is tried again: ``min(2^attempts, 300)``."""
    return int(min(2 ** min(attempts, 16), MAX_RETRY_SECONDS))
