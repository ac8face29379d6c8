"""Use cases run by the Kafka handlers, inside the inbox transaction (they never commit).

Placements, terms and approvals arrive on different partitions in any order. Whichever of them
completes the picture accrues the entry: the approval when placement and terms are known, else
the placement or terms event that arrives later. The locks in the repository keep the two sides
from missing each other; the unique entry_id on the lines keeps them from both accruing.

Bill rate versions do not hold accrual back: an entry is priced with the versions known when it is
accrued, and a later PlacementRatesChanged never re-prices a line already written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast
from uuid import UUID

import asyncpg

from invoicing.accruals import repository
from invoicing.accruals.models import Accrual, ApprovedEntry, BillRateVersion, Placement, TermsVersion, accrue
from vikar_shared.db import before_commit, transaction_memo
from vikar_shared.errors import conflict, invalid
from vikar_shared.events.invoicing import HoursAccrued
from vikar_shared.events.placement import MunicipalityTermsSet, PlacementCreated, PlacementRatesChanged
from vikar_shared.events.timesheet import EntryApproved
from vikar_shared.outbox import add_event, deferring_events, retract_deferred

SOURCE = "invoicing"


async def record_terms(conn: asyncpg.Connection, event_id: UUID, data: MunicipalityTermsSet) -> None:
    await repository.lock_municipality(conn, data.municipality_id, exclusive=True)
    version = TermsVersion(
        terms_id=data.terms_id,
        municipality_id=data.municipality_id,
        effective_from=data.effective_from,
        co_financing_rate_ore_per_hour=data.co_financing_rate_ore_per_hour,
    )
    await repository.upsert_terms(conn, version, data)
    pending = await repository.pending_eligible_entries_of_municipality(conn, data.municipality_id)
    if pending:
        versions = await repository.terms_versions(conn, data.municipality_id)
        bill_rates: dict[UUID, list[BillRateVersion]] = {}
        for entry, placement in pending:
            if placement.placement_id not in bill_rates:
                bill_rates[placement.placement_id] = await repository.bill_rates(conn, placement.placement_id)
            await _accrue(conn, entry, placement, versions, bill_rates[placement.placement_id], event_id)


async def record_placement(conn: asyncpg.Connection, event_id: UUID, data: PlacementCreated) -> None:
    await repository.lock_placement(conn, data.placement_id, exclusive=True)
    placement = Placement(
        placement_id=data.placement_id,
        company_id=data.company_id,
        citizen_id=data.citizen_id,
        citizen_name=data.citizen_name,
        municipality_id=data.municipality_id,
        co_financing_eligible=data.co_financing_eligible,
        bill_rate_ore_per_hour=data.bill_rate_ore_per_hour,
        start_date=data.start_date,
        end_date=data.end_date,
    )
    if data.wage_rate_ore_per_hour is not None and data.wage_rate_ore_per_hour < 0:
        raise conflict("wage-rate-negative", f"placement {data.placement_id} has a negative wage rate")
    await repository.upsert_placement(conn, placement)
    await repository.set_wage_rate(conn, data.placement_id, data.wage_rate_ore_per_hour)
    pending = await repository.pending_entries_of_placement(conn, placement.placement_id)
    if pending:
        versions = await _terms_for(conn, placement)
        bill_rates = await repository.bill_rates(conn, placement.placement_id)
        for entry in pending:
            await _accrue(conn, entry, placement, versions, bill_rates, event_id)


async def record_bill_rates(conn: asyncpg.Connection, data: PlacementRatesChanged) -> None:
    """Completes no pending entry (those wait for placement and terms only), so it accrues nothing. Stores the
    versions' wage rates too (the pay side's; a negative one is a contract breach: 409 ``wage-rate-negative``,
    dead-lettered).

    No lock: an accrual reads the versions in one statement, so it is priced wholly before or wholly
    after this change, and no entry can be left waiting for it."""
    if any(v.wage_rate_ore_per_hour is not None and v.wage_rate_ore_per_hour < 0 for v in data.rates):
        raise conflict("wage-rate-negative", f"placement {data.placement_id} has a negative wage rate")
    versions = [
        BillRateVersion(
            effective_from=v.effective_from,
            bill_rate_ore_per_hour=v.bill_rate_ore_per_hour,
            position=i,
            wage_rate_ore_per_hour=v.wage_rate_ore_per_hour,
        )
        for i, v in enumerate(data.rates)
    ]
    await repository.replace_bill_rates(conn, data.placement_id, versions)


async def prepare_approvals(conn: asyncpg.Connection, approvals: Sequence[EntryApproved]) -> None:
    """Batch preparer of the approvals consumer: the placements, bill rates and terms the batch's
    :func:`record_approval` calls read, read and locked (shared) in a few statements instead of a few
    per placement (:func:`repository.prefetch_for_accrual`)."""
    await repository.prefetch_for_accrual(conn, (a.placement_id for a in approvals))


async def record_approval(conn: asyncpg.Connection, event_id: UUID, data: EntryApproved) -> None:
    entry = ApprovedEntry(
        entry_id=data.entry_id,
        placement_id=data.placement_id,
        company_id=data.company_id,
        work_date=data.work_date,
        minutes=data.minutes,
        approved_at=data.approved_at,
        corrects_entry_id=data.corrects_entry_id,
    )
    if not entry.minutes_make_sense:
        raise invalid("minutes", "non-negative-unless-correction", "only a correction entry may have negative minutes")
    if data.status_reason is not None:
        # Issue 14 (part E): why it was approved ("deemed_approved"), shown on the invoice's detail.
        await repository.record_status_reason(conn, entry.entry_id, data.status_reason, event_id)
    await repository.lock_placement(conn, entry.placement_id, exclusive=False)
    # Placement, terms and bill rates first (read once per consumer transaction), so that a new entry
    # is recorded, accrued and its lines written in one statement.
    placement = await repository.get_placement(conn, entry.placement_id)
    accrual: Accrual | None = None
    if placement is not None:
        versions = await _terms_for(conn, placement)
        accrual = accrue(entry, placement, versions, bill_rates=await repository.bill_rates(conn, entry.placement_id))
    if accrual is not None:
        if await _defer_accrual(conn, entry, event_id, accrual):
            # Written with the batch's other new entries before the consumer commits (_write_deferred).
            await _announce(conn, entry, accrual, event_id)
            return
        if await repository.insert_accrued_entry(conn, entry, event_id, accrual.billable, accrual.co_financing):
            await _announce(conn, entry, accrual, event_id)
            return
    elif await repository.insert_approved_entry(conn, entry, event_id):
        return  # pending: PlacementCreated (or MunicipalityTermsSet for its work date) accrues it
    await _recorded_before(conn, entry, event_id, accrual)


# In a consumer transaction (a batch) the new approved entries that accrue at once are collected and
# recorded, accrued and their lines written in one statement before commit; their HoursAccrued rows
# wait in the outbox's deferred list. An entry found recorded before is checked then as if it had
# conflicted at once (_recorded_before), its announcement taken back first.
_DEFERRED = "invoicing.deferred_accruals"

_Deferred = tuple[ApprovedEntry, UUID, Accrual]


async def _defer_accrual(conn: asyncpg.Connection, entry: ApprovedEntry, event_id: UUID, accrual: Accrual) -> bool:
    """True when ``entry`` will be written by :func:`_write_deferred` (in a consumer transaction whose
    outbox rows are deferred too). An entry already waiting there (approved twice in one batch) is
    written first, with the others waiting, and False returned: the caller finds it recorded."""
    if not deferring_events():
        return False
    memo = transaction_memo()
    deferred = memo.get(_DEFERRED)
    if deferred is None:
        if not before_commit(_write_deferred):
            return False
        deferred = memo[_DEFERRED] = {}
    assert isinstance(deferred, dict)
    if entry.entry_id in deferred:
        await _write_deferred(conn)
        return False
    deferred[entry.entry_id] = (entry, event_id, accrual)
    return True


async def _write_deferred(conn: asyncpg.Connection) -> None:
    """Writes the waiting entries and their lines (one statement); one found recorded before is
    checked as such, its HoursAccrued taken back (:func:`_recorded_before` announces it if it accrues)."""
    deferred: dict[UUID, _Deferred] = cast(dict[UUID, _Deferred], transaction_memo().pop(_DEFERRED, {}))
    items = list(deferred.values())
    written = await repository.insert_accrued_entries(
        conn, [(entry, event_id, a.billable, a.co_financing) for entry, event_id, a in items]
    )
    for entry, event_id, accrual in items:
        if entry.entry_id not in written:
            retract_deferred(_announced(entry, event_id))
            await _recorded_before(conn, entry, event_id, accrual)


async def _recorded_before(
    conn: asyncpg.Connection, entry: ApprovedEntry, event_id: UUID, accrual: Accrual | None
) -> None:
    """An approval of an entry recorded before: the same facts or a conflict (problem
    ``approval-differs``); accrues it now when it is not accrued yet and ``accrual`` is known."""
    stored = await repository.get_approved_entry(conn, entry.entry_id)
    assert stored is not None, "an entry that conflicted on insert exists"
    known, accrued = stored
    if not known.same_facts_as(entry):
        # Approved hours are never edited upstream; a different payload is a contract breach
        # that must reach a person (dead letter), not silently win or lose.
        raise conflict("approval-differs", f"entry {entry.entry_id} was approved before with other facts")
    if accrued or accrual is None:
        return
    if await repository.insert_lines(conn, accrual.billable, accrual.co_financing):
        await _announce(conn, entry, accrual, event_id)


async def _terms_for(conn: asyncpg.Connection, placement: Placement) -> list[TermsVersion]:
    if not placement.co_financing_eligible:
        return []
    await repository.lock_municipality(conn, placement.municipality_id, exclusive=False)
    return await repository.terms_versions(conn, placement.municipality_id)


async def _accrue(
    conn: asyncpg.Connection,
    entry: ApprovedEntry,
    placement: Placement,
    versions: list[TermsVersion],
    bill_rates: list[BillRateVersion],
    cause: UUID,
) -> None:
    accrual = accrue(entry, placement, versions, bill_rates=bill_rates)
    if accrual is None:
        return  # pending: MunicipalityTermsSet for its work date accrues it
    if await repository.insert_lines(conn, accrual.billable, accrual.co_financing):
        await _announce(conn, entry, accrual, cause)


_ANNOUNCED = "invoicing.announced"


def _announced(entry: ApprovedEntry, cause: UUID) -> UUID:
    """The id of the HoursAccrued :func:`_announce` wrote in this transaction for ``entry`` and ``cause``."""
    ids = transaction_memo().get(_ANNOUNCED)
    assert isinstance(ids, dict)
    return cast(UUID, ids[(entry.entry_id, cause)])


async def _announce(conn: asyncpg.Connection, entry: ApprovedEntry, accrual: Accrual, cause: UUID) -> None:
    """Writes HoursAccrued for the lines of ``accrual`` (just written, or written before commit)."""
    envelope = await add_event(
        conn,
        HoursAccrued(
            entry_id=entry.entry_id,
            company_id=entry.company_id,
            work_date=entry.work_date,
            minutes=entry.minutes,
            billable_amount_ore=accrual.billable.amount_ore,
            municipality_id=accrual.co_financing.municipality_id if accrual.co_financing else None,
            co_financing_amount_ore=accrual.co_financing.amount_ore if accrual.co_financing else None,
            corrects_entry_id=entry.corrects_entry_id,
        ),
        source=SOURCE,
        subject=entry.entry_id,
        key=entry.company_id,
        causation_id=str(cause),
    )
    memo = transaction_memo()
    ids = memo.setdefault(_ANNOUNCED, {})
    assert isinstance(ids, dict)
    ids[(entry.entry_id, cause)] = envelope.id


async def status_reasons(conn: asyncpg.Connection, entry_ids: list[UUID]) -> dict[UUID, str]:
    """Issue 14 (part E): ``EntryApproved.status_reason`` of those of ``entry_ids`` approved with one, by entry id
    (``deemed_approved``: approved when the company's deadline ran out); an ordinary approval is absent."""
    return await repository.status_reasons(conn, entry_ids)
