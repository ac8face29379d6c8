"""Issue 14 (part B): what each answer of a document API means for the mail (retry or give up), the service token
sent, no redirect followed; and the message carries the attachment and its language."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import jwt
import pytest

from notifications.emails.documents import HttpDocumentFetcher, service_token_minter
from notifications.emails.mailer import MailDeliveryError
from notifications.emails.message import build_message
from notifications.emails.models import AttachmentRef, OutgoingEmail

REF = AttachmentRef(filename="faktura-1.pdf", media_type="application/pdf", service="invoicing", path="/invoices/1/pdf")
SECRET = "a-test-secret-of-at-least-32-characters!"


def _fetcher(handler: object) -> HttpDocumentFetcher:
    return HttpDocumentFetcher(
        base_urls={"invoicing": "http://invoicing.test"},
        token=service_token_minter({"k1": SECRET}, issuer="vikarmodel", audience="vikarmodel"),
        timeout_seconds=1,
        transport=httpx.MockTransport(handler),  # type: ignore[arg-type]
    )


def _problem(status: int, code: str) -> httpx.Response:
    return httpx.Response(status, json={"code": code}, headers={"content-type": "application/problem+json"})


async def test_the_document_comes_with_a_service_token_of_five_minutes() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b"%PDF-1.7")

    assert await _fetcher(handler).fetch(REF) == b"%PDF-1.7"
    [request] = seen
    assert str(request.url) == "http://invoicing.test/invoices/1/pdf"
    token = request.headers["authorization"].removeprefix("Bearer ")
    assert jwt.get_unverified_header(token)["kid"] == "k1"
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience="vikarmodel", issuer="vikarmodel")
    assert (claims["sub"], claims["role"], claims["exp"] - claims["iat"]) == ("service:notifications", "service", 300)


@pytest.mark.parametrize(
    ("answer", "permanent", "said"),
    [
        (_problem(500, "internal"), False, "answered 500 internal"),
        (_problem(503, "dependency-unavailable"), False, "answered 503 dependency-unavailable"),
        (_problem(404, "document-not-ready"), False, "answered 404 document-not-ready"),
        (_problem(429, "too-many"), False, "answered 429 too-many"),
        (_problem(404, "invoice-not-found"), True, "answered 404 invoice-not-found"),
        (_problem(403, "forbidden"), True, "answered 403 forbidden"),
        (_problem(401, "unauthenticated"), True, "answered 401 unauthenticated"),
        (httpx.Response(302, headers={"location": "http://elsewhere.test/x"}), True, "answered 302 (a redirect"),
    ],
)
async def test_each_answer_is_a_retry_or_a_permanent_failure(
    answer: httpx.Response, permanent: bool, said: str
) -> None:
    with pytest.raises(MailDeliveryError) as raised:
        await _fetcher(lambda request: answer).fetch(REF)
    assert raised.value.permanent is permanent
    assert str(raised.value).startswith(f"attachment 'faktura-1.pdf' from invoicing: /invoices/1/pdf {said}")


async def test_a_connection_error_is_retried() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(MailDeliveryError) as raised:
        await _fetcher(handler).fetch(REF)
    assert not raised.value.permanent
    assert str(raised.value) == "attachment 'faktura-1.pdf' from invoicing: ConnectError"


def test_the_message_carries_the_attachments_and_keeps_its_content_language() -> None:
    email = OutgoingEmail(
        id=1,
        event_id=uuid.uuid4(),
        recipient="hanne@bager.example",
        recipient_name="Hanne",
        subject="Invoice 1",
        body="Dear Hanne,\n",
        message_id="<x@vikarmodel.dk>",
        attempts=0,
        html_body="<p>Dear Hanne,</p>",
        language="en",
        attachments=(REF,),
    )
    csv = AttachmentRef(filename="s.csv", media_type="text/csv", service="invoicing", path="/s.csv")
    message = build_message(
        email,
        "Vikarmodellen <noreply@vikarmodel.dk>",
        now=datetime(2026, 11, 6, tzinfo=UTC),
        documents=[(REF, b"%PDF-1.7"), (csv, b"a;b\n")],
    )
    assert message["Content-Language"] == "en"
    parts = {p.get_filename(): (p.get_content_type(), p.get_payload(decode=True)) for p in message.iter_attachments()}
    assert parts == {"faktura-1.pdf": ("application/pdf", b"%PDF-1.7"), "s.csv": ("text/csv", b"a;b\n")}
    assert message.get_body(("plain",)).get_content() == "Dear Hanne,\n"  # type: ignore[union-attr]
    assert message.get_body(("html",)) is not None


@pytest.mark.parametrize("base", ["ftp://invoicing.test", "invoicing.test"])
async def test_an_unusable_base_url_fails_for_good(base: str) -> None:
    fetcher = HttpDocumentFetcher(
        base_urls={"invoicing": base},
        token=lambda: "t",
        timeout_seconds=1,
    )
    with pytest.raises(MailDeliveryError) as raised:
        await fetcher.fetch(REF)
    assert raised.value.permanent
    assert "is not a usable URL" in str(raised.value)
