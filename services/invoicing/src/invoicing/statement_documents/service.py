"""Statement documents (issue 11): the stored PDF and Peppol UBL of each issued statement (rendered by the worker's
job after the issuing transaction, the XML stored only when the official rules pass it), the PDF, CSV and JSON of
any statement on request, and the record of its deliveries. Services never commit.

Access is the statements' rule (:func:`invoicing.statements.service.get_statement`): agency staff see every
statement, a municipality user its own municipality's; anyone else 404 ``statement-not-found``. Recording a
delivery: finance and admin only (403 ``forbidden``).

Problem codes: 404 ``statement-not-found``; 409 ``statement-draft`` (a draft has no Peppol document and is not
sent), ``statement-document-pending`` (issued, its Peppol document not stored yet), ``delivery-differs`` (the
same channel and reference recorded with another ``sent_at``); 422 ``sent-at-future``, ``sent-at-before-issue``,
``reference-required`` (a Peppol delivery names the access point's message id). Sources:
``shared/docs/domain.md`` rules 4 (issued documents are facts) and 7 (never a CPR number)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from datetime import datetime, timedelta
from uuid import UUID

import asyncpg

from invoicing.ledger.models import Party
from invoicing.peppol import ubl, validation
from invoicing.statement_documents import attachment, rendering, repository
from invoicing.statement_documents.models import (
    PDF_MEDIA_TYPE,
    XML_MEDIA_TYPE,
    Delivery,
    DeliveryChannel,
    DocumentFacts,
    StatementDocument,
    issued_facts,
    retry_seconds,
)
from invoicing.statements import service as statements
from invoicing.statements.models import Statement
from vikar_shared.auth import Principal, Role
from vikar_shared.errors import DomainError, conflict, forbidden, invalid

log = logging.getLogger(__name__)
# Who the document job reads a statement as: finance, which sees every statement (it only reads).
DOCUMENT_JOB = Principal(subject="invoicing-statement-document-job", role=Role.FINANCE)
# Names the Peppol builder in statement_documents.renderer beside the validated XML.
UBL_RENDERER = "invoicing.peppol.ubl (validated: UBL 2.1 XSD, CEN EN 16931, Peppol BIS 3)"


def peppol_renderer_name() -> str:
    return UBL_RENDERER


async def facts_of(conn: asyncpg.Connection, statement: Statement, seller: Party) -> DocumentFacts:
    """An issued statement's frozen facts; a draft's from its terms version and ``seller`` (the settings')."""
    if statement.is_issued:
        return issued_facts(statement)
    buyer, vat, means = await statements.draft_terms(conn, statement)
    return DocumentFacts(
        draft=True,
        number=None,
        issue_date=None,
        due_date=None,
        seller=seller,
        buyer=buyer,
        vat=vat,
        payment_means=means,
    )


# --- The worker's job ---------------------------------------------------------------------------------------------


async def render_due(conn: asyncpg.Connection, statement_id: UUID, *, now: datetime) -> bool:
    """Renders and stores the PDF and the Peppol XML of a claimed due statement (:func:`repository.claim_due`) in
    the caller's transaction, each unless stored already, and takes it off the queue. True when both are stored.

    The XML is stored only when :func:`invoicing.peppol.validation.validate` passes it (no fatal finding); else the
    PDF is stored all the same, the statement stays due with ``last_error`` ``peppol-invalid: <rule ids>`` and is
    tried again after :func:`invoicing.statement_documents.models.retry_seconds` (returns False). A statement that
    is gone or still a draft is taken off the queue. Exceptions of the renderers propagate (the job retries)."""
    try:
        statement = await statements.get_statement(conn, DOCUMENT_JOB, statement_id)
    except DomainError:  # statement-not-found: nothing to render
        await repository.done(conn, statement_id)
        return False
    if not statement.is_issued:
        await repository.done(conn, statement_id)
        return False
    facts = issued_facts(statement)
    stored = await repository.stored_media_types(conn, statement_id)
    if PDF_MEDIA_TYPE not in stored:
        pdf = await asyncio.to_thread(rendering.render_pdf, statement, facts)
        await repository.store(conn, _document(statement_id, PDF_MEDIA_TYPE, pdf, rendering.renderer_name(), now))
    if XML_MEDIA_TYPE not in stored:
        xml = await asyncio.to_thread(ubl.statement_ubl, statement)
        report = await asyncio.to_thread(validation.validate, xml)
        if not report.valid:
            rules = sorted({finding.rule_id for finding in report.fatal})
            pending = await repository.due(conn, statement_id)
            delay = timedelta(seconds=retry_seconds(pending.attempts if pending else 0))
            await repository.retry_later(conn, statement_id, "peppol-invalid: " + ", ".join(rules), delay)
            # Rule ids only: no names, no amounts in the log.
            log.warning("statement %s: its Peppol document fails %s; trying again later", statement_id, rules)
            return False
        await repository.store(conn, _document(statement_id, XML_MEDIA_TYPE, xml, peppol_renderer_name(), now))
    await repository.done(conn, statement_id)
    return True


def _document(statement_id: UUID, media_type: str, content: bytes, renderer: str, now: datetime) -> StatementDocument:
    return StatementDocument(
        statement_id=statement_id,
        media_type=media_type,
        content=content,
        sha256=hashlib.sha256(content).digest(),
        renderer=renderer,
        rendered_at=now,
    )


# --- Documents on request -----------------------------------------------------------------------------------------


async def pdf_source(
    conn: asyncpg.Connection, viewer: Principal, statement_id: UUID, seller: Party
) -> tuple[Statement, DocumentFacts, StatementDocument | None]:
    """The statement, its facts and its stored PDF (None for a draft, or an issued statement the job has not
    rendered yet: render it with :func:`invoicing.statement_documents.rendering.render_pdf`, the same bytes the
    job stores). 404 ``statement-not-found``."""
    statement = await statements.get_issued_statement_document(conn, viewer, statement_id)
    facts = await facts_of(conn, statement, seller)
    stored = await repository.get_document(conn, statement_id, PDF_MEDIA_TYPE) if statement.is_issued else None
    return statement, facts, stored


async def statement_csv(
    conn: asyncpg.Connection, viewer: Principal, statement_id: UUID, seller: Party
) -> tuple[Statement, DocumentFacts, bytes]:
    """The CSV of the statement's lines (:mod:`invoicing.statement_documents.attachment`). Errors: 404
    ``statement-not-found``."""
    statement = await statements.get_issued_statement_document(conn, viewer, statement_id)
    facts = await facts_of(conn, statement, seller)
    return statement, facts, attachment.statement_csv(statement, facts)


async def statement_with_facts(
    conn: asyncpg.Connection, viewer: Principal, statement_id: UUID, seller: Party
) -> tuple[Statement, DocumentFacts]:
    """The statement and its facts (for its JSON). 404 ``statement-not-found``."""
    statement = await statements.get_statement(conn, viewer, statement_id)
    return statement, await facts_of(conn, statement, seller)


async def peppol_document(
    conn: asyncpg.Connection, viewer: Principal, statement_id: UUID
) -> tuple[Statement, StatementDocument]:
    """The stored, validated Peppol UBL of an issued statement. Errors: 404 ``statement-not-found``; 409
    ``statement-draft``; 409 ``statement-document-pending`` (the job has not stored it yet, or the document
    failed the official rules and waits for a retry: the detail says which)."""
    statement = await statements.get_statement(conn, viewer, statement_id)
    if not statement.is_issued:
        raise conflict("statement-draft", "The statement is a draft: it has a Peppol document once it is issued")
    found = await repository.get_document(conn, statement_id, XML_MEDIA_TYPE)
    if found is None:
        pending = await repository.due(conn, statement_id)
        detail = "The statement's Peppol document is being rendered and validated; ask again shortly"
        if pending is not None and pending.last_error and pending.last_error.startswith("peppol-invalid"):
            detail = f"The statement's Peppol document failed validation ({pending.last_error}); it is retried"
        raise conflict("statement-document-pending", detail)
    return statement, found


# --- Deliveries ---------------------------------------------------------------------------------------------------


async def record_delivery(
    conn: asyncpg.Connection,
    actor: Principal,
    statement_id: UUID,
    *,
    channel: DeliveryChannel,
    reference: str | None,
    sent_at: datetime,
    now: datetime,
) -> tuple[Delivery, bool]:
    """Records that the issued statement was sent; ``(delivery, True)`` when recorded now, ``(the earlier one,
    False)`` when the same channel and reference were recorded before with the same ``sent_at`` (a retry), or,
    without a reference (e-mail, post), the same channel with the same ``sent_at`` and no reference.
    Errors: 403 ``forbidden`` (not finance or admin); 404 ``statement-not-found``; 409 ``statement-draft``,
    ``delivery-differs``; 422 ``reference-required`` (peppol without reference), ``sent-at-future``,
    ``sent-at-before-issue``."""
    if actor.role not in (Role.FINANCE, Role.ADMIN):
        raise forbidden("Only finance and admin record that a statement was sent")
    statement = await statements.get_statement(conn, actor, statement_id)
    if statement.issue is None:
        raise conflict("statement-draft", "The statement is a draft: only an issued statement is sent")
    if channel is DeliveryChannel.PEPPOL and reference is None:
        raise invalid("reference", "reference-required", "A Peppol delivery names the access point's message id")
    if sent_at > now:
        raise invalid("sent_at", "sent-at-future", "sent_at cannot be in the future")
    if sent_at < statement.issue.issued_at:
        raise invalid("sent_at", "sent-at-before-issue", "sent_at cannot be before the statement was issued")
    await repository.lock_statement(conn, statement_id)
    if reference is not None:
        earlier = await repository.find_delivery(conn, statement_id, channel, reference)
        if earlier is not None:
            if earlier.sent_at != sent_at:
                raise conflict(
                    "delivery-differs",
                    f"This {channel.value} delivery ({reference}) was recorded with sent_at "
                    f"{earlier.sent_at.isoformat()}",
                )
            return earlier, False
    else:
        # Without a reference a delivery is one by its channel and sent_at: a retried e-mail or post record (the
        # same channel and sent_at again) answers with the first (tester 11, F5); the statement lock serialises.
        unreferenced = await repository.find_unreferenced_delivery(conn, statement_id, channel, sent_at)
        if unreferenced is not None:
            return unreferenced, False
    delivery = await repository.insert_delivery(
        conn,
        delivery_id=uuid.uuid4(),
        statement_id=statement_id,
        channel=channel,
        reference=reference,
        sent_at=sent_at,
        recorded_by=actor.subject,
        recorded_at=now,
    )
    return delivery, True


async def deliveries(conn: asyncpg.Connection, viewer: Principal, statement_id: UUID) -> list[Delivery]:
    """Every recorded delivery of the statement, by ``sent_at``. 404 ``statement-not-found``."""
    await statements.get_statement(conn, viewer, statement_id)
    return await repository.deliveries(conn, statement_id)
