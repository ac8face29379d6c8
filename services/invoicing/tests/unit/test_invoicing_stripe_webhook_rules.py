"""The Stripe webhook rules (invoicing.stripe_webhooks.models) and the credit note of a voided invoice
(invoicing.ledger.models.credit_of_what_is_owed): exact øre, Copenhagen dates, nothing kept of bearer links."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
import stripe

from invoicing.ledger.models import NO_CITIZEN, Invoice, InvoiceLine, InvoiceStatus, credit_of_what_is_owed, draft
from invoicing.money import VAT_RATE_PERCENT, vat_on
from invoicing.periods import BillingPeriod, Period
from invoicing.stripe_webhooks.models import (
    PayloadError,
    StripeFactError,
    amount_paid_ore,
    failure_reason,
    metadata_id,
    paid_on,
    parse_event,
    retry_seconds,
    stripe_invoice_of,
)
from invoicing.stripe_webhooks.service import SIGNATURE_INVALID, WebhookRejectedError, verified_event

SECRET = "whsec_unit"
CREATED = datetime(2026, 11, 20, 12, tzinfo=UTC)
# The service's clock in these tests (the signatures' age is checked against it).
NOW = datetime(2026, 11, 20, 12, 5, tzinfo=UTC)


def _event(**data_object: object) -> dict[str, object]:
    return {"id": "evt_1", "type": "invoice.paid", "created": int(CREATED.timestamp()), "data": {"object": data_object}}


def test_an_escaped_backslash_before_u0000_is_text_not_a_nul() -> None:
    _, stored = parse_event(json.dumps(_event(id="in_\\u0000")).encode())
    assert stored["data"]["object"]["id"] == "in_\\u0000"


def test_parse_event_reads_the_facts_and_drops_bearer_links() -> None:
    body = _event(id="in_1", hosted_invoice_url="https://pay/secret", lines={"data": [{"invoice_pdf": "https://x"}]})
    event, stored = parse_event(json.dumps(body).encode())
    assert (event.event_id, event.event_type, event.created, event.object_id) == (
        "evt_1",
        "invoice.paid",
        CREATED,
        "in_1",
    )
    assert "secret" not in json.dumps(stored) and "https://x" not in json.dumps(stored)
    assert stored["data"]["object"]["lines"] == {"data": [{}]}


@pytest.mark.parametrize(
    ("payload", "rule"),
    [
        (b"\xff\xfe", "json-invalid"),
        (b"{", "json-invalid"),
        (b'"evt"', "event-invalid"),
        (json.dumps({"type": "x", "created": 1, "data": {"object": {}}}).encode(), "event-invalid"),
        (json.dumps({"id": "evt_1", "type": "x", "created": "now", "data": {"object": {}}}).encode(), "event-invalid"),
        (json.dumps({"id": "evt_1", "type": "x", "created": True, "data": {"object": {}}}).encode(), "event-invalid"),
        (json.dumps({"id": "evt_1", "type": "x", "created": 1, "data": {}}).encode(), "event-invalid"),
        (json.dumps(_event(id="in_\u0000")).encode(), "json-invalid"),
        (json.dumps({"\u0000": 1, **_event(id="in_1")}).encode(), "json-invalid"),
        # Parsed by Python's json, but not JSON, or not storable as PostgreSQL jsonb.
        (json.dumps(_event(id="in_\ud800")).encode(), "json-invalid"),  # a lone surrogate
        (json.dumps({"\udfff": 1, **_event(id="in_1")}).encode(), "json-invalid"),
        (json.dumps(_event(id="in_1", amount_paid=float("nan"))).encode(), "json-invalid"),  # NaN
        (json.dumps(_event(id="in_1", amount_paid=float("inf"))).encode(), "json-invalid"),  # Infinity
        (json.dumps(_event(id="in_1", amount_paid=float("-inf"))).encode(), "json-invalid"),
        (json.dumps(_event(id="in_1")).replace('"in_1"', "1e400").encode(), "json-invalid"),  # a float's inf
        (json.dumps(_event(id="in_1")).replace('"in_1"', "9" * 5000).encode(), "json-invalid"),  # > 4 300 digits
    ],
)
def test_parse_event_refuses_what_is_not_a_stripe_event(payload: bytes, rule: str) -> None:
    with pytest.raises(PayloadError) as raised:
        parse_event(payload)
    assert raised.value.rule == rule


def test_a_signature_is_checked_by_stripe_python_on_the_raw_body() -> None:
    body = json.dumps(_event(id="in_1"))
    header = _header(body, NOW)
    event, _ = verified_event(body.encode(), header, secret=SECRET, tolerance=300, now=NOW)
    assert event.event_id == "evt_1"
    # The same JSON with other whitespace is another body: its signature does not match.
    with pytest.raises(WebhookRejectedError) as raised:
        verified_event(json.dumps(json.loads(body), indent=1).encode(), header, secret=SECRET, tolerance=300, now=NOW)
    assert (raised.value.code, raised.value.rule) == (SIGNATURE_INVALID, "signature-invalid")
    with pytest.raises(WebhookRejectedError) as missing:
        verified_event(body.encode(), None, secret=SECRET, tolerance=300, now=NOW)
    assert missing.value.rule == "missing"
    # Not UTF-8: refused as a bad signature, never a crash.
    with pytest.raises(WebhookRejectedError):
        verified_event(b"\xff", header, secret=SECRET, tolerance=300, now=NOW)


def _header(body: str, at: datetime) -> str:
    return str(stripe.WebhookSignature.generate_signature_header(body, SECRET, timestamp=int(at.timestamp())))


@pytest.mark.parametrize(
    "header",
    [
        "t=1,v1=\xc3\xa6",  # non-ASCII (a header's UTF-8 bytes as Latin-1): stripe-python's compare crashed on it
        f"t={int(NOW.timestamp())},v1=\xc3\xa6",
        f"t={int(NOW.timestamp())},v1=æ",
        f"t={int(NOW.timestamp())},v1=\x00",
        f"t={int(NOW.timestamp())}," + ",".join(["v1=" + "0" * 64] * 200),  # many v1 entries
        f"t={int(NOW.timestamp())},v1=" + "a" * 100_000,  # huge
        "t=" + "9" * 5000 + ",v1=00",
        "t=-5,v1=00",
        "t=1,t=2,v1=00",
        ",,,=,=",
        "v1=00",
    ],
)
def test_any_header_value_that_is_no_signature_is_refused_never_a_crash(header: str) -> None:
    body = json.dumps(_event(id="in_1"))
    with pytest.raises(WebhookRejectedError) as raised:
        verified_event(body.encode(), header, secret=SECRET, tolerance=300, now=NOW)
    assert (raised.value.code, raised.value.field) == (SIGNATURE_INVALID, "Stripe-Signature")


@pytest.mark.parametrize(("seconds", "taken"), [(-301, False), (-300, True), (300, True), (301, False), (3600, False)])
def test_a_signature_is_taken_within_the_tolerance_before_or_after_the_clock(seconds: int, taken: bool) -> None:
    body = json.dumps(_event(id="in_1"))
    header = _header(body, NOW + timedelta(seconds=seconds))
    if taken:
        assert verified_event(body.encode(), header, secret=SECRET, tolerance=300, now=NOW)[0].event_id == "evt_1"
    else:
        with pytest.raises(WebhookRejectedError):
            verified_event(body.encode(), header, secret=SECRET, tolerance=300, now=NOW)


@pytest.mark.parametrize(
    ("paid_at", "day"),
    [
        (int(datetime(2026, 11, 20, 22, 59, tzinfo=UTC).timestamp()), date(2026, 11, 20)),
        (int(datetime(2026, 11, 20, 23, 0, tzinfo=UTC).timestamp()), date(2026, 11, 21)),  # midnight in Copenhagen
        (int(datetime(2026, 6, 30, 22, 0, tzinfo=UTC).timestamp()), date(2026, 7, 1)),  # summer time
        (None, date(2026, 11, 20)),  # the event's created
        ("soon", date(2026, 11, 20)),
    ],
)
def test_paid_on_is_the_copenhagen_date_of_paid_at(paid_at: object, day: date) -> None:
    assert paid_on({"status_transitions": {"paid_at": paid_at}}, CREATED, today=date(2026, 11, 30)) == day


TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    "paid_at",
    [
        2**33,  # 2242-03-16
        2**34,
        0,  # 1970
        int(datetime(2026, 11, 26, 23, 0, tzinfo=UTC).timestamp()),  # 27 November in Copenhagen: today + 2
    ],
)
def test_a_payment_dated_outside_the_dates_or_after_tomorrow_is_refused(paid_at: int) -> None:
    with pytest.raises(StripeFactError) as refused:
        paid_on({"status_transitions": {"paid_at": paid_at}}, CREATED, today=TODAY)
    assert refused.value.rule == "paid-date-out-of-range"
    assert str(paid_at) not in str(refused.value) or paid_at == 0  # the message names the field, not the value


def test_a_payment_dated_tomorrow_is_taken_a_day_for_time_zones() -> None:
    tomorrow_late = int(datetime(2026, 11, 26, 22, 59, tzinfo=UTC).timestamp())  # 26 November 23:59 Copenhagen
    assert paid_on({"status_transitions": {"paid_at": tomorrow_late}}, CREATED, today=TODAY) == date(2026, 11, 26)
    # No paid_at: the event's created, which is checked too.
    with pytest.raises(StripeFactError):
        paid_on({}, datetime(2101, 1, 1, 12, tzinfo=UTC), today=date(2101, 1, 1))


@pytest.mark.parametrize("amount", [10**30, 10**12 + 1, -1])
def test_an_amount_paid_beyond_any_invoice_is_refused(amount: int) -> None:
    with pytest.raises(StripeFactError) as refused:
        amount_paid_ore({"amount_paid": amount})
    assert refused.value.rule == "amount-out-of-range"
    assert amount_paid_ore({"amount_paid": 10**12}) == 10**12
    with pytest.raises(ValueError, match="whole number"):
        amount_paid_ore({"amount_paid": True})


def test_the_facts_of_a_stripe_invoice() -> None:
    ours = uuid.uuid4()
    assert metadata_id({"metadata": {"invoice_id": str(ours)}}, "invoice_id") == ours
    assert metadata_id({"metadata": {"invoice_id": "42"}}, "invoice_id") is None
    assert metadata_id({"metadata": None}, "invoice_id") is None
    assert amount_paid_ore({"amount_paid": 33_749}) == 33_749
    assert amount_paid_ore({}) == 0
    with pytest.raises(ValueError, match="whole number"):
        amount_paid_ore({"amount_paid": 337.49})
    assert failure_reason({"last_payment_error": {"decline_code": "card_declined", "card": {"last4": "4242"}}}) == (
        "card_declined"
    )
    assert failure_reason({}) is None


def test_the_stripe_invoice_of_a_credit_note_event_is_its_invoice() -> None:
    body = {
        "id": "evt_2",
        "type": "credit_note.created",
        "created": 1,
        "data": {"object": {"id": "cn_1", "invoice": "in_9"}},
    }
    event, _ = parse_event(json.dumps(body).encode())
    assert stripe_invoice_of(event) == "in_9"


def test_retries_back_off_to_five_minutes() -> None:
    assert [retry_seconds(n) for n in (1, 2, 3, 8, 9, 50)] == [2, 4, 8, 256, 300, 300]


# --- the credit note of a voided invoice ---------------------------------------------------------------------

OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31), BillingPeriod.MONTHLY)


def _issued(*amounts: int) -> Invoice:
    lines = tuple(
        InvoiceLine(
            position=i,
            citizen_id=uuid.uuid4(),
            citizen_name=f"Borger {i}",
            rate_ore_per_hour=17_999,
            minutes=60,
            amount_ore=amount,
            late=False,
            first_work_date=date(2026, 10, 5),
            last_work_date=date(2026, 10, 5),
            entry_ids=(uuid.uuid4(),),
        )
        for i, amount in enumerate(amounts, start=1)
    )
    return replace(draft(uuid.uuid4(), uuid.uuid4(), OCTOBER, lines, None), status=InvoiceStatus.ISSUED)


def test_nothing_credited_before_the_note_repeats_the_lines_without_their_entries() -> None:
    invoice = _issued(26_999, 17_999)
    note = credit_of_what_is_owed(uuid.uuid4(), invoice, credited_net_ore=0, credited_vat_ore=0)
    assert note is not None and note.is_credit_note and note.credits_invoice_id == invoice.invoice_id
    assert [(ln.amount_ore, ln.entry_ids) for ln in note.lines] == [(26_999, ()), (17_999, ())]
    # 44 998 * 25 % = 11 249.5 -> 11 250: the invoice's own VAT.
    assert (note.net_ore, note.vat_ore, note.total_ore) == (44_998, 11_250, 56_248)


def test_the_remainder_reverses_exactly_the_vat_not_yet_reversed() -> None:
    invoice = _issued(10)  # VAT 2.5 -> 3, total 13
    # Four credit notes of 2 øre net each rounded their VAT 0.5 -> 1: 8 net, 4 VAT credited, more VAT than 25 %.
    note = credit_of_what_is_owed(uuid.uuid4(), invoice, credited_net_ore=8, credited_vat_ore=4)
    assert note is not None
    # Owed 13 - 12 = 1: VAT to reverse -1 is kept at 0, so the note is 1 net, 0 VAT.
    assert (note.net_ore, note.vat_ore, note.total_ore) == (1, 0, 1)
    [line] = note.lines
    assert (line.citizen_id, line.amount_ore, line.minutes, line.entry_ids) == (NO_CITIZEN, 1, 0, ())
    assert (line.first_work_date, line.last_work_date) == (OCTOBER.start, OCTOBER.end)


def test_the_remainder_after_one_credit_note() -> None:
    invoice = _issued(26_999)  # VAT 6 749.75 -> 6 750, total 33 749
    note = credit_of_what_is_owed(uuid.uuid4(), invoice, credited_net_ore=9_000, credited_vat_ore=2_250)
    assert note is not None
    assert (note.net_ore, note.vat_ore, note.total_ore) == (17_999, 4_500, 22_499)
    assert note.vat_ore == vat_on(note.net_ore, VAT_RATE_PERCENT)


def test_nothing_owed_no_credit_note() -> None:
    invoice = _issued(26_999)
    assert credit_of_what_is_owed(uuid.uuid4(), invoice, credited_net_ore=26_999, credited_vat_ore=6_750) is None
    assert credit_of_what_is_owed(uuid.uuid4(), invoice, credited_net_ore=30_000, credited_vat_ore=7_500) is None
