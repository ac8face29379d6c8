"""Kafka handlers of the parties' mails: invoicing's topic (consumer ``notifications.invoicing``), and the placement
events that name a waiting party's recipients (run after the companies/directory read models in their consumer)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg

from notifications.emails.models import MailContext
from notifications.party_mails import service
from vikar_shared.events.envelope import Envelope, EventData
from vikar_shared.events.invoicing import (
    CorrectionStatementIssued,
    CreditNoteIssued,
    InvoiceIssued,
    InvoicePaid,
    InvoicePaymentFailed,
    InvoiceVoided,
    PaymentReminderIssued,
    StatementIssued,
)
from vikar_shared.events.placement import CompanyRegistered, CompanyUpdated, MunicipalityTermsSet
from vikar_shared.messaging.consumer import Handler


def invoicing_handlers(context: MailContext) -> Mapping[type[EventData], Handler]:
    async def on_company_event(conn: asyncpg.Connection, envelope: Envelope, data: Any) -> None:
        await service.on_company_event(conn, envelope.id, data, context)

    async def on_municipality_event(conn: asyncpg.Connection, envelope: Envelope, data: Any) -> None:
        await service.on_municipality_event(conn, envelope.id, data, context)

    async def on_invoice_settled(
        conn: asyncpg.Connection, envelope: Envelope, data: InvoicePaid | InvoiceVoided
    ) -> None:
        await service.on_invoice_settled(conn, data)

    return {
        InvoiceIssued: on_company_event,
        CreditNoteIssued: on_company_event,
        InvoicePaymentFailed: on_company_event,
        PaymentReminderIssued: on_company_event,
        StatementIssued: on_municipality_event,
        CorrectionStatementIssued: on_municipality_event,
        InvoicePaid: on_invoice_settled,
        InvoiceVoided: on_invoice_settled,
    }


def recipient_handlers(context: MailContext) -> Mapping[type[EventData], Handler]:
    """Placement's events that may name a waiting party's recipients (the read models stored them just before)."""

    async def on_company(
        conn: asyncpg.Connection, envelope: Envelope, data: CompanyRegistered | CompanyUpdated
    ) -> None:
        await service.mail_waiting_for_company(conn, data.company_id, context)

    async def on_terms(conn: asyncpg.Connection, envelope: Envelope, data: MunicipalityTermsSet) -> None:
        await service.mail_waiting_for_municipality(conn, data.municipality_id, context)

    return {CompanyRegistered: on_company, CompanyUpdated: on_company, MunicipalityTermsSet: on_terms}
