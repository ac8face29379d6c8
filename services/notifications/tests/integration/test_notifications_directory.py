"""Issue 14 (part A): notifications' directory read model, kept from placement's events (real Kafka and
PostgreSQL): staff members, a company's billing contact and backup approvers in force on a day, the statement
contacts of a municipality's latest agreement version, placements with their consultant."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from notifications.app import create_app
from notifications.companies import reads as companies
from notifications.directory import reads as directory
from notifications.directory.models import Recipient
from vikar_shared.events.placement import (
    Approver,
    BackupApprover,
    BillingContact,
    CompanyRegistered,
    CompanyUpdated,
    Contact,
    MunicipalityTermsSet,
    PlacementCreated,
    StaffMemberChanged,
)
from vikar_shared.testing.plugin import publish_events, serve_in_process, wait_until


def _company(event: type[CompanyRegistered] | type[CompanyUpdated], company_id: uuid.UUID, **fields: Any) -> Any:
    return event(
        company_id=company_id,
        name="Bager Hansen",
        cvr="12345674",
        approvers=[Approver(email="ib@bager.example", name="Ib", language="en")],
        **fields,
    )


def _terms(municipality_id: uuid.UUID, effective_from: date, contacts: list[Contact]) -> MunicipalityTermsSet:
    return MunicipalityTermsSet(
        municipality_id=municipality_id,
        municipality_name="Aalborg",
        terms_id=uuid.uuid4(),
        effective_from=effective_from,
        co_financing_rate_ore_per_hour=6500,
        eligibility_threshold_weeks=26,
        statement_contacts=contacts,
    )


async def test_the_directory_keeps_staff_contacts_backup_approvers_and_placements(
    make_settings: Any, kafka: str, kafka_namespace: str, unique_address: Callable[[str], str]
) -> None:
    app = create_app(await make_settings())
    staff_id, company_id, municipality_id, placement_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    subject = f"anna-{uuid.uuid4().hex[:8]}"
    anna = unique_address("anna")
    member = StaffMemberChanged(
        staff_id=staff_id,
        subject=subject,
        name="Anna",
        email=anna.upper(),
        role="consultant",
        active=True,
        language="en",
    )
    left = member.model_copy(update={"active": False, "name": "Anna K"})
    summer = BackupApprover(
        email="lone@bager.example", name="Lone", valid_from=date(2026, 7, 1), valid_to=date(2026, 7, 31)
    )
    always = BackupApprover(email="kaj@bager.example", name="Kaj", language="en")
    registered = _company(
        CompanyRegistered,
        company_id,
        billing_contact=BillingContact(name="Bodil", email="bodil@bager.example", language="en"),
        backup_approvers=[summer],
    )
    updated = _company(
        CompanyUpdated,
        company_id,
        billing_contact=BillingContact(name="Bodil", email="bodil@bager.example", language="en"),
        backup_approvers=[summer, always],
    )
    newer = _terms(municipality_id, date(2026, 12, 1), [Contact(name="Økonomi", email="oekonomi@aalborg.example")])
    older = _terms(municipality_id, date(2026, 1, 1), [Contact(name="Gammel", email="gammel@aalborg.example")])
    placed = PlacementCreated(
        placement_id=placement_id,
        citizen_id=uuid.uuid4(),
        citizen_name="Mette Jensen",
        referral_id=uuid.uuid4(),
        municipality_id=municipality_id,
        co_financing_eligible=True,
        company_id=company_id,
        start_date=date(2026, 11, 2),
        end_date=None,
        bill_rate_ore_per_hour=18_550,
        status="active",
        consultant_id=subject,
    )
    async with serve_in_process(app):
        pool = app.state.pool
        await publish_events(
            kafka,
            kafka_namespace,
            [
                (member, staff_id),
                (registered, company_id),
                (updated, company_id),
                (newer, municipality_id),
                (older, municipality_id),  # an older version arriving later does not replace the latest's contacts
                (placed, placement_id),
            ],
        )

        async def kept() -> bool:
            async with pool.acquire() as conn:
                return (
                    (await directory.placement(conn, placement_id)) is not None
                    and bool(await directory.statement_contacts(conn, municipality_id))
                    and len(await companies.backup_approvers_on(conn, company_id, date(2026, 7, 15))) == 2
                )

        await wait_until(kept, what="the directory kept from placement's events")
        async with pool.acquire() as conn:
            staff = await directory.staff_by_subject(conn, subject)
            assert staff is not None
            assert (staff.email, staff.name, staff.role, staff.active, staff.language) == (
                anna,
                "Anna",
                "consultant",
                True,
                "en",
            )
            assert subject in [s.subject for s in await directory.active_staff(conn, "consultant")]
            assert subject not in [s.subject for s in await directory.active_staff(conn, "finance")]
            assert await companies.billing_contact(conn, company_id) == Recipient("bodil@bager.example", "Bodil", "en")
            assert await companies.backup_approvers_on(conn, company_id, date(2026, 7, 15)) == [
                Recipient("lone@bager.example", "Lone", "da"),
                Recipient("kaj@bager.example", "Kaj", "en"),
            ]
            assert await companies.backup_approvers_on(conn, company_id, date(2026, 8, 1)) == [
                Recipient("kaj@bager.example", "Kaj", "en")
            ]
            assert await directory.statement_contacts(conn, municipality_id) == [
                Recipient("oekonomi@aalborg.example", "Økonomi", "da")
            ]
            known = await directory.placement(conn, placement_id)
            assert known is not None and (known.consultant_id, known.status, known.citizen_name) == (
                subject,
                "active",
                "Mette Jensen",
            )
            assert [p.placement_id for p in await directory.placements_of_consultant(conn, subject)] == [placement_id]
            assert [c.subject for c in await directory.consultants_of_placements(conn, [placement_id])] == [subject]

        # Deactivated: kept (history names them) but no longer active, so no mails and no digest.
        await publish_events(kafka, kafka_namespace, [(left, staff_id)])

        async def deactivated() -> bool:
            async with pool.acquire() as conn:
                found = await directory.staff_by_subject(conn, subject)
                return found is not None and not found.active

        await wait_until(deactivated, what="the deactivation")
        async with pool.acquire() as conn:
            assert subject not in [s.subject for s in await directory.active_staff(conn, "consultant")]
            assert await directory.consultants_of_placements(conn, [placement_id]) == []
