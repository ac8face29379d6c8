"""Municipal co-financing statements (issue 11): the domain values every part of the feature shares.

A **statement** states, for one municipality agreement and one statement period (a calendar month, or a
calendar quarter where the agreement's terms say so), the co-financed minutes of each citizen at the rate(s) in
force on the work dates and the amounts; a **correction statement** credits an issued statement (hours taken
away by a negative correction, or a retroactive rate decrease) with positive amounts and becomes a Peppol
CreditNote. Both are numbered in the agency's one gap-free sequence ``S-YYYY-NNNNNN``.

Citizens are identified by a **citizen reference** the agreement chooses: the municipality's case number
(recorded at referral) or name and birth year, never the CPR number (``shared/docs/domain.md`` rule 7).

VAT has no default: the agreement states its category (UNCL5305 ``S`` standard 25 %, ``E`` exempt with a
reason, ``O`` outside the scope of VAT) and whether its rate excludes VAT (momsloven § 27, stk. 1: whether a
per-hour contribution is a price-linked subsidy is each agency's question). Money is integer øre, time
integer minutes, rounding half up (``invoicing.money``). Pure: no database, no clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from invoicing.ledger.models import Party
from invoicing.money import VAT_RATE_PERCENT, divide_round_half_up

CURRENCY = "DKK"
NUMBER_DIGITS = 6
# Danish sellers may use only these UNCL4461 payment means codes (Peppol BIS 3 Danish national rule DK-R-005).
DANISH_PAYMENT_MEANS = frozenset({"1", "10", "31", "42", "48", "49", "50", "58", "59", "93", "97"})


class StatementStatus(StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"


class StatementType(StrEnum):
    """A statement charges the municipality; a correction statement credits one issued statement."""

    STATEMENT = "statement"
    CORRECTION_STATEMENT = "correction_statement"


class StatementPeriodKind(StrEnum):
    """Calendar months (the default) or calendar quarters (where the agreement's terms say so)."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"

    @classmethod
    def of(cls, text: str | None) -> StatementPeriodKind:
        return cls.MONTHLY if text is None else cls(text)


class CitizenReferenceKind(StrEnum):
    """What a statement names a citizen by: the municipality's case number, or name and birth year."""

    CASE_NUMBER = "case_number"
    NAME_BIRTH_YEAR = "name_birth_year"

    @classmethod
    def of(cls, text: str | None) -> CitizenReferenceKind:
        return cls.NAME_BIRTH_YEAR if text is None else cls(text)


class VatCategory(StrEnum):
    """UNCL5305 codes an agreement may state (Peppol BIS 3, BT-118)."""

    STANDARD = "S"
    EXEMPT = "E"
    OUTSIDE_SCOPE = "O"


@dataclass(frozen=True, slots=True)
class StatementPeriod:
    """``start``..``end`` inclusive: a calendar month or a calendar quarter."""

    kind: StatementPeriodKind
    start: date
    end: date


def statement_period_containing(kind: StatementPeriodKind, day: date) -> StatementPeriod:
    """The calendar month (or quarter) holding ``day``."""
    first_month = day.month if kind is StatementPeriodKind.MONTHLY else 3 * ((day.month - 1) // 3) + 1
    months = 1 if kind is StatementPeriodKind.MONTHLY else 3
    start = date(day.year, first_month, 1)
    after = first_month + months
    next_start = date(day.year + (after - 1) // 12, (after - 1) % 12 + 1, 1)
    return StatementPeriod(kind, start, date.fromordinal(next_start.toordinal() - 1))


def citizen_reference(
    kind: CitizenReferenceKind, *, name: str, birth_year: int | None, case_number: str | None
) -> str | None:
    """The text a statement names the citizen by, or None when the agreement's choice is not known for the
    citizen (no case number recorded at referral; no birth year): the statement cannot be issued then.
    ``name_birth_year``: ``"Karin Kandidat (1979)"``."""
    if kind is CitizenReferenceKind.CASE_NUMBER:
        return case_number
    return None if birth_year is None else f"{name} ({birth_year})"


@dataclass(frozen=True, slots=True)
class VatTerms:
    """The VAT the agreement states. ``rate_percent``: 25 for ``S``, 0 for ``E`` and ``O``.
    ``rate_excludes_vat``: True when VAT is added to the co-financing rate's amounts, False when they include
    it. ``exemption_reason`` (BT-120) is required for ``E`` and ``O`` (Peppol BR-E-10, BR-O-10)."""

    category: VatCategory
    rate_excludes_vat: bool
    exemption_reason: str | None = None

    @property
    def rate_percent(self) -> int:
        return VAT_RATE_PERCENT if self.category is VatCategory.STANDARD else 0


@dataclass(frozen=True, slots=True)
class StatementTotals:
    """A statement's amounts in øre. ``line_net_ore``: each line's net (equal to its amount unless the rate
    includes VAT); ``net_ore`` their sum; ``vat_ore``; ``total_ore = net_ore + vat_ore``."""

    line_net_ore: tuple[int, ...]
    net_ore: int
    vat_ore: int
    total_ore: int


def statement_totals(amounts_ore: Sequence[int], vat: VatTerms) -> StatementTotals:
    """Net, VAT and total of lines whose co-financed amounts are ``amounts_ore`` (øre, each already rounded).

    - ``E`` and ``O``: no VAT; the lines are the net.
    - ``S``, rate excludes VAT: net = sum of the lines; VAT = 25 % of the net, rounded half up once.
    - ``S``, rate includes VAT: the lines are gross. Net = gross × 100 / 125 rounded half up; VAT = 25 % of
      that net rounded half up (Peppol BR-CO-17: VAT = taxable amount × rate); total = net + VAT, which may be
      1 øre off the gross sum (stated on the document). Line nets are the net split over the lines in
      proportion to their gross by largest remainder, so they sum exactly to the net.
    """
    amounts = tuple(amounts_ore)
    gross = sum(amounts)
    if vat.category is not VatCategory.STANDARD:
        return StatementTotals(amounts, gross, 0, gross)
    if vat.rate_excludes_vat:
        vat_ore = divide_round_half_up(gross * vat.rate_percent, 100)
        return StatementTotals(amounts, gross, vat_ore, gross + vat_ore)
    net = divide_round_half_up(gross * 100, 100 + vat.rate_percent)
    nets = _split(net, amounts)
    vat_ore = divide_round_half_up(net * vat.rate_percent, 100)
    return StatementTotals(nets, net, vat_ore, net + vat_ore)


def _split(total: int, weights: tuple[int, ...]) -> tuple[int, ...]:
    """``total`` split in proportion to ``weights`` (largest remainder, ties to the earlier line), exact."""
    whole = sum(weights)
    if whole == 0:
        return tuple(0 for _ in weights)
    floors = [w * total // whole for w in weights]
    remainders = [w * total - f * whole for w, f in zip(weights, floors, strict=True)]
    left = total - sum(floors)
    for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[: max(left, 0)]:
        floors[index] += 1
    return tuple(floors)


@dataclass(frozen=True, slots=True)
class PaymentMeans:
    """How the municipality pays (the agreement states it). ``code``: UNCL4461 allowed for Danish sellers
    (:data:`DANISH_PAYMENT_MEANS`, DK-R-005): ``58`` (SEPA credit transfer) with ``iban``; ``31`` or ``42``
    with the Danish ``bank_registration`` (4 digits) and ``bank_account`` (DK-R-006)."""

    code: str
    iban: str | None = None
    bank_registration: str | None = None
    bank_account: str | None = None


@dataclass(frozen=True, slots=True)
class MunicipalityParty:
    """The buyer as an issued statement states it: name, EAN/GLN (Peppol endpoint scheme 0088), the
    *personreference* (``cbc:BuyerReference``) and the postal address (street/postcode/city may be unknown;
    the country is Denmark)."""

    municipality_id: UUID
    name: str
    ean: str | None
    person_reference: str | None
    street: str | None = None
    postcode: str | None = None
    city: str | None = None


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One citizen at one rate (late hours also per original work date). ``minutes`` and ``amount_ore`` are
    plain sums of the co-financing lines' amounts (each rounded half up once when accrued), never re-rounded.
    ``adjustment``: settles a retroactive rate change (``minutes`` 0, ``rate_ore_per_hour`` the new rate,
    ``amount_ore`` the difference). On a correction statement every amount is positive (credited)."""

    position: int
    citizen_id: UUID
    citizen_reference: str
    rate_ore_per_hour: int
    minutes: int
    amount_ore: int
    late: bool
    first_work_date: date
    last_work_date: date
    adjustment: bool = False


@dataclass(frozen=True, slots=True)
class StatementIssue:
    """What issuing adds to a draft, frozen from then on: the number, dates, the parties, the VAT and the
    payment means of the terms in force on the period's last day, and the VAT and total in øre."""

    number: str
    issue_date: date
    due_date: date
    issued_at: datetime
    issued_by: str
    seller: Party
    buyer: MunicipalityParty
    payment_means: PaymentMeans
    vat: VatTerms
    vat_ore: int
    total_ore: int


@dataclass(frozen=True, slots=True)
class Statement:
    """A draft or issued (correction) statement of one municipality and statement period.

    ``net_ore``: the sum of the lines' amounts (the rate's amounts; see :func:`statement_totals` for the net
    of a VAT-inclusive rate); ``total_minutes`` their minutes. ``unique_citizens``: distinct citizens with
    hours in the period; ``unique_citizens_to_date``: distinct citizens co-financed since the agreement started
    through the period's end, against ``target_unique_citizens`` (None: the agreement sets no target).
    ``corrects_statement_id``/``corrects_statement_number``: the issued statement a correction credits."""

    statement_id: UUID
    municipality_id: UUID
    municipality_name: str
    document_type: StatementType
    status: StatementStatus
    period: StatementPeriod
    terms_id: UUID
    lines: tuple[StatementLine, ...]
    net_ore: int
    total_minutes: int
    unique_citizens: int
    unique_citizens_to_date: int
    target_unique_citizens: int | None
    currency: str = CURRENCY
    run_id: UUID | None = None
    created_at: datetime | None = None
    corrects_statement_id: UUID | None = None
    corrects_statement_number: str | None = None
    issue: StatementIssue | None = None

    @property
    def is_issued(self) -> bool:
        return self.status is StatementStatus.ISSUED

    @property
    def is_correction(self) -> bool:
        return self.document_type is StatementType.CORRECTION_STATEMENT

    @property
    def number(self) -> str | None:
        return None if self.issue is None else self.issue.number


def statement_number(year: int, sequence: int) -> str:
    """``S-YYYY-NNNNNN``: the agency's gap-free statement sequence of ``year`` (the issue date's)."""
    if not 1 <= sequence < 10**NUMBER_DIGITS:
        raise ValueError(f"statement sequence {sequence} does not fit {NUMBER_DIGITS} digits")
    return f"S-{year:04d}-{sequence:0{NUMBER_DIGITS}d}"
