"""The municipality's pages (served by invoicing under the one origin's ``/municipality``). Read-only: no form that
changes anything, so no CSRF check (the date form is a GET; the navigation's logout button posts the session's
CSRF value to the identity owner). Each request reads in one transaction; every failure ends on a page in the
visitor's language.

``as_of`` is parsed by the KPI API's own parser (:func:`invoicing.municipality_pages.models.as_of_date` over
``vikar_shared.types.periods.day_of``): the same values accepted and refused with the same rule (``date-format``,
``date-out-of-range``: a 422 page naming it). An empty ``?as_of=`` (a cleared form field) means today on the page,
as an absent one does.

| method and path | what |
|---|---|
| ``GET /municipality``, ``/municipality/`` | 303 to ``/municipality/progress`` |
| ``GET /municipality/progress?as_of=YYYY-MM-DD`` | the figures as of a date (absent, empty: today), three SVG charts |
| ``GET /municipality/statements?page=N`` | the municipality's issued statements, newest first, 50 a page |
| ``GET /municipality/statements/{id}`` | one statement with its lines and totals |
| ``GET /municipality/statements/{id}/pdf`` · ``/csv`` · ``/xml`` | its documents (attachments) |
| ``GET /municipality/static/vikar.css`` | the shared stylesheet |
"""

from __future__ import annotations

import asyncio
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from invoicing.ledger.endpoints import seller_of
from invoicing.municipality_pages import charts, service
from invoicing.municipality_pages.models import (
    PAGE_SIZE,
    as_of_date,
    end_reason_rows,
    end_reasons_by_month,
    page_number,
)
from invoicing.municipality_pages.pages import PREFIX, PROGRESS_PATH, STATEMENTS_PATH
from invoicing.municipality_pages.web import ends_on_a_page, open_visit, session_page, settings_of
from invoicing.statement_documents.attachment import CSV_MEDIA_TYPE
from invoicing.statement_documents.models import PDF_MEDIA_TYPE, XML_MEDIA_TYPE, filename, issued_facts
from invoicing.statements.models import Statement
from vikar_shared.clock import agency_date
from vikar_shared.db import transaction
from vikar_shared.errors import DomainError, not_found
from vikar_shared.http.deps import DbPool, Now
from vikar_shared.web.pages import SECURITY_HEADERS, redirect
from vikar_shared.web.static import stylesheet_response

router = APIRouter(prefix=PREFIX, include_in_schema=False)
# Seconds the "not ready yet" page asks a browser to wait (the documents API's Retry-After).
DOCUMENT_RETRY_AFTER_SECONDS = 5


@router.get("/static/vikar.css")
async def stylesheet() -> Response:
    """The shared stylesheet under the pages' prefix (``/municipality/static/vikar.css``)."""
    return stylesheet_response()


@router.get("")
@router.get("/")
async def home() -> Response:
    """The pages start at the progress page."""
    return redirect(PROGRESS_PATH)


@router.get("/progress")
@ends_on_a_page
async def progress(request: Request, pool: DbPool, now: Now) -> Response:
    today = agency_date(now)
    async with transaction(pool) as conn:
        visit = await open_visit(conn, request, now)
        request.state.agency_today = visit.t.full_date(today)
        as_of = as_of_date(request.query_params.get("as_of"), today)
        kpis = await service.progress(conn, visit.principal, as_of, today=today)
    drawn = await asyncio.to_thread(charts.render_charts, kpis, visit.t) if kpis.months else None
    return session_page(
        request,
        visit,
        "municipality/progress.html",
        kpis=kpis,
        charts=drawn,
        end_reasons=end_reason_rows(kpis.end_reasons),
        monthly_end_reasons=end_reasons_by_month(kpis.months),
        today=today,
        nav="progress",
    )


@router.get("/statements")
@ends_on_a_page
async def statements(request: Request, pool: DbPool, now: Now) -> Response:
    async with transaction(pool) as conn:
        visit = await open_visit(conn, request, now)
        page = page_number(request.query_params.get("page"))
        rows, more = await service.statements_page(conn, visit.principal, page)
    return session_page(
        request,
        visit,
        "municipality/statements.html",
        rows=rows,
        page=page,
        previous=page > 1,
        more=more,
        page_size=PAGE_SIZE,
        nav="statements",
    )


def _statement_id(raw: str) -> UUID:
    try:
        return UUID(raw)
    except ValueError:
        raise not_found("statement") from None


@router.get("/statements/{statement_id}")
@ends_on_a_page
async def statement(statement_id: str, request: Request, pool: DbPool, now: Now) -> Response:
    async with transaction(pool) as conn:
        visit = await open_visit(conn, request, now)
        found = await service.statement(conn, visit.principal, _statement_id(statement_id))
    return session_page(request, visit, "municipality/statement.html", statement=found, nav="statements")


def _attachment(content: bytes, media_type: str, name: str, sha256_hex: str | None = None) -> Response:
    headers = {**SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'}
    if sha256_hex is not None:
        headers["ETag"] = f'"{sha256_hex}"'
    return Response(content, media_type=media_type, headers=headers)


def _name(statement: Statement, suffix: str) -> str:
    return filename(statement, issued_facts(statement), suffix)


@router.get("/statements/{statement_id}/pdf")
@ends_on_a_page
async def statement_pdf(statement_id: str, request: Request, pool: DbPool, now: Now) -> Response:
    seller = seller_of(settings_of(request))
    async with transaction(pool) as conn:
        visit = await open_visit(conn, request, now)
        found, facts, stored = await service.pdf(conn, visit.principal, _statement_id(statement_id), seller)
    if stored is not None:
        return _attachment(stored.content, PDF_MEDIA_TYPE, _name(found, ".pdf"), stored.sha256_hex)
    # Issued, but the worker has not stored its PDF yet: render the same bytes now (as the documents API does).
    content = await asyncio.to_thread(service.render_pdf, found, facts)
    return _attachment(content, PDF_MEDIA_TYPE, _name(found, ".pdf"))


@router.get("/statements/{statement_id}/csv")
@ends_on_a_page
async def statement_csv(statement_id: str, request: Request, pool: DbPool, now: Now) -> Response:
    seller = seller_of(settings_of(request))
    async with transaction(pool) as conn:
        visit = await open_visit(conn, request, now)
        found, _, content = await service.csv(conn, visit.principal, _statement_id(statement_id), seller)
    return _attachment(content, CSV_MEDIA_TYPE, _name(found, ".csv"))


@router.get("/statements/{statement_id}/xml")
@ends_on_a_page
async def statement_xml(statement_id: str, request: Request, pool: DbPool, now: Now) -> Response:
    async with transaction(pool) as conn:
        visit = await open_visit(conn, request, now)
        try:
            found, document = await service.peppol_xml(conn, visit.principal, _statement_id(statement_id))
        except DomainError as error:
            if error.code != "statement-document-pending":
                raise
            # Issued, but the worker has not stored its validated Peppol document yet: say so.
            back = (STATEMENTS_PATH, "back_to_statements")
            waiting = session_page(
                request,
                visit,
                "municipality/message.html",
                status=404,
                title="document_not_ready_title",
                text="document_not_ready_text",
                link=back,
                extra=None,
                reference=None,
                params={},
            )
            waiting.headers["Retry-After"] = str(DOCUMENT_RETRY_AFTER_SECONDS)
            return waiting
    return _attachment(document.content, XML_MEDIA_TYPE, _name(found, ".xml"), document.sha256_hex)
