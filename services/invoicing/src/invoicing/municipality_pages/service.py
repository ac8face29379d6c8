"""Use cases of the municipality's pages. Each takes the caller's connection and never commits.

An entry point with no table of its own: who is logged in comes from the page session
(``vikar_shared.identity.pages``): a ``municipality`` user's session with its municipality opens the pages as
``Principal(role=municipality, municipality_id=<session's>, subject=<address>)``, and every read goes through the
owning service as that principal: the statements service (its own municipality's issued statements only; anything
else 404 ``statement-not-found``), the statement documents service (PDF, CSV, Peppol XML) and the KPI service
(``kpis_as_of``: 404 ``municipality-not-found``, 422 ``as-of-future``)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import asyncpg

from invoicing.ledger.models import Party
from invoicing.municipality_kpis import service as kpis
from invoicing.municipality_kpis.models import MunicipalityKpis
from invoicing.municipality_pages.models import PAGE_SIZE, NoAccessError, StatementRow, row_of
from invoicing.statement_documents import rendering
from invoicing.statement_documents import service as documents
from invoicing.statement_documents.models import DocumentFacts, StatementDocument
from invoicing.statements import service as statements
from invoicing.statements.models import Statement, StatementStatus
from vikar_shared.auth.principal import Principal, Role
from vikar_shared.identity.tokens import PageSession


def principal_of(page: PageSession) -> Principal:
    """The principal a verified page session acts as: a ``municipality`` user's with its municipality. Any other
    session (a company approver's, a municipality session without a municipality) is NoAccessError."""
    if page.role is not Role.MUNICIPALITY or page.municipality_id is None:
        raise NoAccessError()
    return Principal(
        subject=page.subject, role=Role.MUNICIPALITY, municipality_id=page.municipality_id, email=page.subject
    )


async def progress(conn: asyncpg.Connection, viewer: Principal, as_of: date, *, today: date) -> MunicipalityKpis:
    """The viewer's municipality's figures as of ``as_of`` (``today``: the agency's date). Errors: 404
    ``municipality-not-found`` (invoicing has no terms of it yet), 422 ``as-of-future``."""
    assert viewer.municipality_id is not None, "principal_of gives a municipality"
    return await kpis.kpis_as_of(conn, viewer, viewer.municipality_id, as_of, today=today)


async def statements_page(conn: asyncpg.Connection, viewer: Principal, page: int) -> tuple[list[StatementRow], bool]:
    """Page ``page`` (1-based, :data:`PAGE_SIZE` a page) of the viewer's municipality's issued statements and
    correction statements, newest first (issue date, number); and whether a next page exists. Drafts and other
    municipalities' statements are never among them (the statements service's rule, checked again here)."""
    found = await statements.list_statements(
        conn,
        viewer,
        municipality_id=None,
        status=StatementStatus.ISSUED,
        document_type=None,
        period_from=None,
        period_to=None,
        limit=PAGE_SIZE + 1,
        offset=(page - 1) * PAGE_SIZE,
        newest_first=True,
    )
    shown = [s for s in found[:PAGE_SIZE] if s.is_issued and viewer.may_see_municipality(s.municipality_id)]
    return [row_of(s) for s in shown], len(found) > PAGE_SIZE


async def statement(conn: asyncpg.Connection, viewer: Principal, statement_id: UUID) -> Statement:
    """An issued statement of the viewer's municipality. 404 ``statement-not-found`` for another municipality's, a
    draft or an unknown id (:func:`invoicing.statements.service.may_see`)."""
    return await statements.get_statement(conn, viewer, statement_id)


async def pdf(
    conn: asyncpg.Connection, viewer: Principal, statement_id: UUID, seller: Party
) -> tuple[Statement, DocumentFacts, StatementDocument | None]:
    """The statement, its facts and its stored PDF (None until the worker stored it: render it with
    :func:`render_pdf`, the same bytes). 404 ``statement-not-found``."""
    return await documents.pdf_source(conn, viewer, statement_id, seller)


def render_pdf(statement: Statement, facts: DocumentFacts) -> bytes:
    """The statement's PDF, the bytes the worker stores (CPU work: call it in a worker thread)."""
    return rendering.render_pdf(statement, facts)


async def csv(
    conn: asyncpg.Connection, viewer: Principal, statement_id: UUID, seller: Party
) -> tuple[Statement, DocumentFacts, bytes]:
    """The CSV of the statement's lines. 404 ``statement-not-found``."""
    return await documents.statement_csv(conn, viewer, statement_id, seller)


async def peppol_xml(
    conn: asyncpg.Connection, viewer: Principal, statement_id: UUID
) -> tuple[Statement, StatementDocument]:
    """The stored, validated Peppol UBL. 404 ``statement-not-found``; 409 ``statement-document-pending`` while the
    worker has not stored it."""
    return await documents.peppol_document(conn, viewer, statement_id)
