"""SQL of the companies read model (the only writer of ``companies``)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import asyncpg

from invoicing.companies.models import Company
from invoicing.periods import BillingPeriod
from vikar_shared.identity.approvers import Approver

_COLUMNS = """company_id, name, cvr, billing_period, payment_terms_days, ean, street, postcode, city,
              billing_contact_name, billing_contact_email"""


async def upsert_company(conn: asyncpg.Connection, company: Company) -> None:
    # Events of one company arrive in order (keyed by company id) and carry it whole: the latest wins.
    await conn.execute(
        f"""insert into companies ({_COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
            on conflict (company_id) do update set
                name = excluded.name, cvr = excluded.cvr, billing_period = excluded.billing_period,
                payment_terms_days = excluded.payment_terms_days, ean = excluded.ean, street = excluded.street,
                postcode = excluded.postcode, city = excluded.city,
                billing_contact_name = excluded.billing_contact_name,
                billing_contact_email = excluded.billing_contact_email, updated_at = now()""",
        company.company_id,
        company.name,
        company.cvr,
        company.billing_period.value,
        company.payment_terms_days,
        company.ean,
        company.street,
        company.postcode,
        company.city,
        company.billing_contact_name,
        company.billing_contact_email,
    )


def _company(row: asyncpg.Record) -> Company:
    values = dict(row)
    values["billing_period"] = BillingPeriod(values["billing_period"])
    return Company(**values)


async def get_company(conn: asyncpg.Connection, company_id: UUID) -> Company | None:
    row = await conn.fetchrow(f"select {_COLUMNS} from companies where company_id = $1", company_id)
    return None if row is None else _company(row)


async def companies(conn: asyncpg.Connection, company_ids: list[UUID]) -> dict[UUID, Company]:
    rows = await conn.fetch(f"select {_COLUMNS} from companies where company_id = any($1::uuid[])", company_ids)
    return {r["company_id"]: _company(r) for r in rows}


async def replace_approvers(conn: asyncpg.Connection, company_id: UUID, approvers: Sequence[Approver]) -> None:
    """The company's approvers become exactly ``approvers`` (each address once, the shared ASCII form), and its
    list is known from now on (``companies.approvers_known``; the company row must exist)."""
    await conn.execute("update companies set approvers_known = true where company_id = $1", company_id)
    await conn.execute("delete from company_approvers where company_id = $1", company_id)
    await conn.execute(
        """insert into company_approvers (company_id, email, name)
           select $1, a.email, a.name from unnest($2::text[], $3::text[]) as a (email, name)""",
        company_id,
        [a.email for a in approvers],
        [a.name for a in approvers],
    )


async def approvers_known(conn: asyncpg.Connection, company_id: UUID) -> bool:
    """Whether a company event carrying the approver list was ever stored for the company (False: unknown)."""
    known: bool | None = await conn.fetchval("select approvers_known from companies where company_id = $1", company_id)
    return bool(known)


async def approvers_of(conn: asyncpg.Connection, company_id: UUID) -> list[Approver]:
    rows = await conn.fetch(
        "select email, name from company_approvers where company_id = $1 order by email", company_id
    )
    return [Approver(email=r["email"], name=r["name"]) for r in rows]
