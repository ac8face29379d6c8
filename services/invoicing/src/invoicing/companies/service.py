"""Use cases of the companies read model: record a company event; read a company (for the ledger) and its
approvers (for the portal's invoices pages)."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from invoicing.companies import repository
from invoicing.companies.models import DEFAULT_PAYMENT_TERMS_DAYS, Company
from invoicing.periods import BillingPeriod
from vikar_shared.events.placement import CompanyRegistered, CompanyUpdated
from vikar_shared.identity.approvers import Approver, unique_approvers


async def record_company(conn: asyncpg.Connection, data: CompanyRegistered | CompanyUpdated) -> None:
    """Replaces the stored company, and its approvers, with the event's (each event carries the company whole).
    An unknown ``billing_period`` raises ValueError (the event is dead-lettered, not silently billed monthly)."""
    address, contact = data.address, data.billing_contact
    company = Company(
        company_id=data.company_id,
        name=data.name,
        cvr=data.cvr,
        billing_period=BillingPeriod.of(data.billing_period),
        payment_terms_days=DEFAULT_PAYMENT_TERMS_DAYS if data.payment_terms_days is None else data.payment_terms_days,
        ean=data.ean,
        street=None if address is None else address.street,
        postcode=None if address is None else address.postcode,
        city=None if address is None else address.city,
        billing_contact_name=None if contact is None else contact.name,
        billing_contact_email=None if contact is None else contact.email,
    )
    await repository.upsert_company(conn, company)
    approvers = unique_approvers((a.email, a.name) for a in data.approvers)
    await repository.replace_approvers(conn, data.company_id, approvers)


async def get_company(conn: asyncpg.Connection, company_id: UUID) -> Company | None:
    return await repository.get_company(conn, company_id)


async def companies(conn: asyncpg.Connection, company_ids: list[UUID]) -> dict[UUID, Company]:
    """The known companies among ``company_ids``, by id (a company placement has not announced is absent)."""
    return await repository.companies(conn, company_ids)


async def approvers_of(conn: asyncpg.Connection, company_id: UUID) -> list[Approver]:
    """The approvers placement lists for the company (shared ASCII e-mail form, by address); empty if none or
    the company is unknown."""
    return await repository.approvers_of(conn, company_id)


async def known_approvers(conn: asyncpg.Connection, company_id: UUID) -> list[Approver] | None:
    """The company's approvers as :func:`approvers_of` gives them, or None while invoicing has never received
    the company's approver list (a company announced before migration ``20261202_50``, not changed since; or a
    company placement has not announced): unknown, not empty. An empty list is a known company without
    approvers."""
    if not await repository.approvers_known(conn, company_id):
        return None
    return await repository.approvers_of(conn, company_id)
