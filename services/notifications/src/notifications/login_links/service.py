"""Use case: turn a requested login link into one outgoing e-mail (sent by the mail outbox's sender)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
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
    """The link as this service sees it; placement's request names the role and, since issue 12, the
    municipality's and the person's names (timesheet's v2 is always an approver's)."""
    link = LoginLink(
        event_id=event_id,
        company_id=data.company_id,
        email=normalise_address(data.email),
        sealed_link=data.sealed_link,
        expires_at=data.expires_at,
        locale=data.locale,
    )
    if isinstance(data, PageLoginLinkRequested):
        return replace(link, role=data.role, municipality_name=data.municipality_name, person_name=data.person_name)
    return link


async def addressee_of(conn: asyncpg.Connection, link: LoginLink) -> Addressee:
    """Whom the mail greets: a municipality user by the names on the event; an approver by the companies read
    model's names (the person's name from the event while the read model has not caught up)."""
    if link.for_municipality:
        return Addressee(approver_name=link.person_name, company_name=link.municipality_name)
    if link.company_id is None:
        return Addressee(approver_name=link.person_name, company_name=None)
    approver_name, company_name = await companies.names(conn, link.company_id, link.email)
    return Addressee(approver_name=approver_name or link.person_name, company_name=company_name)


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
    return await outbox.enqueue(conn, [plan_login_email(link, await addressee_of(conn, link), context)])
