"""Use cases on hour entries. Each takes the caller's connection and never commits."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from uuid import UUID

import asyncpg

from timesheet.entries import repository
from timesheet.entries.history import HistoryAction, HistoryChange, HistoryRecord
from timesheet.entries.models import (
    DEEMED_APPROVAL_ACTOR,
    DEEMED_APPROVED,
    Entry,
    EntryStatus,
    ProposedEntry,
    Submission,
)
from timesheet.entries.repository import NewEntry
from timesheet.entries.rules import (
    CorrectionBounds,
    Rule,
    correction_violations,
    invalid_entries,
    invalid_submission,
    proposal_violations,
    submission_violations,
)
from timesheet.entries.totals import MonthTotals
from timesheet.entries.transitions import (
    correction_open,
    ensure_correctable,
    ensure_decidable,
    ensure_editable,
    work_date_taken,
)
from timesheet.placements import service as placements
from timesheet.placements.models import Placement, RateVersion, rate_in_force
from vikar_shared.auth.principal import Principal, Role
from vikar_shared.errors import FieldViolation, conflict, not_found
from vikar_shared.events.timesheet import (
    EntryApproved,
    EntryChanged,
    EntryRejected,
    HoursSubmitted,
    SubmittedEntry,
)
from vikar_shared.outbox import add_event, outbox_row
from vikar_shared.transient import mark_outcome_unknown

SOURCE = "timesheet"


async def _placement(conn: asyncpg.Connection, placement_id: UUID) -> tuple[Placement, list[RateVersion]]:
    placement = await placements.placement(conn, placement_id)
    if placement is None:
        raise not_found("placement")
    return placement, await placements.rate_versions(conn, placement_id)


async def _day_minutes(
    conn: asyncpg.Connection, citizen_id: UUID, days: Sequence[date], *, other_than: UUID | None = None
) -> dict[date, int]:
    """Locks the citizen's days (held to commit), then reads what they hold towards the 12-hour cap
    (without ``other_than``, the entry being edited)."""
    await repository.lock_citizen_days(conn, citizen_id, days)
    return await repository.citizen_day_minutes(conn, citizen_id, days, other_than=other_than)


def _bill_rate(rates: Sequence[RateVersion], day: date, fallback: int | None = None) -> int:
    version = rate_in_force(rates, day)
    if version is not None:
        return version.bill_rate_ore_per_hour
    if fallback is None:
        raise RuntimeError(f"no rate in force on {day} passed validation")
    return fallback


async def _announce(conn: asyncpg.Connection, placement: Placement, submitted_by: str, entries: list[Entry]) -> None:
    """One HoursSubmitted per submission, so the company's approvers are told about these entries."""
    submission_id = entries[0].submission_id
    event = HoursSubmitted(
        submission_id=submission_id,
        placement_id=placement.placement_id,
        company_id=placement.company_id,
        citizen_name=placement.citizen_name,
        submitted_by=submitted_by,
        entries=[
            SubmittedEntry(
                entry_id=e.id,
                work_date=e.work_date,
                minutes=e.minutes,
                corrects_entry_id=e.corrects_entry_id,
                version=e.version,
            )
            for e in entries
        ],
    )
    await add_event(conn, event, source=SOURCE, subject=submission_id, key=placement.placement_id)


async def submit_hours(
    conn: asyncpg.Connection,
    principal: Principal,
    placement_id: UUID,
    proposed: Sequence[ProposedEntry],
    *,
    today: date,
) -> Submission:
    placement, rates = await _placement(conn, placement_id)
    day_minutes = await _day_minutes(conn, placement.citizen_id, [p.work_date for p in proposed])
    violations = submission_violations(proposed, placement=placement, rates=rates, today=today, day_minutes=day_minutes)
    if any(v.rule != Rule.CITIZEN_DAY_OVER_12_HOURS for v in violations):
        raise invalid_submission(violations)
    # One live entry per placement and day: a second submission of a day is refused, naming the entry
    # (before the 12-hour cap, which that entry's own minutes would otherwise trip). The database's
    # unique index backs this check up against anything that slips past it.
    taken = await repository.live_entries_on(conn, placement.placement_id, [p.work_date for p in proposed])
    if taken:
        raise work_date_taken(taken)
    if violations:
        raise invalid_submission(violations)
    submission_id = uuid.uuid4()
    entries = await repository.insert_submitted(
        conn,
        submission_id=submission_id,
        placement_id=placement.placement_id,
        company_id=placement.company_id,
        citizen_id=placement.citizen_id,
        submitted_by=principal.subject,
        entries=[NewEntry(uuid.uuid4(), p.work_date, p.minutes, _bill_rate(rates, p.work_date)) for p in proposed],
    )
    await repository.record_history(
        conn, [HistoryChange.of(e, HistoryAction.SUBMITTED, principal.subject) for e in entries]
    )
    await _announce(conn, placement, principal.subject, entries)
    return Submission(submission_id, placement.placement_id, entries)


