"""Reconciliation rules: per company, approved amount = invoiced − credited + not yet invoiced, entry by entry.

Pure functions over domain values. ``approved_ore`` of an entry is what its approved minutes cost at the bill
rate in force on its work date **now** (the placement's latest rate versions; ``invoicing.money.amount_for``,
half up once), so an unsettled retroactive rate change shows as a difference, as does an entry whose line is
missing or counted twice. Sources: ``shared/docs/domain.md`` rules 3, 4 and 8 (every approved hour on exactly
one invoice line; corrections and price changes as credit notes or lines of later invoices)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from invoicing.money import amount_for


@dataclass(frozen=True, slots=True)
class EntryCharges:
    """One accrued approved entry: its minutes, the rate in force now, and what the ledger charges for it
    (its line and its adjustments): on issued invoices, on issued credit notes (positive), on no issued document."""

    entry_id: UUID
    company_id: UUID
    work_date: date
    minutes: int
    rate_ore_per_hour: int
    invoiced_ore: int
    credited_ore: int
    not_yet_invoiced_ore: int

    @property
    def approved_ore(self) -> int:
        return amount_for(self.minutes, self.rate_ore_per_hour)

    @property
    def difference_ore(self) -> int:
        """Approved minus (invoiced − credited + not yet invoiced): 0 when the ledger accounts for the entry."""
        return self.approved_ore - (self.invoiced_ore - self.credited_ore + self.not_yet_invoiced_ore)


@dataclass(frozen=True, slots=True)
class DocumentCheck:
    """An invoice or credit note whose net is not the sum of the entries and adjustments on it (a credit
    note's net is minus that sum)."""

    invoice_id: UUID
    company_id: UUID
    document_type: str
    number: str | None
    net_ore: int
    items_ore: int

    @property
    def expected_net_ore(self) -> int:
        return -self.items_ore if self.document_type == "credit_note" else self.items_ore

    @property
    def difference_ore(self) -> int:
        return self.net_ore - self.expected_net_ore


@dataclass(frozen=True, slots=True)
class CompanyReconciliation:
    company_id: UUID
    approved_ore: int
    invoiced_ore: int
    credited_ore: int
    not_yet_invoiced_ore: int
    pending_entries: int
    differences: tuple[EntryCharges, ...]
    document_differences: tuple[DocumentCheck, ...]
    # Nets of the credit notes booking Stripe voids (issue 10): amounts, not entries, so outside the equation.
    voided_ore: int = 0

    @property
    def difference_ore(self) -> int:
        return self.approved_ore - (self.invoiced_ore - self.credited_ore + self.not_yet_invoiced_ore)


def reconcile(
    entries: Iterable[EntryCharges],
    documents: Iterable[DocumentCheck],
    pending: dict[UUID, int],
    voided: dict[UUID, int] | None = None,
) -> list[CompanyReconciliation]:
    """Per company (by id): the sums of its entries, the entries with a difference and the documents whose net
    is not their items' sum. ``pending``: entries not accrued yet per company (counted, not differences: their
    price is not known until they accrue; the close lists them). ``voided``: per company, the nets (øre) of the
    credit notes booking Stripe voids, reported as ``voided_ore``."""
    by_company: dict[UUID, list[EntryCharges]] = {}
    for entry in entries:
        by_company.setdefault(entry.company_id, []).append(entry)
    bad_documents: dict[UUID, list[DocumentCheck]] = {}
    for document in documents:
        if document.difference_ore:
            bad_documents.setdefault(document.company_id, []).append(document)
    voided = voided or {}
    companies = set(by_company) | set(bad_documents) | set(pending) | set(voided)
    result = []
    for company_id in sorted(companies, key=str):
        own = by_company.get(company_id, [])
        result.append(
            CompanyReconciliation(
                company_id=company_id,
                approved_ore=sum(e.approved_ore for e in own),
                invoiced_ore=sum(e.invoiced_ore for e in own),
                credited_ore=sum(e.credited_ore for e in own),
                not_yet_invoiced_ore=sum(e.not_yet_invoiced_ore for e in own),
                pending_entries=pending.get(company_id, 0),
                differences=tuple(
                    sorted((e for e in own if e.difference_ore), key=lambda e: (e.work_date, str(e.entry_id)))
                ),
                document_differences=tuple(bad_documents.get(company_id, [])),
                voided_ore=voided.get(company_id, 0),
            )
        )
    return result


# --- Issue 11: per municipality, co-financed = stated − corrected + not yet stated ---------------------------------
CORRECTION_STATEMENT = "correction_statement"
ISSUED = "issued"


@dataclass(frozen=True, slots=True)
class CoFinancedItems:
    """A municipality's co-financing lines and adjustments worked on or before the date (øre, minutes; an
    adjustment has no minutes of its own: its entry's minutes are on the entry's line): all of them
    (``co_financed``) and those on no issued (correction) statement, in the pool or on drafts
    (``not_yet_stated``)."""

    municipality_id: UUID
    co_financed_ore: int
    co_financed_minutes: int
    not_yet_stated_ore: int
    not_yet_stated_minutes: int


class _StatesItems:
    """What a (correction) statement, or one of its lines, should state of the co-financing lines and adjustments
    on it (``items_ore``/``items_minutes``, signed as accrued): a statement states them, a correction statement
    credits them with positive amounts (minus them)."""

    __slots__ = ()
    document_type: str
    items_ore: int
    items_minutes: int

    @property
    def sign(self) -> int:
        return -1 if self.document_type == CORRECTION_STATEMENT else 1

    @property
    def expected_ore(self) -> int:
        return self.sign * self.items_ore

    @property
    def expected_minutes(self) -> int:
        return self.sign * self.items_minutes


@dataclass(frozen=True, slots=True)
class StatementLineCheck(_StatesItems):
    """One line of a statement or correction statement beside the co-financing lines and adjustments on it.

    ``items_ore``/``items_minutes``: their sums (signed as accrued: a negative correction's line is negative);
    ``later_items_ore``/``later_items_minutes``: the part of them worked after the reconciliation's date (a line
    spans its citizen's dates in the period). A statement line states ``items``; a correction statement's line
    credits them with positive amounts, so it states ``-items``."""

    statement_id: UUID
    municipality_id: UUID
    document_type: str
    status: str
    number: str | None
    position: int
    citizen_id: UUID
    amount_ore: int
    minutes: int
    items_ore: int
    items_minutes: int
    later_items_ore: int = 0
    later_items_minutes: int = 0

    @property
    def expected_amount_ore(self) -> int:
        return self.expected_ore

    @property
    def difference_ore(self) -> int:
        return self.amount_ore - self.expected_ore

    @property
    def difference_minutes(self) -> int:
        return self.minutes - self.expected_minutes

    @property
    def in_scope_ore(self) -> int:
        """The line's amount less what it states of items worked after the date: the line's amount counts whole,
        so a line that is not its items' sum shows as a difference of its municipality."""
        return self.amount_ore - self.sign * self.later_items_ore

    @property
    def in_scope_minutes(self) -> int:
        return self.minutes - self.sign * self.later_items_minutes


@dataclass(frozen=True, slots=True)
class StatementCheck(_StatesItems):
    """A statement or correction statement beside the co-financing lines and adjustments on it: its net must be
    their amounts' sum (a correction statement's: minus that sum) and its minutes likewise."""

    statement_id: UUID
    municipality_id: UUID
    document_type: str
    status: str
    number: str | None
    net_ore: int
    total_minutes: int
    items_ore: int
    items_minutes: int

    @property
    def expected_net_ore(self) -> int:
        return self.expected_ore

    @property
    def difference_ore(self) -> int:
        return self.net_ore - self.expected_ore

    @property
    def difference_minutes(self) -> int:
        return self.total_minutes - self.expected_minutes


@dataclass(frozen=True, slots=True)
class MunicipalityReconciliation:
    """One municipality through a date: ``co_financed = stated − corrected + not_yet_stated`` in øre and in
    minutes. ``stated``/``corrected``: the lines of issued statements / issued correction statements (positive)
    whose first work date (or an item's) is on or before the date (less what they state of later items);
    ``line_differences`` and ``document_differences``: lines and (correction) statements that are not the sum
    of the co-financing lines and adjustments on them."""

    municipality_id: UUID
    municipality_name: str | None
    co_financed_ore: int
    stated_ore: int
    corrected_ore: int
    not_yet_stated_ore: int
    co_financed_minutes: int
    stated_minutes: int
    corrected_minutes: int
    not_yet_stated_minutes: int
    line_differences: tuple[StatementLineCheck, ...]
    document_differences: tuple[StatementCheck, ...]
    # Approved entries of its eligible placements not accrued yet (no terms in force known): no amount yet.
    pending_entries: int = 0

    @property
    def difference_ore(self) -> int:
        return self.co_financed_ore - (self.stated_ore - self.corrected_ore + self.not_yet_stated_ore)

    @property
    def difference_minutes(self) -> int:
        return self.co_financed_minutes - (self.stated_minutes - self.corrected_minutes + self.not_yet_stated_minutes)

    @property
    def balanced(self) -> bool:
        """The equation holds in øre and in minutes (line and document differences are listed beside it)."""
        return self.difference_ore == 0 and self.difference_minutes == 0


def reconcile_municipalities(
    items: Iterable[CoFinancedItems],
    lines: Iterable[StatementLineCheck],
    documents: Iterable[StatementCheck],
    names: dict[UUID, str] | None = None,
    pending: dict[UUID, int] | None = None,
) -> list[MunicipalityReconciliation]:
    """Per municipality (by id): ``items`` its co-financed sums; ``lines`` every (correction) statement line in
    scope (its first work date, or an item's, on or before the date; issued ones count as stated or corrected,
    every one is checked against its items); ``documents`` the (correction) statements to check; ``names`` the
    municipalities' names (the latest terms); ``pending`` per municipality, approved entries of eligible
    placements not accrued yet (counted, not differences: no amount until the terms in force are known)."""
    names = names or {}
    pending = pending or {}
    sums = {i.municipality_id: i for i in items}
    stated: dict[UUID, list[int]] = {}
    bad_lines: dict[UUID, list[StatementLineCheck]] = {}
    for line in lines:
        if line.status == ISSUED:
            figures = stated.setdefault(line.municipality_id, [0, 0, 0, 0])
            offset = 2 if line.document_type == CORRECTION_STATEMENT else 0
            figures[offset] += line.in_scope_ore
            figures[offset + 1] += line.in_scope_minutes
        if line.difference_ore or line.difference_minutes:
            bad_lines.setdefault(line.municipality_id, []).append(line)
    bad_documents: dict[UUID, list[StatementCheck]] = {}
    for document in documents:
        if document.difference_ore or document.difference_minutes:
            bad_documents.setdefault(document.municipality_id, []).append(document)
    result = []
    for municipality_id in sorted(
        set(sums) | set(stated) | set(bad_lines) | set(bad_documents) | set(pending), key=str
    ):
        own = sums.get(municipality_id, CoFinancedItems(municipality_id, 0, 0, 0, 0))
        stated_ore, stated_minutes, corrected_ore, corrected_minutes = stated.get(municipality_id, [0, 0, 0, 0])
        result.append(
            MunicipalityReconciliation(
                municipality_id=municipality_id,
                municipality_name=names.get(municipality_id),
                co_financed_ore=own.co_financed_ore,
                stated_ore=stated_ore,
                corrected_ore=corrected_ore,
                not_yet_stated_ore=own.not_yet_stated_ore,
                co_financed_minutes=own.co_financed_minutes,
                stated_minutes=stated_minutes,
                corrected_minutes=corrected_minutes,
                not_yet_stated_minutes=own.not_yet_stated_minutes,
                line_differences=tuple(
                    sorted(bad_lines.get(municipality_id, []), key=lambda x: (str(x.statement_id), x.position))
                ),
                document_differences=tuple(bad_documents.get(municipality_id, [])),
                pending_entries=pending.get(municipality_id, 0),
            )
        )
    return result
