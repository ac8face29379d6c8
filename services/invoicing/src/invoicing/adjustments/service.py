"""Settling retroactive rate changes, run by the rate events' handlers inside the inbox transaction.

A bill rate version (``placement.placement_rates_changed``) or municipality terms version
(``placement.municipality_terms_set``) registered after hours on its dates were accrued: per affected entry,
the new amount minus the amount already charged becomes an adjustment referring to that entry
(``bill_adjustments`` / ``co_financing_adjustments``). The ledger's close puts a positive bill adjustment on the
company's next draft and a negative one on a credit note of the invoice the entry is on (a negative one of an
entry not invoiced yet nets on its draft); co-financing adjustments are recorded for the statements.
Idempotent: once settled, the difference is 0 and nothing more is written."""

from __future__ import annotations

import uuid
from datetime import date
from uuid import UUID

import asyncpg

from invoicing.adjustments import repository
from invoicing.adjustments.models import Adjustment, Charged, adjustment_ore


def _owed(charges: list[Charged]) -> list[Adjustment]:
    made = (Adjustment(uuid.uuid4(), c, adjustment_ore(c)) for c in charges)
    return [a for a in made if a.amount_ore != 0]


async def lock_placement(conn: asyncpg.Connection, placement_id: UUID) -> None:
    """Taken before the rate versions are replaced: an approval of the placement accrues wholly before (and is
    settled here) or wholly after (priced with the new versions)."""
    await repository.lock_placement(conn, placement_id)


async def settle_bill_rates(conn: asyncpg.Connection, cause: UUID, placement_id: UUID) -> list[Adjustment]:
    """Adjustments for the placement's accrued entries whose rate in force changed (``cause``: the event id)."""
    owed = _owed(await repository.bill_charges_of_placement(conn, placement_id))
    if owed:
        await repository.insert_bill_adjustments(conn, owed, cause)
    return owed


async def settle_co_financing(
    conn: asyncpg.Connection, cause: UUID, municipality_id: UUID, effective_from: date
) -> list[Adjustment]:
    """Adjustments for the municipality's co-financing lines worked on or after ``effective_from`` whose terms
    version in force changed rate. The caller holds the municipality's lock alone (accruals' terms handler)."""
    owed = _owed(await repository.co_financing_charges_of_municipality(conn, municipality_id, effective_from))
    if owed:
        await repository.insert_co_financing_adjustments(conn, owed, cause)
    return owed
