"""Use case: turn a requested login link into one outgoing e-mail (sent by the mail outbox's sender)."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

import asyncpg

from notifications.companies import reads as companies
from notifications.emails import service as outbox
from notifications.emails.models import MailContext, normalise_address
from notifications.login_links.login_mail import plan_login_email
from notifications.login_links.models import Addressee, LoginLink
from vikar_shared.events.placement import PageLoginLinkRequested
from vikar_shared.events.timesheet import LoginLinkRequestedV2

log = logging.getLogger(__name__)

# What asks for a login link: placement's ``placement.login_link_requested`` v1 (the identity owner, issue 7),
# and timesheet's ``timesheet.login_link_requested`` v2 for requests still in flight from before it.
LoginLinkRequest = PageLoginLinkRequested | LoginLinkRequestedV2


def login_link_from_event(event_id: uuid.UUID, data: LoginLinkRequest) -> LoginLink:
    return LoginLink(
        event_id=event_id,
        company_id=data.company_id,
        email=normalise_address(data.email),
        sealed_link=data.sealed_link,
        expires_at=data.expires_at,
        locale=data.locale,
    )


async def plan_login_link_email(
    conn: asyncpg.Connection, event_id: uuid.UUID, data: LoginLinkRequest, context: MailContext, now: datetime
) -> int:
    """Plans the e-mail, once per event (the outbox's unique key); returns how many rows are new.

    The link stays sealed: the row holds the body with a placeholder and the sealed link (bound to the
    recipient); the sender opens it only to build the message, then deletes the sealed copy.

    The identity owner only issues links to people it knows, so the address is taken from the event even if
    this service's read model has not caught up (it only lends the names). A link that expired before
    it got here is not mailed: it could only disappoint."""
    link = login_link_from_event(event_id, data)
    if link.expired(now):
        log.warning("login link expired before it could be mailed", extra={"fields": {"event_id": str(event_id)}})
        return 0
    addressee = Addressee(approver_name=None, company_name=None)
    if link.company_id is not None:
        addressee = Addressee(*await companies.names(conn, link.company_id, link.email))
    return await outbox.enqueue(conn, [plan_login_email(link, addressee, context)])
