"""The service's Kafka consumers: which topics, which event types, which handlers."""

from __future__ import annotations

from collections.abc import Mapping
from email.utils import parseaddr
from typing import Any

import asyncpg

from notifications.companies.handlers import company_handlers
from notifications.config import NotificationsSettings
from notifications.directory.handlers import DIRECTORY_HANDLERS
from notifications.emails.models import MailContext, domain_of
from notifications.login_links.handlers import login_link_handlers
from notifications.party_mails import handlers as party_mails
from notifications.pending import handlers as pending
from notifications.reminders.handlers import deemed_approved_handler
from notifications.submissions.handlers import submission_handlers
from notifications.webhooks.handlers import webhook_handlers  # issue 14, part D
from vikar_shared.clock import Clock
from vikar_shared.events import invoicing, placement, timesheet
from vikar_shared.events.envelope import Envelope, EventData
from vikar_shared.events.timesheet import (
    EntriesDeemedApproved,
    EntryApproved,
    EntryChanged,
    EntryRejected,
    HoursSubmitted,
)
from vikar_shared.messaging.consumer import Handler
from vikar_shared.messaging.subscriber import ConsumerSpec


def mail_context(settings: NotificationsSettings) -> MailContext:
    return MailContext(
        portal_base_url=settings.portal_base_url or settings.public_base_url,
        message_id_domain=domain_of(settings.smtp_from),
        # Issue 14: the agency's name, the From header's display name (one rule: agency_name).
        agency_name=agency_name(settings),
    )


def agency_name(settings: NotificationsSettings) -> str:
    """The agency's name as mails show it (part C): the sender's display name, e.g. ``Vikarmodellen``."""
    name, _ = parseaddr(settings.smtp_from)
    return name.strip() or "Vikarmodellen"


def _in_turn(*handlers: Handler) -> Handler:
    """One handler running ``handlers`` in order in the same inbox transaction (one event, several read models)."""

    async def handle(conn: asyncpg.Connection, envelope: Envelope, data: Any) -> None:
        for handler in handlers:
            await handler(conn, envelope, data)

    return handle


def hours_handlers(context: MailContext, agency: str = "Vikarmodellen") -> Mapping[type[EventData], Handler]:
    """Timesheet's events: the submissions' approval mails and the pending-hours read model (issue 14)."""
    submissions = submission_handlers(context)
    return {
        HoursSubmitted: _in_turn(submissions[HoursSubmitted], pending.on_hours_submitted),
        EntryChanged: _in_turn(submissions[EntryChanged], pending.on_entry_changed),
        EntryApproved: pending.on_entry_decided,
        EntryRejected: pending.on_entry_decided,
        # Issue 14 part C: the approvers are told what timesheet deemed approved.
        EntriesDeemedApproved: deemed_approved_handler(context, agency),
    }


def _with_waiting_party_mails(
    handlers: Mapping[type[EventData], Handler], context: MailContext
) -> dict[type[EventData], Handler]:
    """Issue 14 (part B): after a company or agreement is stored, its invoicing events waiting for a recipient are
    mailed (in the same inbox transaction)."""
    combined = dict(handlers)
    for event_type, mail_waiting in party_mails.recipient_handlers(context).items():
        combined[event_type] = _in_turn(combined[event_type], mail_waiting) if event_type in combined else mail_waiting
    return combined


def build_consumers(settings: NotificationsSettings, clock: Clock) -> list[ConsumerSpec]:
    """Handlers render e-mails with settings (portal link, Message-ID domain) and read ``clock`` (the app's),
    hence a factory, not a constant."""
    context = mail_context(settings)
    return [
        ConsumerSpec(
            name="notifications.companies",
            topics=[placement.TOPIC],
            handlers=_with_waiting_party_mails({**company_handlers(context), **DIRECTORY_HANDLERS}, context),
            description="Who to tell: companies with their approvers, backup approvers and billing contact; the "
            "staff directory; municipality agreements' statement contacts; placements with their consultant",
        ),
        ConsumerSpec(
            name="notifications.hours",
            topics=[timesheet.TOPIC],
            handlers=hours_handlers(context, agency_name(settings)),
            description="Submitted hours, mailed to the company's approvers (a change before approval "
            "updates a submission not mailed yet, and mails nothing itself); the hours awaiting approval "
            "(the reminder ladder's and the digest's input)",
        ),
        # Issue 14 (part B): the parties' mails.
        ConsumerSpec(
            name="notifications.invoicing",
            topics=[invoicing.TOPIC],
            handlers=party_mails.invoicing_handlers(context),
            description="Invoices, credit notes, failed payments and payment reminders mailed to the company's "
            "billing contact (and finance), statements to the municipality's statement contacts, with the documents "
            "attached when sent; a payment cancels the invoice's reminders not sent yet",
        ),
        ConsumerSpec(
            name="notifications.login_links",
            topics=[placement.TOPIC, timesheet.TOPIC],
            handlers=login_link_handlers(context, clock),
            description="Login links (placement's, and timesheet's still in flight), mailed to the person who "
            "asked (own group: never behind hours)",
        ),
        # Issue 14, part D: signed webhooks for finance systems.
        ConsumerSpec(
            name="notifications.webhooks",
            topics=[invoicing.TOPIC],
            handlers=webhook_handlers(clock),
            description="Invoicing's invoice, credit note, payment and statement events, recorded as one "
            "delivery per webhook endpoint subscribed to the type (the webhook sender posts them signed)",
        ),
    ]
