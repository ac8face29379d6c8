"""The service's Kafka consumers: which topics, which event types, which handlers."""

from __future__ import annotations

from notifications.companies.handlers import company_handlers
from notifications.config import NotificationsSettings
from notifications.directory.handlers import DIRECTORY_HANDLERS
from notifications.emails.models import MailContext, domain_of
from notifications.login_links.handlers import login_link_handlers
from notifications.submissions.handlers import submission_handlers
from vikar_shared.clock import Clock
from vikar_shared.events import placement, timesheet
from vikar_shared.messaging.subscriber import ConsumerSpec


def mail_context(settings: NotificationsSettings) -> MailContext:
    return MailContext(
        portal_base_url=settings.portal_base_url or settings.public_base_url,
        message_id_domain=domain_of(settings.smtp_from),
    )


def build_consumers(settings: NotificationsSettings, clock: Clock) -> list[ConsumerSpec]:
    """Handlers render e-mails with settings (portal link, Message-ID domain) and read ``clock`` (the app's),
    hence a factory, not a constant."""
    context = mail_context(settings)
    return [
        ConsumerSpec(
            name="notifications.companies",
            topics=[placement.TOPIC],
            handlers={**company_handlers(context), **DIRECTORY_HANDLERS},
            description="Who to tell: companies with their approvers, backup approvers and billing contact; the "
            "staff directory; municipality agreements' statement contacts; placements with their consultant",
        ),
        ConsumerSpec(
            name="notifications.hours",
            topics=[timesheet.TOPIC],
            handlers=submission_handlers(context),
            description="Submitted hours, mailed to the company's approvers (a change before approval "
            "updates a submission not mailed yet, and mails nothing itself)",
        ),
        ConsumerSpec(
            name="notifications.login_links",
            topics=[placement.TOPIC, timesheet.TOPIC],
            handlers=login_link_handlers(context, clock),
            description="Login links (placement's, and timesheet's still in flight), mailed to the person who "
            "asked (own group: never behind hours)",
        ),
    ]