async def _edit_violations(
    conn: asyncpg.Connection,
    entry: Entry,
    proposed: ProposedEntry,
    placement: Placement,
    rates: Sequence[RateVersion],
    *,
    today: date,
) -> list[FieldViolation]:
    # What the day holds without this entry: its new minutes replace what it holds now (while submitted).
    days = await _day_minutes(conn, entry.citizen_id, [proposed.work_date], other_than=entry.id)
    already = days.get(proposed.work_date, 0)
    if entry.corrects_entry_id is None:
        return proposal_violations(proposed, placement=placement, rates=rates, today=today, already=already)
    # A correction is edited like a new correction: minutes is the signed change, the day stays.
    original = await repository.get_entry(conn, entry.corrects_entry_id)
    assert original is not None, "a correction refers to an existing entry"
    violations: list[FieldViolation] = []
    if proposed.work_date != original.work_date:
        message = f"a correction is for the original's work date {original.work_date.isoformat()}"
        violations.append(FieldViolation("work_date", Rule.CORRECTION_WORK_DATE_FIXED, message))
    others = await repository.corrections_of(conn, original.id, other_than=entry.id)
    bounds = CorrectionBounds.of(original.minutes, others)
    return violations + correction_violations(
        proposed.minutes,
        bounds,
        placement=placement,
        rates=rates,
        work_date=original.work_date,
        already=already,
        field="minutes",
    )


async def edit_entry(
    conn: asyncpg.Connection,
    principal: Principal,
    entry_id: UUID,
    proposed: ProposedEntry,
    *,
    expected_version: int | None,
    today: date,
) -> Entry:
    """``PUT /entries/{id}``: a rejected entry is corrected and submitted again (a new submission, so the
    approvers are told again); a submitted one, not decided yet, is changed in place (same submission,
    version + 1, ``EntryChanged``). Both obey every rule of a submission; an approved entry is 409
    ``entry-not-editable`` (see :func:`ensure_editable`). The row is locked first, so of two edits at
    one ``expected_version`` the second is 409 ``entry-version-mismatch`` with the entry as it is now."""
    entry = await repository.get_entry(conn, entry_id, for_update=True)
    if entry is None or not principal.may_see_company(entry.company_id):
        raise not_found("entry")
    ensure_editable(entry, expected_version)
    if entry.status is EntryStatus.SUBMITTED and (proposed.work_date, proposed.minutes) == (
        entry.work_date,
        entry.minutes,
    ):
        # Nothing changes: no new version (an approver's view stays current), no event, no history row.
        return entry
    placement, rates = await _placement(conn, entry.placement_id)
    violations = await _edit_violations(conn, entry, proposed, placement, rates, today=today)
    if any(v.rule != Rule.CITIZEN_DAY_OVER_12_HOURS for v in violations):
        raise invalid_entries("entry-invalid", violations)
    if entry.corrects_entry_id is None:
        # Moved onto a day the placement already holds a live entry on: refused, naming that entry.
        taken = await repository.live_entries_on(conn, entry.placement_id, [proposed.work_date], other_than=entry.id)
        if taken:
            raise work_date_taken(taken)
    elif entry.status is EntryStatus.REJECTED:
        # A rejected correction submitted again while another correction of its original is open: refused,
        # naming the open one (at most one open correction per entry).
        others = await repository.open_corrections_of(conn, entry.corrects_entry_id, other_than=entry.id)
        if others:
            raise correction_open(others[0])
    if violations:
        raise invalid_entries("entry-invalid", violations)
    if entry.status is EntryStatus.SUBMITTED:
        return await _change_submitted(conn, principal, entry, proposed, rates)
    resubmitted = await repository.resubmit(
        conn,
        entry.id,
        submission_id=uuid.uuid4(),
        work_date=proposed.work_date,
        minutes=proposed.minutes,
        bill_rate_ore_per_hour=_bill_rate(rates, proposed.work_date, fallback=entry.bill_rate_ore_per_hour),
        submitted_by=principal.subject,
    )
    await repository.record_history(conn, [HistoryChange.of(resubmitted, HistoryAction.RESUBMITTED, principal.subject)])
    await _announce(conn, placement, principal.subject, [resubmitted])
    return resubmitted


