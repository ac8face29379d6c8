"""The mail telling finance that a webhook endpoint was disabled after failing for days (da/en, text and HTML)."""

from __future__ import annotations

import uuid
from datetime import datetime

from notifications.directory.models import StaffMember, language_or_danish
from notifications.emails.models import EmailKind, PlannedEmail, message_id_for, single_line
from notifications.emails.templates import MAIL
from notifications.webhooks.models import Endpoint
from vikar_shared.clock import AGENCY_TIMEZONE

_NAMESPACE = uuid.UUID("6f1c2f8e-4f59-4d1e-9a55-0c2b8e7d1a14")

_SUBJECT = {"da": "Webhook slået fra: {target}", "en": "Webhook disabled: {target}"}
_GREETING = {"da": "Hej {name},", "en": "Hello {name},"}


def disabled_event_id(endpoint: Endpoint, disabled_at: datetime) -> uuid.UUID:
    """The mail outbox's idempotency key: one mail per recipient per time an endpoint is disabled."""
    return uuid.uuid5(_NAMESPACE, f"{endpoint.id}/{disabled_at.isoformat()}")


def target_of(url: str) -> str:
    """The URL without a query string (refused since registration refuses one; endpoints stored before keep it out
    of mails)."""
    return single_line(url.split("?", 1)[0])


def plan_disabled_mails(
    endpoint: Endpoint,
    *,
    disabled_at: datetime,
    failing_since: datetime,
    last_error: str | None,
    recipients: list[StaffMember],
    message_id_domain: str,
) -> list[PlannedEmail]:
    """One mail per active finance member, in their language. Shapes: the endpoint's URL (no query), its
    description, since when it failed (Danish time) and the last error; never the secret."""
    event_id = disabled_event_id(endpoint, disabled_at)
    planned: list[PlannedEmail] = []
    for member in recipients:
        locale = language_or_danish(member.language)
        target = target_of(endpoint.url)
        subject = _SUBJECT[locale].format(target=target)
        context = {
            "target": target,
            "description": single_line(endpoint.description or ""),
            "endpoint_id": str(endpoint.id),
            "failing_since": failing_since.astimezone(AGENCY_TIMEZONE).strftime("%Y-%m-%d %H:%M"),
            "last_error": single_line(last_error or ""),
        }
        greeting = _GREETING[locale].format(name=single_line(member.name))
        planned.append(
            PlannedEmail(
                kind=EmailKind.WEBHOOK_ENDPOINT_DISABLED,
                event_id=event_id,
                recipient=member.email,
                recipient_name=member.name,
                subject=subject,
                body=MAIL.text_part(
                    f"mail/webhook_endpoint_disabled_{locale}.txt", greeting=greeting, locale=locale, **context
                ),
                html_body=MAIL.html_part(
                    f"mail/webhook_endpoint_disabled_{locale}.html",
                    greeting=greeting,
                    locale=locale,
                    subject=subject,
                    **context,
                ),
                message_id=message_id_for(event_id, member.email, message_id_domain),
                language=locale,
            )
        )
    return planned
