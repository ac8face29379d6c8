"""Admin-only view of the mail outbox: what was (or will be, or could not be) sent."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BeforeValidator

from notifications.emails import service
from notifications.emails.models import INVOICING_KINDS, EmailKind, EmailStatus
from notifications.emails.schemas import AddressFailureList, AddressFailureOut, EmailList, EmailOut
from vikar_shared.auth.dependencies import require_roles
from vikar_shared.auth.principal import Principal, Role
from vikar_shared.db import transaction
from vikar_shared.errors import forbidden, not_found
from vikar_shared.http.deps import DbPool
from vikar_shared.types.identifiers import whole_number_check, whole_number_schema
from vikar_shared.types.numbers import MAX_LIMIT, PG_BIGINT_MAX, Limit
from vikar_shared.types.text import Email

router = APIRouter(prefix="/emails", tags=["emails"])

Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
_BIGINT_MAX = PG_BIGINT_MAX
EmailId = Annotated[
    int, BeforeValidator(whole_number_check("email-id", _BIGINT_MAX, "An e-mail id")), whole_number_schema(_BIGINT_MAX)
]


# Issue 14 (part B): finance reads the log of the invoicing parties' mails (invoice, credit note, failed payment,
# payment reminder, statement); consultants see which addresses fail.
AdminOrFinance = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.FINANCE))]
ConsultantOrAdmin = Annotated[Principal, Depends(require_roles(Role.CONSULTANT, Role.ADMIN))]


@router.get(
    "",
    response_model=EmailList,
    summary="The mail log: outgoing e-mails, newest first",
    description="Admin: every mail; finance: the invoicing parties' mails only (kinds invoice_issued, "
    "credit_note_issued, payment_failed, payment_reminder, statement_issued; another `kind` is 403 `forbidden`). "
    "Filters: `status`, `recipient` (an address, compared in its normalised form), `event_id` (the event that "
    "triggered the mail), `kind`. Each shows its status (pending, sent, failed, cancelled), attempts and last error.",
)
async def list_emails(
    viewer: AdminOrFinance,
    pool: DbPool,
    status: Annotated[EmailStatus | None, Query(description="Only e-mails in this state")] = None,
    limit: Annotated[Limit, Query(description=f"Most e-mails to list, 1..{MAX_LIMIT}")] = 100,
    recipient: Annotated[Email | None, Query(description="Only e-mails to this address")] = None,
    event_id: Annotated[uuid.UUID | None, Query(description="Only e-mails of this triggering event")] = None,
    kind: Annotated[EmailKind | None, Query(description="Only e-mails of this kind")] = None,
) -> EmailList:
    kinds: list[EmailKind] | None = None if kind is None else [kind]
    if viewer.role is Role.FINANCE:
        if kind is not None and kind not in INVOICING_KINDS:
            raise forbidden("Finance reads the invoicing parties' mails only")
        kinds = kinds or sorted(INVOICING_KINDS)
    async with transaction(pool) as conn:
        emails = await service.list_emails(
            conn, status, limit, recipient=None if recipient is None else str(recipient), event_id=event_id, kinds=kinds
        )
    return EmailList(items=[EmailOut.of(e) for e in emails])


@router.get("/{email_id}", response_model=EmailOut, summary="One outgoing e-mail")
async def get_email(viewer: AdminOrFinance, pool: DbPool, email_id: Annotated[EmailId, Path()]) -> EmailOut:
    """Admin: any mail; finance: the invoicing parties' mails only, as the list shows them (another is 404, as if
    it were not there)."""
    async with transaction(pool) as conn:
        email = await service.get_email(conn, email_id)
    if viewer.role is Role.FINANCE and email.kind not in INVOICING_KINDS:
        raise not_found("email")
    return EmailOut.of(email)


addresses_router = APIRouter(prefix="/email-addresses", tags=["emails"])


@addresses_router.get(
    "",
    response_model=AddressFailureList,
    summary="Addresses whose mail fails for good",
    description="Consultants and admins. `status=failing` (the only state kept, and the default): every address "
    "the mail server refused for good (SMTP 5xx) or that cannot be addressed, with the last error, when and how "
    "many mails failed since the last success; a later mail sent to it clears it. Most recent first.",
)
async def failing_addresses(
    _: ConsultantOrAdmin,
    pool: DbPool,
    status: Annotated[Literal["failing"], Query(description="failing: addresses whose mail fails")] = "failing",
    limit: Annotated[Limit, Query(description=f"Most addresses to list, 1..{MAX_LIMIT}")] = 100,
) -> AddressFailureList:
    async with transaction(pool) as conn:
        found = await service.failing_addresses(conn, limit)
    return AddressFailureList(items=[AddressFailureOut.of(f) for f in found])
