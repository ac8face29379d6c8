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
