"""Use cases of the directory read models: placement's staff, agreements and placements, as announced."""

from __future__ import annotations

import asyncpg

from notifications.directory import repository
from notifications.directory.models import KnownPlacement, Recipient, StaffMember, language_or_danish
from notifications.emails.models import normalise_address, single_line
from vikar_shared.events.placement import (
    MunicipalityTermsSet,
    PlacementCreated,
    PlacementStatusChanged,
    StaffMemberChanged,
)


async def record_staff_member(conn: asyncpg.Connection, data: StaffMemberChanged) -> None:
    """Stores the member whole (the event carries every field); an inactive member is kept, never mailed."""
    await repository.upsert_staff(
        conn,
        StaffMember(
            staff_id=data.staff_id,
            subject=data.subject,
            name=single_line(data.name),
            email=normalise_address(data.email),
            role=data.role,
            active=data.active,
            language=language_or_danish(data.language),
        ),
    )


async def record_terms(conn: asyncpg.Connection, data: MunicipalityTermsSet) -> bool:
    """Keeps the statement contacts of the municipality's latest agreement version (each address once)."""
    seen: dict[str, Recipient] = {}
    for contact in data.statement_contacts:
        address = normalise_address(contact.email)
        if address and address not in seen:
            seen[address] = Recipient(address, single_line(contact.name), language_or_danish(contact.language))
    return await repository.upsert_municipality(
        conn, data.municipality_id, data.municipality_name, data.terms_id, data.effective_from, list(seen.values())
    )


async def record_placement(conn: asyncpg.Connection, data: PlacementCreated) -> None:
    await repository.upsert_placement(
        conn,
        KnownPlacement(
            placement_id=data.placement_id,
            company_id=data.company_id,
            citizen_id=data.citizen_id,
            citizen_name=single_line(data.citizen_name),
            municipality_id=data.municipality_id,
            consultant_id=data.consultant_id,
            status=data.status,
            start_date=data.start_date,
            end_date=data.end_date,
        ),
    )


async def record_placement_status(conn: asyncpg.Connection, data: PlacementStatusChanged) -> None:
    await repository.set_placement_status(conn, data.placement_id, data.status, data.end_date)