async def _change_submitted(
    conn: asyncpg.Connection, principal: Principal, entry: Entry, proposed: ProposedEntry, rates: Sequence[RateVersion]
) -> Entry:
    """The change of a submitted entry, its history row and its ``EntryChanged`` (no new submission: the
    approvers, mailed once per submission, find the entry as it now stands on their pending list, and an
    approval at the version they saw before is refused)."""
    changed = await repository.change_submitted(
        conn,
        entry.id,
        work_date=proposed.work_date,
        minutes=proposed.minutes,
        bill_rate_ore_per_hour=_bill_rate(rates, proposed.work_date, fallback=entry.bill_rate_ore_per_hour),
    )
    await repository.record_history(conn, [HistoryChange.of(changed, HistoryAction.CHANGED, principal.subject)])
    event = EntryChanged(
        entry_id=changed.id,
        submission_id=changed.submission_id,
        placement_id=changed.placement_id,
        company_id=changed.company_id,
        version=changed.version,
        work_date=changed.work_date,
        minutes=changed.minutes,
        previous_work_date=entry.work_date,
        previous_minutes=entry.minutes,
        changed_by=principal.subject,
        changed_at=await conn.fetchval("select now()"),
        corrects_entry_id=changed.corrects_entry_id,
    )
    await add_event(conn, event, source=SOURCE, subject=changed.id, key=changed.placement_id)
    return changed


async def correct_entry(
    conn: asyncpg.Connection, principal: Principal, entry_id: UUID, *, minutes_delta: int, reason: str
) -> Entry:
    """An approved entry is never edited: a correction entry carries the signed change and needs approval.

    At most one correction of an entry is open (submitted) at a time: while one is, another is 409
    ``correction-open`` naming it (change it with ``PUT /entries/{id}`` instead), so the same correction
    sent twice, in sequence or in parallel, is stored once. The original's row is locked first, so
    concurrent corrections of one entry serialise here; the partial unique index of migration
    20261130_81 backs the rule up in the database."""
    original = await repository.get_entry(conn, entry_id, for_update=True)
    if original is None or not principal.may_see_company(original.company_id):
        raise not_found("entry")
    ensure_correctable(original)
    already_open = await repository.open_corrections_of(conn, original.id)
    if already_open:
        raise correction_open(already_open[0])
    placement, rates = await _placement(conn, original.placement_id)
    day = original.work_date
    already = (await _day_minutes(conn, original.citizen_id, [day])).get(day, 0)
    bounds = CorrectionBounds.of(original.minutes, await repository.corrections_of(conn, original.id))
    violations = correction_violations(
        minutes_delta, bounds, placement=placement, rates=rates, work_date=day, already=already
    )
    if violations:
        raise invalid_entries("correction-invalid", violations)
    # A reduction is accepted even where no rate is in force any more: it keeps the original's rate.
    bill_rate = _bill_rate(rates, day, fallback=original.bill_rate_ore_per_hour)
    [correction] = await repository.insert_submitted(
        conn,
        submission_id=uuid.uuid4(),
        placement_id=original.placement_id,
        company_id=original.company_id,
        citizen_id=original.citizen_id,
        submitted_by=principal.subject,
        entries=[NewEntry(uuid.uuid4(), day, minutes_delta, bill_rate)],
        corrects_entry_id=original.id,
        correction_reason=reason,
    )
    await repository.record_history(
        conn,
        [
            HistoryChange.of(correction, HistoryAction.SUBMITTED, principal.subject),
            HistoryChange.corrected(original, correction, principal.subject),
        ],
    )
    await _announce(conn, placement, principal.subject, [correction])
    return correction


async def get_entry(conn: asyncpg.Connection, principal: Principal, entry_id: UUID) -> Entry:
    entry = await repository.get_entry(conn, entry_id)
    if entry is None or not principal.may_see_company(entry.company_id):
        raise not_found("entry")
    return entry


async def entry_history(conn: asyncpg.Connection, principal: Principal, entry_id: UUID) -> list[HistoryRecord]:
    await get_entry(conn, principal, entry_id)
    return await repository.history(conn, entry_id)


async def list_company_entries(
    conn: asyncpg.Connection, principal: Principal, company_id: UUID, status: EntryStatus | None
) -> list[Entry]:
    if not principal.may_see_company(company_id):
        raise not_found("company")
    return await repository.list_company_entries(conn, company_id, status)


async def decided_company_entries(
    conn: asyncpg.Connection, principal: Principal, company_id: UUID, first: date, after_last: date
) -> list[Entry]:
    """The company's approved and rejected entries worked in [first, after_last); 404 ``company`` for a
    principal who may not see the company."""
    if not principal.may_see_company(company_id):
        raise not_found("company")
    return await repository.decided_company_entries(conn, company_id, first, after_last)


