"""Kafka handler for ``placement.citizens_merged``; it runs inside the inbox transaction. The order
independence and locking are explained in ``vikar_shared.citizen_aliases``; the alias table and its
triggers are migrations ``20261130_02`` (shared) and ``20261130_70``."""

from __future__ import annotations

import asyncpg

from invoicing.pay_inputs import service as pay_inputs
from vikar_shared.citizen_aliases import apply_merge
from vikar_shared.db import transaction_memo
from vikar_shared.events.envelope import Envelope
from vikar_shared.events.placement import CitizensMerged

# Every table whose rows name a citizen, each with the alias trigger: the placements read model and the
# accrued lines (each copies its placement's citizen; a co-financing statement counts its unique
# citizens by it).
CITIZEN_TABLES: tuple[str, ...] = (
    "placements",
    "billable_lines",
    "co_financing_lines",
    "bill_adjustments",  # issue 9: adjustments of the lines' prices follow their citizen
    "co_financing_adjustments",
    "referrals",  # issue 11: a statement names a citizen by their latest referral
    "kpi_placements",  # issue 12: a municipality's progress figures count the person once
    "kpi_first_days",
)


async def on_citizens_merged(conn: asyncpg.Connection, envelope: Envelope, data: CitizensMerged) -> None:
    """Records the alias and moves the placements, billable and co-financing lines of the merged id to the
    kept one, so a statement's unique citizens count the person once. Amounts and names on the lines are
    kept as accrued (a statement shows a citizen under the name of their latest line). Issue 13: the merged
    citizen's employee row (primary key citizen id, so not in :data:`CITIZEN_TABLES`) is deleted when the kept
    citizen has one (it keeps its employee number), else moved to the kept citizen."""
    transaction_memo().clear()  # placements read earlier in this transaction may name the merged citizen
    kept = await apply_merge(
        conn,
        CITIZEN_TABLES,
        merged=data.merged_citizen_id,
        kept=data.kept_citizen_id,
        merged_at=data.merged_at,
        event_id=envelope.id,
    )
    if kept is not None:
        await pay_inputs.merge_employee(conn, merged=data.merged_citizen_id, kept=kept)
