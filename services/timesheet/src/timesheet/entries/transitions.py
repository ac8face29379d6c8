"""What an entry's status allows (a decision, an edit, a correction) and the conflicts (409) raised when
it does not, each carrying the entry as it is now."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from timesheet.entries.models import Entry, EntryStatus
from timesheet.entries.rules import Rule, invalid_entries
from vikar_shared.errors import Category, DomainError, FieldViolation


@dataclass
class EntryConflictError(DomainError):
    """A conflict about one entry; carries the entry as it is now so the caller sees who acted.

    ``entries`` lists every entry the conflict is about when there are several (a bulk approval whose
    entries changed, a submission whose days already hold entries); ``entry`` is then the first."""

    entry: Entry | None = None
    entries: list[Entry] = field(default_factory=list)


def _state(entry: Entry) -> str:
    if entry.decided_by is None or entry.decided_at is None:
        return entry.status.value
    return f"{entry.status.value} (by {entry.decided_by} at {entry.decided_at.isoformat()})"


def entry_conflict(code: str, detail: str, entry: Entry) -> EntryConflictError:
    return EntryConflictError(Category.CONFLICT, code, detail, entry=entry)


def ensure_version(entry: Entry, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != entry.version:
        raise entry_conflict(
            "entry-version-mismatch",
            f"The entry is at version {entry.version}, not {expected_version}; it is {_state(entry)}; reload it",
            entry,
        )


def ensure_decidable(entry: Entry, expected_version: int | None) -> None:
    """Only a submitted entry is approved or rejected; a stale version means someone else acted first."""
    if entry.status is not EntryStatus.SUBMITTED:
        raise entry_conflict(
            "entry-not-submitted", f"The entry is {_state(entry)}; only a submitted entry can be decided", entry
        )
    ensure_version(entry, expected_version)


def ensure_editable(entry: Entry, expected_version: int | None) -> None:
    """A submitted entry (not decided yet) or a rejected one is edited with ``PUT /entries/{id}``; an
    approved one never is (409 ``entry-not-editable``: it is changed by a correction entry instead).

    Changing a *submitted* entry needs ``expected_version`` (422 ``expected-version-required``): an
    approver may be deciding it at that moment, so the edit is made only on what the editor saw.
    A stale version is 409 ``entry-version-mismatch`` with the entry as it is now."""
    if entry.status is EntryStatus.APPROVED:
        raise entry_conflict(
            "entry-not-editable",
            f"The entry is {_state(entry)}; an approved entry is not edited: "
            f"correct it with POST /entries/{entry.id}/corrections",
            entry,
        )
    if entry.status is EntryStatus.SUBMITTED and expected_version is None:
        message = "changing a submitted entry needs the version it was seen at (an approver may be deciding it)"
        raise invalid_entries(
            "entry-invalid", [FieldViolation("expected_version", Rule.EXPECTED_VERSION_REQUIRED, message)]
        )
    ensure_version(entry, expected_version)


def ensure_correctable(entry: Entry) -> None:
    """A correction refers to an approved original entry, never to another correction."""
    if entry.corrects_entry_id is not None:
        raise entry_conflict(
            "entry-is-a-correction",
            f"The entry corrects entry {entry.corrects_entry_id}; correct that original entry instead",
            entry,
        )
    if entry.status is not EntryStatus.APPROVED:
        hint = " (edit a rejected entry and submit it again)" if entry.status is EntryStatus.REJECTED else ""
        raise entry_conflict(
            "entry-not-approved",
            f"The entry is {_state(entry)}; only an approved entry is corrected{hint}",
            entry,
        )


def how_to_change(entry: Entry) -> str:
    """How a client changes a live entry instead of submitting its day again."""
    if entry.status is EntryStatus.APPROVED:
        return f"correct it with POST /entries/{entry.id}/corrections"
    return f"change it with PUT /entries/{entry.id} (expected_version {entry.version})"


def work_date_taken(existing: Sequence[Entry]) -> EntryConflictError:
    """409 ``work-date-taken``: the placement already has a live (submitted or approved) entry on the day;
    the problem names each such entry with its status and how to change it instead (``detail``), and
    carries them as they are (``entry``, ``entries``): a submitted one is changed with
    ``PUT /entries/{id}``, an approved one corrected with ``POST /entries/{id}/corrections``."""
    named = "; ".join(
        f"{e.work_date.isoformat()}: entry {e.id} is {e.status.value}, {how_to_change(e)}" for e in existing
    )
    return EntryConflictError(
        Category.CONFLICT,
        "work-date-taken",
        f"The placement already has hours on that day ({named})",
        entry=existing[0],
        entries=list(existing),
    )


def correction_open(open_correction: Entry) -> EntryConflictError:
    """409 ``correction-open``: the corrected entry already has an open (submitted) correction. At most one
    is open at a time, so the same correction sent twice is stored once; the problem names the open one
    (``entry``, ``entries``) and how to change it instead (``PUT /entries/{id}`` while it is submitted)."""
    return EntryConflictError(
        Category.CONFLICT,
        "correction-open",
        f"Entry {open_correction.corrects_entry_id} already has an open correction {open_correction.id} "
        f"({open_correction.minutes:+d} min, not decided yet); {how_to_change(open_correction)}, "
        "or wait until it is decided",
        entry=open_correction,
        entries=[open_correction],
    )