async def company_month_totals(
    conn: asyncpg.Connection, principal: Principal, company_id: UUID, months: int
) -> list[MonthTotals]:
    """Signed minutes per month of work date and status, newest first, for the last ``months`` months that
    have any; 404 ``company`` for a principal who may not see the company."""
    if not principal.may_see_company(company_id):
        raise not_found("company")
    return await repository.company_month_totals(conn, company_id, months)


async def _entry_to_decide(conn: asyncpg.Connection, principal: Principal, entry_id: UUID) -> Entry:
    entry = await repository.get_entry(conn, entry_id)
    # Only the approver bound to the entry's company decides; for anyone else the entry does not exist.
    if entry is None or principal.role is not Role.COMPANY_APPROVER or principal.company_id != entry.company_id:
        raise not_found("entry")
    return entry


async def _decide(
    conn: asyncpg.Connection,
    principal: Principal,
    entry_id: UUID,
    status: EntryStatus,
    expected_version: int | None,
    rejection_reason: str | None = None,
) -> Entry:
    """Decides the entry and writes its history row in one statement whose condition carries every check
    (the approver's company, submitted, at ``expected_version``); only when it finds no row is the entry
    read to say why: 404 ``entry`` for anyone but its company's approver, else the 409 of
    :func:`ensure_decidable`, else (decided between that statement and the read) 409 ``entry-changed``."""
    decided = None
    if principal.role is Role.COMPANY_APPROVER and principal.company_id is not None:
        decided = await repository.decide(
            conn,
            entry_id,
            company_id=principal.company_id,
            status=status,
            decided_by=principal.subject,
            expected_version=expected_version,
            rejection_reason=rejection_reason,
        )
    if decided is None:
        current = await _entry_to_decide(conn, principal, entry_id)
        ensure_decidable(current, expected_version)
        raise conflict("entry-changed", "The entry changed while it was being decided; reload it")
    return decided


def _entry_approved(entry: Entry, approved_by: str, approved_at: datetime) -> EntryApproved:
    return EntryApproved(
        entry_id=entry.id,
        placement_id=entry.placement_id,
        company_id=entry.company_id,
        work_date=entry.work_date,
        minutes=entry.minutes,
        approved_by=approved_by,
        approved_at=approved_at,
        corrects_entry_id=entry.corrects_entry_id,
        status_reason=entry.status_reason,
    )


async def _announce_approval(conn: asyncpg.Connection, entry: Entry) -> None:
    """The EntryApproved of an entry just approved, into the outbox."""
    event = _entry_approved(entry, *entry.decision())
    await add_event(conn, event, source=SOURCE, subject=entry.id, key=entry.placement_id)


async def record_approvals(conn: asyncpg.Connection, entries: Sequence[Entry]) -> None:
    """The history row and the EntryApproved event of each entry just approved."""
    changes = []
    for entry in entries:
        approved_by, _ = entry.decision()
        changes.append(HistoryChange.of(entry, HistoryAction.APPROVED, approved_by))
        await _announce_approval(conn, entry)
    if changes:
        await repository.record_history(conn, changes)


async def lock_for_bulk_approval(
    conn: asyncpg.Connection,
    company_id: UUID,
    entry_ids: Sequence[UUID],
    *,
    from_date: date | None,
    to_date: date | None,
    citizen_id: UUID | None,
    match_pending: bool,
) -> list[Entry]:
    """The company's entries named in ``entry_ids`` and, with ``match_pending``, every submitted entry
    within the work dates and of the citizen given, locked until the transaction ends (in id order, so
    bulk approvals never deadlock), as they are once locked."""
    return await repository.lock_for_bulk_approval(
        conn,
        company_id,
        entry_ids,
        from_date=from_date,
        to_date=to_date,
        citizen_id=citizen_id,
        match_pending=match_pending,
    )


async def approve_locked(conn: asyncpg.Connection, entry_ids: Sequence[UUID], *, decided_by: str) -> list[Entry]:
    """Approves the submitted entries the caller has locked (:func:`lock_for_bulk_approval`) and checked,
    each with its history row and EntryApproved; returns them approved."""
    approved = await repository.approve_all(conn, entry_ids, decided_by=decided_by)
    await record_approvals(conn, approved)
    return approved


