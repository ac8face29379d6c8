"""Statement documents over HTTP (issue 11): the PDF, CSV and JSON of any statement, the stored Peppol UBL of an
issued one, and the record of its deliveries.

Who may fetch them is the rule of the statements: agency staff; a municipality user only its own municipality's
statements; else 404 ``statement-not-found``.

**Where an access point plugs in.** Sending over the Peppol network is outside this service. An access point (or
the job that feeds one) fetches ``GET /statements/{id}/peppol.xml`` of each issued statement (409
``statement-document-pending`` until the worker has stored it: ask again after ``Retry-After``), sends it to the
municipality's EAN (scheme 0088) and then records it with ``POST /statements/{id}/deliveries``
``{"channel": "peppol", "reference": <the access point's message id>, "sent_at": ...}`` as a finance or admin
principal. Recording the same message id twice is safe (one delivery), and so is recording an e-mail or post
delivery (no reference) twice with the same ``sent_at``; ``GET /statements/{id}/deliveries`` lists
what was sent."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from invoicing.config import InvoicingSettings
from invoicing.ledger.endpoints import seller_of
from invoicing.ledger.models import Party
from invoicing.statement_documents import rendering, service
from invoicing.statement_documents.attachment import CSV_MEDIA_TYPE
from invoicing.statement_documents.models import PDF_MEDIA_TYPE, XML_MEDIA_TYPE, filename, issued_facts
from invoicing.statement_documents.schemas import DeliveriesOut, DeliveryIn, DeliveryOut, StatementJson
from vikar_shared.auth import Principal, Role
from vikar_shared.auth.dependencies import CurrentPrincipal, require_roles
from vikar_shared.db import transaction
from vikar_shared.errors import DomainError
from vikar_shared.http.deps import DbPool, Now
from vikar_shared.http.openapi import problem_responses
from vikar_shared.http.problems import problem

router = APIRouter(tags=["statements"])
Finance = Annotated[Principal, Depends(require_roles(Role.FINANCE, Role.ADMIN))]
# Seconds an access point waits before asking again for a Peppol document the worker has not stored yet.
DOCUMENT_RETRY_AFTER_SECONDS = 5
_PRIVATE = "private, no-store"


async def _seller(request: Request) -> Party:
    settings: InvoicingSettings = request.app.state.settings
    return seller_of(settings)


Seller = Annotated[Party, Depends(_seller)]


def _file(content: bytes, media_type: str, disposition: str, sha256_hex: str | None = None) -> Response:
    """A document answer: never cached by a shared cache; ``ETag`` its SHA-256 where given."""
    headers = {"Content-Disposition": disposition, "Cache-Control": _PRIVATE}
    if sha256_hex is not None:
        headers["ETag"] = f'"{sha256_hex}"'
    return Response(content, media_type=media_type, headers=headers)


@router.get(
    "/statements/{statement_id}/statement.pdf",
    response_class=Response,
    responses={
        200: {
            "description": "The statement or correction statement PDF (Danish); a draft's marked UDKAST",
            "content": {PDF_MEDIA_TYPE: {}},
        },
        **problem_responses(404, codes={404: ["statement-not-found"]}),
    },
    summary="The PDF of a statement",
    description="Agency staff; a municipality user only its own municipality's statements; the `service` role "
    "(notifications, attaching it to the statement contacts' mail) issued ones (else 404 "
    "`statement-not-found`). An issued statement: the PDF the worker stored (rendered on request, to the same "
    "bytes, until it has). A draft: rendered on request from its terms, marked *UDKAST*, no number. `ETag` is the "
    "PDF's SHA-256.",
)
async def statement_pdf(statement_id: UUID, viewer: CurrentPrincipal, pool: DbPool, seller: Seller) -> Response:
    async with transaction(pool) as conn:
        statement, facts, stored = await service.pdf_source(conn, viewer, statement_id, seller)
    if stored is not None:
        content, sha = stored.content, stored.sha256_hex
    else:
        content = await asyncio.to_thread(rendering.render_pdf, statement, facts)
        sha = hashlib.sha256(content).hexdigest()
    return _file(content, PDF_MEDIA_TYPE, f'inline; filename="{filename(statement, facts, ".pdf")}"', sha)


@router.get(
    "/statements/{statement_id}/statement.csv",
    response_class=Response,
    responses={
        200: {
            "description": "The statement's lines: UTF-8 with BOM, `;`-separated, integer øre and minutes "
            "(invoicing.statement_documents.attachment)",
            "content": {CSV_MEDIA_TYPE: {}},
        },
        **problem_responses(404, codes={404: ["statement-not-found"]}),
    },
    summary="The lines of a statement, as CSV",
    description="Agency staff (drafts too); a municipality user its own municipality's; the `service` role "
    "(notifications) issued ones (else 404 `statement-not-found`). Columns: Opgørelse; Linje; Borgerreference; "
    "Første arbejdsdato; Sidste arbejdsdato; "
    "Minutter; Sats (øre/time); Beløb (øre); Sen; Regulering.",
)
async def statement_csv(statement_id: UUID, viewer: CurrentPrincipal, pool: DbPool, seller: Seller) -> Response:
    async with transaction(pool) as conn:
        statement, facts, content = await service.statement_csv(conn, viewer, statement_id, seller)
    return _file(content, CSV_MEDIA_TYPE, f'attachment; filename="{filename(statement, facts, ".csv")}"')


@router.get(
    "/statements/{statement_id}/statement.json",
    response_model=StatementJson,
    responses=problem_responses(404, codes={404: ["statement-not-found"]}),
    summary="The whole statement as JSON",
    description="Parties, period, lines, VAT, totals (øre, minutes), figures and payment means, as the PDF states "
    "them. Agency staff (drafts too: number, dates null; VAT and totals null while the terms leave the VAT "
    "unstated); a municipality user its own municipality's (else 404 `statement-not-found`).",
)
async def statement_json(statement_id: UUID, viewer: CurrentPrincipal, pool: DbPool, seller: Seller) -> JSONResponse:
    async with transaction(pool) as conn:
        statement, facts = await service.statement_with_facts(conn, viewer, statement_id, seller)
    body = StatementJson.of(statement, facts)
    return JSONResponse(
        body.model_dump(mode="json"),
        headers={
            "Content-Disposition": f'inline; filename="{filename(statement, facts, ".json")}"',
            "Cache-Control": _PRIVATE,
        },
    )


@router.get(
    "/statements/{statement_id}/peppol.xml",
    response_class=Response,
    responses={
        200: {
            "description": "The Peppol BIS Billing 3.0 UBL 2.1 Invoice (a correction statement: CreditNote), "
            "validated by the official artefacts before it was stored",
            "content": {XML_MEDIA_TYPE: {}},
        },
        **problem_responses(
            404, 409, codes={404: ["statement-not-found"], 409: ["statement-draft", "statement-document-pending"]}
        ),
    },
    summary="The Peppol UBL document of an issued statement",
    description="Agency staff; a municipality user its own municipality's (else 404 `statement-not-found`). A "
    "draft: 409 `statement-draft`. Issued but not stored by the worker yet (or failing the rules, retried): 409 "
    "`statement-document-pending` with `Retry-After`. An access point fetches this, sends it and records it with "
    "`POST /statements/{id}/deliveries`.",
)
async def peppol_xml(statement_id: UUID, viewer: CurrentPrincipal, pool: DbPool) -> Response:
    try:
        async with transaction(pool) as conn:
            statement, document = await service.peppol_document(conn, viewer, statement_id)
    except DomainError as error:
        if error.code != "statement-document-pending":
            raise
        headers = {"Retry-After": str(DOCUMENT_RETRY_AFTER_SECONDS)}
        return problem(409, error.code, "conflict", error.detail, headers=headers)
    name = filename(statement, issued_facts(statement), ".xml")
    return _file(document.content, XML_MEDIA_TYPE, f'attachment; filename="{name}"', document.sha256_hex)


@router.post(
    "/statements/{statement_id}/deliveries",
    status_code=201,
    response_model=DeliveryOut,
    responses={
        200: {
            "description": "The same channel and reference (or, without a reference, the same channel and "
            "sent_at) were recorded before: that delivery",
            "model": DeliveryOut,
        },
        **problem_responses(
            403,
            404,
            409,
            422,
            codes={
                403: ["forbidden"],
                404: ["statement-not-found"],
                409: ["statement-draft", "delivery-differs"],
                422: ["reference-required", "sent-at-future", "sent-at-before-issue"],
            },
        ),
    },
    summary="Record that an issued statement was sent",
    description="Finance and admin (403 `forbidden` else). `channel` peppol (with `reference`: the access point's "
    "message id, else 422 `reference-required`), email or post; `sent_at` not in the future (422 `sent-at-future`) "
    "nor before the issue (422 `sent-at-before-issue`). A draft: 409 `statement-draft`. Idempotent on (statement, "
    "channel, reference), and without a reference (email, post) on (statement, channel, sent_at): the same again "
    "answers 200 with the delivery recorded first; the same reference with another `sent_at` is 409 "
    "`delivery-differs`. Deliveries are append-only.",
)
async def record_delivery(
    statement_id: UUID, body: DeliveryIn, actor: Finance, pool: DbPool, now: Now, response: Response
) -> DeliveryOut:
    async with transaction(pool) as conn:
        delivery, recorded = await service.record_delivery(
            conn, actor, statement_id, channel=body.channel, reference=body.reference, sent_at=body.sent_at, now=now
        )
    if not recorded:
        response.status_code = 200
    return DeliveryOut.of(delivery)


@router.get(
    "/statements/{statement_id}/deliveries",
    response_model=DeliveriesOut,
    responses=problem_responses(404, codes={404: ["statement-not-found"]}),
    summary="Where and when a statement was sent",
    description="Agency staff; a municipality user its own municipality's (else 404 `statement-not-found`).",
)
async def list_deliveries(statement_id: UUID, viewer: CurrentPrincipal, pool: DbPool) -> DeliveriesOut:
    async with transaction(pool) as conn:
        found = await service.deliveries(conn, viewer, statement_id)
    return DeliveriesOut(deliveries=[DeliveryOut.of(d) for d in found])
