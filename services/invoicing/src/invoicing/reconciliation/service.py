"""Reconciliation use case: proves every approved øre is charged exactly once (``GET /reconciliation``), per
company and (issue 11) per municipality: co-financed = stated − corrected + not yet stated.

Problem codes: 403 ``forbidden`` (roles other than finance and admin); 422 on ``through`` (the shared date
parser: ``date-format``, ``date-out-of-range``). Reads only."""

from __future__ import annotations

from datetime import date

import asyncpg

from invoicing.reconciliation import repository
from invoicing.reconciliation.models import (
    CompanyReconciliation,
    MunicipalityReconciliation,
    reconcile,
    reconcile_municipalities,
)
from vikar_shared.auth import Principal, Role
from vikar_shared.errors import forbidden

ROLES = frozenset({Role.FINANCE, Role.ADMIN})


async def reconciliation(conn: asyncpg.Connection, actor: Principal, through: date) -> list[CompanyReconciliation]:
    """Per company with approved entries worked on or before ``through``: approved = invoiced − credited + not
    yet invoiced, each difference listed by entry (øre), and documents whose net is not their entries' sum;
    and the nets of the credit notes that book Stripe voids (``voided_ore``: they credit amounts, not entries,
    so the entries of a voided invoice stay invoiced and the void is reported beside them)."""
    if actor.role not in ROLES:
        raise forbidden("Only finance and admin reconcile the ledger")
    entries = await repository.entry_charges(conn, through)
    documents = await repository.document_checks(conn, through)
    pending = await repository.pending_per_company(conn, through)
    return reconcile(entries, documents, pending, await repository.voided_per_company(conn, through))


async def municipality_reconciliation(
    conn: asyncpg.Connection, actor: Principal, through: date
) -> list[MunicipalityReconciliation]:
    """Per municipality with co-financing lines or adjustments worked on or before ``through``, or statement lines
    from then: co-financed (the lines' and adjustments' amounts, øre; the lines' minutes) = stated (lines of
    issued statements) − corrected (lines of issued correction statements, positive) + not yet stated (lines and
    adjustments on no issued statement: in the pool or on drafts), with the lines and the (correction)
    statements that are not the sum of the co-financing lines and adjustments on them. A statement line
    counts when its first work date (or an item's) is on or before ``through``, with its amount less what it
    states of items worked later (``reconciliation.models.StatementLineCheck.in_scope_ore``). Approved entries
    of eligible placements not accrued yet are counted (``pending_entries``). 403 ``forbidden`` as above."""
    if actor.role not in ROLES:
        raise forbidden("Only finance and admin reconcile the ledger")
    return reconcile_municipalities(
        await repository.co_financed_items(conn, through),
        await repository.statement_line_checks(conn, through),
        await repository.statement_checks(conn, through),
        await repository.municipality_names(conn),
        await repository.pending_per_municipality(conn, through),
    )