async def approve_as_deemed(
    conn: asyncpg.Connection, company_id: UUID, versions: Mapping[UUID, int], *, decided_at: datetime
) -> list[Entry]:
    """Issue 14: approves as *deemed approved* (``status_reason`` ``deemed_approved``, decided by
    ``deemed-approval`` at ``decided_at``, the app's clock) those entries of ``versions`` (entry id -> version the
    request saw) that are the company's and still submitted at that version; each gets its history row and
    EntryApproved. An entry changed or decided meanwhile has another version and is left alone. Returns those
    approved."""
    approved = await repository.approve_as_deemed(
        conn,
        company_id,
        versions,
        decided_by=DEEMED_APPROVAL_ACTOR,
        decided_at=decided_at,
        status_reason=DEEMED_APPROVED,
    )
    await record_approvals(conn, approved)
    return approved


async def pending_entries(conn: asyncpg.Connection, company_id: UUID) -> list[Entry]:
    """The company's submitted entries, by work date, citizen name and id."""
    return await repository.pending_entries(conn, company_id)


async def pending_longer_than(conn: asyncpg.Connection, days: int) -> list[Entry]:
    """Entries submitted (or submitted again) more than ``days`` days ago and still undecided."""
    return await repository.pending_longer_than(conn, days)


async def days_over_cap(conn: asyncpg.Connection, citizen_id: UUID, cap_minutes: int) -> list[str]:
    """Work days (ISO dates) on which the citizen's submitted and approved minutes exceed ``cap_minutes``."""
    return await repository.days_over_cap(conn, citizen_id, cap_minutes)


async def approve_entry(
    conn: asyncpg.Connection, principal: Principal, entry_id: UUID, *, expected_version: int
) -> Entry:
    """Approves the entry at the version the approver saw; 409 ``entry-version-mismatch`` (with the entry
    as it is now) when it changed since, ``entry-not-submitted`` when it is decided already."""
    entry = await _decide(conn, principal, entry_id, EntryStatus.APPROVED, expected_version)
    await _announce_approval(conn, entry)  # the history row was written with the decision
    return entry


async def approve_entry_at_once(
    conn: asyncpg.Connection, principal: Principal, entry_id: UUID, *, expected_version: int
) -> Entry:
    """:func:`approve_entry` in two statements and without an explicit transaction, for a request that
    has nothing else to write (no ``Idempotency-Key``): the entry is read and checked (404 ``entry`` for
    anyone but its company's approver, the 409s of :func:`ensure_decidable`), then one statement decides it
    at the version read, writes its history row and puts its EntryApproved (``approved_at`` the database's
    time of the read) into the outbox; a single statement is atomic, so the event is committed with the
    decision or not at all. Decided by someone else in between: 409 as :func:`approve_entry`.

    Half the round trips of ``BEGIN``, decide, outbox, ``COMMIT`` (issue 8, bench/api). The outbox row
    is the one :func:`vikar_shared.outbox.add_event` writes (:func:`vikar_shared.outbox.outbox_row`, with the
    request's correlation id and trace context)."""
    entry, read_at = await repository.get_entry_and_now(conn, entry_id)
    if entry is None or principal.role is not Role.COMPANY_APPROVER or principal.company_id != entry.company_id:
        raise not_found("entry")
    ensure_decidable(entry, expected_version)
    assert read_at is not None and principal.company_id is not None
    event = _entry_approved(entry, principal.subject, read_at)
    try:
        decided = await repository.approve_with_event(
            conn,
            entry.id,
            company_id=principal.company_id,
            version=entry.version,
            decided_by=principal.subject,
            decided_at=read_at,
            outbox_row=outbox_row(event, source=SOURCE, subject=entry.id, key=entry.placement_id)[1],
        )
    except BaseException as exc:
        # The statement is its own transaction: lost while it ran, whether it committed is unknown.
        mark_outcome_unknown(exc)
        raise
    if decided is None:
        current = await repository.get_entry(conn, entry_id)
        if current is not None:
            ensure_decidable(current, expected_version)
        raise conflict("entry-changed", "The entry changed while it was being decided; reload it")
    return decided


async def reject_entry(
    conn: asyncpg.Connection, principal: Principal, entry_id: UUID, *, reason: str, expected_version: int
) -> Entry:
    """Rejects the entry at the version the approver saw; the same 409s as :func:`approve_entry`."""
    entry = await _decide(conn, principal, entry_id, EntryStatus.REJECTED, expected_version, reason)
    rejected_by, rejected_at = entry.decision()  # the history row was written with the decision
    event = EntryRejected(
        entry_id=entry.id,
        placement_id=entry.placement_id,
        company_id=entry.company_id,
        work_date=entry.work_date,
        minutes=entry.minutes,
        reason=reason,
        rejected_by=rejected_by,
        rejected_at=rejected_at,
    )
    await add_event(conn, event, source=SOURCE, subject=entry.id, key=entry.placement_id)
    return entry
