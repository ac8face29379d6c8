"""Use cases for companies (the agency's customers) and their approvers."""

from __future__ import annotations

import uuid
from uuid import UUID

import asyncpg

from placement.audit.repository import record
from placement.companies import repository
from placement.companies.models import parse_cvr
from placement.companies.schemas import ApproverOut, CompanyCreate, CompanyOut
from vikar_shared.auth import Principal
from vikar_shared.errors import conflict, invalid, not_found
from vikar_shared.events.placement import Approver, CompanyRegistered
from vikar_shared.outbox import add_event


async def register_company(conn: asyncpg.Connection, actor: Principal, body: CompanyCreate) -> CompanyOut:
    cvr = parse_cvr(body.cvr)
    approvers = [ApproverOut(email=a.email.lower(), name=a.name.strip()) for a in body.approvers]
    if len({a.email for a in approvers}) != len(approvers):
        raise invalid("approvers", "unique-email", "Each approver e-mail may appear once")
    company_id = uuid.uuid4()
    if not await repository.insert_company(conn, company_id, body.name.strip(), cvr, actor.subject):
        raise conflict("company-exists", "A company with this CVR is already registered")
    await repository.insert_approvers(conn, company_id, approvers)
    await record(
        conn,
        actor=actor.subject,
        action="company.registered",
        subject=company_id,
        details={"cvr": cvr, "approvers": [a.email for a in approvers]},
    )
    await add_event(
        conn,
        CompanyRegistered(
            company_id=company_id,
            name=body.name.strip(),
            cvr=cvr,
            approvers=[Approver(email=a.email, name=a.name) for a in approvers],
        ),
        source="placement",
        subject=company_id,
    )
    return CompanyOut(id=company_id, name=body.name.strip(), cvr=cvr, approvers=approvers)


async def get_company(conn: asyncpg.Connection, viewer: Principal, company_id: UUID) -> CompanyOut:
    company = await repository.get_company(conn, company_id) if viewer.may_see_company(company_id) else None
    if company is None:
        raise not_found("company")
    return company
