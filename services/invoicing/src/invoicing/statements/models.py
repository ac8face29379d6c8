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

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from invoicing.ledger.models import Party
from invoicing.money import VAT_RATE_PERCENT, divide_round_half_up

CURRENCY = "DKK"
NUMBER_DIGITS = 6
# The UNCL4461 payment means codes a statement can state from the agreement's terms: those Danish sellers may use
# (Peppol BIS 3 Danish national rule DK-R-005) except 49 and 59 (direct debit: a mandate, DK-R-007,
# PEPPOL-EN16931-R061) and 50 and 93 (giro, FIK: a payment id with a card type code, DK-R-008, DK-R-010), which
# the terms do not hold. Placement accepts the same set on terms (placement.agreements.models).
STATEMENT_PAYMENT_MEANS = frozenset({"1", "10", "31", "42", "48", "58", "97"})


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
    (:data:`STATEMENT_PAYMENT_MEANS`, DK-R-005): ``58`` (SEPA credit transfer) with ``iban``; ``31`` or ``42``
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
    of a VAT-inclusive rate: ``issue.total_ore`` is then that net plus VAT, within 1 øre of ``net_ore``);
    ``total_minutes`` the lines' minutes. ``unique_citizens``:
    distinct citizens with hours in the period; ``unique_citizens_to_date``: distinct citizens co-financed since
    the agreement started through the period's end, against ``target_unique_citizens`` (None: the agreement sets
    no target). ``corrects_statement_id``/``corrects_statement_number``: the issued statement a correction credits."""

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


# --- the statement run (statements core) ----------------------------------------------------------------------

# What a draft line names a citizen by when the agreement's choice is not known for them (no referral recorded,
# no case number, no birth year): the draft shows it, issuing refuses it (409 ``citizen-reference-missing``), and
# regenerating the draft once the referral is known reads the reference again.
MISSING_REFERENCE = "(reference mangler)"


@dataclass(frozen=True, slots=True)
class AgreementTerms:
    """One version of a municipality's agreement terms as invoicing knows them (``municipality_terms``, from
    ``placement.municipality_terms_set``), in force from ``effective_from`` (ties: the one recorded last,
    ``recorded_seq``). Every field after ``eligibility_threshold_weeks`` may be None: not stated."""

    terms_id: UUID
    municipality_id: UUID
    municipality_name: str
    effective_from: date
    co_financing_rate_ore_per_hour: int
    eligibility_threshold_weeks: int
    recorded_seq: int = 0
    target_unique_citizens: int | None = None
    ean: str | None = None
    person_reference: str | None = None
    statement_period: str | None = None
    citizen_reference: str | None = None
    street: str | None = None
    postcode: str | None = None
    city: str | None = None
    rate_excludes_vat: bool | None = None
    vat_category: str | None = None
    vat_exemption_reason: str | None = None
    payment_means_code: str | None = None
    payee_iban: str | None = None
    payee_bank_registration: str | None = None
    payee_bank_account: str | None = None

    @property
    def period_kind(self) -> StatementPeriodKind:
        return StatementPeriodKind.of(self.statement_period)

    @property
    def reference_kind(self) -> CitizenReferenceKind:
        return CitizenReferenceKind.of(self.citizen_reference)


def terms_in_force(versions: Sequence[AgreementTerms], day: date) -> AgreementTerms | None:
    """The version with the greatest ``effective_from`` on or before ``day`` (ties: recorded last), or None."""
    candidates = [v for v in versions if v.effective_from <= day]
    return max(candidates, key=lambda v: (v.effective_from, v.recorded_seq), default=None)


def missing_issue_terms(terms: AgreementTerms) -> list[tuple[str, str]]:
    """The terms fields a statement cannot be issued without, as ``(field, why)`` pairs (empty: complete).

    VAT has no default (momsloven § 27, stk. 1): ``vat_category`` and ``rate_excludes_vat`` must be stated, and
    ``vat_exemption_reason`` for ``E``/``O`` (Peppol BR-E-10, BR-O-10). ``payment_means_code`` must be a code
    a statement can state (:data:`STATEMENT_PAYMENT_MEANS`, DK-R-005) with its account: ``58`` ``payee_iban``;
    ``31``/``42`` ``payee_bank_registration`` and ``payee_bank_account`` (DK-R-006). ``ean`` is the Peppol buyer
    endpoint (scheme 0088) and ``person_reference`` the ``cbc:BuyerReference``: both mandatory."""
    missing: list[tuple[str, str]] = []
    if terms.vat_category is None:
        missing.append(("vat_category", "the VAT category (S, E or O) is not stated"))
    elif terms.vat_category in (VatCategory.EXEMPT, VatCategory.OUTSIDE_SCOPE) and not terms.vat_exemption_reason:
        missing.append(("vat_exemption_reason", f"VAT category {terms.vat_category} needs the reason (BT-120)"))
    if terms.rate_excludes_vat is None:
        missing.append(("rate_excludes_vat", "whether the rate excludes VAT is not stated"))
    code = terms.payment_means_code
    if code is None:
        missing.append(("payment_means_code", "the payment means is not stated"))
    elif code not in STATEMENT_PAYMENT_MEANS:
        missing.append(
            ("payment_means_code", f"payment means {code} is not one a statement can state (DK-R-005, no mandate)")
        )
    elif code == "58" and not terms.payee_iban:
        missing.append(("payee_iban", "payment means 58 needs the IBAN"))
    elif code in ("31", "42"):
        if not terms.payee_bank_registration:
            missing.append(("payee_bank_registration", f"payment means {code} needs the registration number"))
        if not terms.payee_bank_account:
            missing.append(("payee_bank_account", f"payment means {code} needs the account number"))
    if not terms.ean:
        missing.append(("ean", "the municipality's EAN/GLN (the Peppol buyer endpoint) is not stated"))
    if not terms.person_reference:
        missing.append(("person_reference", "the person reference (Peppol BuyerReference) is not stated"))
    return missing


def buyer_of(terms: AgreementTerms) -> MunicipalityParty:
    return MunicipalityParty(
        municipality_id=terms.municipality_id,
        name=terms.municipality_name,
        ean=terms.ean,
        person_reference=terms.person_reference,
        street=terms.street,
        postcode=terms.postcode,
        city=terms.city,
    )


def stated_payment_means(terms: AgreementTerms) -> PaymentMeans | None:
    """The payment means the terms state, or None while they state none (a draft's terms may)."""
    if terms.payment_means_code is None:
        return None
    return PaymentMeans(
        code=terms.payment_means_code,
        iban=terms.payee_iban,
        bank_registration=terms.payee_bank_registration,
        bank_account=terms.payee_bank_account,
    )


def stated_vat(terms: AgreementTerms) -> VatTerms | None:
    """The VAT the terms state (category and whether the rate excludes it), or None while either is unstated."""
    if terms.vat_category is None or terms.rate_excludes_vat is None:
        return None
    return VatTerms(VatCategory(terms.vat_category), terms.rate_excludes_vat, terms.vat_exemption_reason)


def payment_means_of(terms: AgreementTerms) -> PaymentMeans:
    means = stated_payment_means(terms)
    assert means is not None, "checked by missing_issue_terms"
    return means


def vat_of(terms: AgreementTerms) -> VatTerms:
    vat = stated_vat(terms)
    assert vat is not None, "checked by missing_issue_terms"
    return vat


@dataclass(frozen=True, slots=True)
class StatementItem:
    """A co-financing line (one approved entry) or an adjustment of one entry's rate on no statement yet.
    For an adjustment ``item_id`` is the adjustment's id, ``minutes`` 0 and ``rate_ore_per_hour`` the new rate.
    ``corrects_statement_id``: the issued statement the item is credited against (a correction statement): set for
    every open correction or adjustment of an entry on it whose set, netted per root entry, hours or adjustment,
    and rate, lowers it (view ``statement_open_items``, migration ``20261203_31``);
    ``draft_statement_id``: the draft statement the root entry of a correction or adjustment is on (it nets
    there); neither: it goes on the municipality's next draft."""

    item_id: UUID
    adjustment: bool
    citizen_id: UUID
    citizen_name: str
    work_date: date
    minutes: int
    rate_ore_per_hour: int
    amount_ore: int
    corrects_statement_id: UUID | None = None
    draft_statement_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class DraftLine:
    """A statement line and the items behind it (co-financing entries, or adjustments for an adjustment line)."""

    line: StatementLine
    item_ids: tuple[UUID, ...]


@dataclass(frozen=True, slots=True)
class PlannedStatement:
    period: StatementPeriod
    items: tuple[StatementItem, ...]
    late: frozenset[UUID]


def statement_periods(
    kind_on: Callable[[date], StatementPeriodKind], *, first_day: date, through: date, stated_through: date | None
) -> list[StatementPeriod]:
    """The statement periods from the one holding ``first_day`` to the last one ending on or before ``through``.

    Each period's kind is the one the terms in force on its first day state (``kind_on``; a municipality's very
    first period: on its first work date): a calendar month, or a calendar quarter. **A change of kind mid-way**:
    a quarter is only used when it starts after ``stated_through`` (no part of it stated before); until the next
    quarter starts the periods stay calendar months (terms turning quarterly in February: February and March
    monthly, then quarters from April). A change to monthly takes effect from the first period starting on or
    after its day (a quarter begun under quarterly terms is stated as that quarter)."""
    periods: list[StatementPeriod] = []
    day = first_day
    while True:
        kind = kind_on(day)
        period = statement_period_containing(kind, day)
        if kind is StatementPeriodKind.QUARTERLY and stated_through is not None and period.start <= stated_through:
            period = statement_period_containing(StatementPeriodKind.MONTHLY, day)
        if periods and period.start <= periods[-1].end:  # a quarter whose first month was stated as a month
            period = statement_period_containing(StatementPeriodKind.MONTHLY, day)
        if period.end > through:
            return periods
        periods.append(period)
        day = date.fromordinal(period.end.toordinal() + 1)


def plan_statements(
    items: Sequence[StatementItem],
    kind_on: Callable[[date], StatementPeriodKind],
    *,
    through: date,
    stated_through: date | None,
) -> list[PlannedStatement]:
    """The draft statements one municipality gets from a run through ``through``: one per statement period
    ended on or before ``through`` and after ``stated_through`` that has items; the late items (work date on or
    before ``stated_through``: their period was stated before) go on the first of those periods with their
    original dates. An empty period drafts nothing; late items with no ended period after ``stated_through``
    wait for a later run; items of a period not ended yet stay in the pool. A period whose items net to nothing
    (0 øre and 0 minutes, e.g. a rate change's adjustments of an entry and of its correction cancelling out) drafts
    nothing either: a draft of them could never be issued (``statement-empty``); its items stay in the pool and,
    late from then on, go on the next draft that states something."""
    if stated_through is None:
        late, current = [], list(items)
    else:
        late = [i for i in items if i.work_date <= stated_through]
        current = [i for i in items if i.work_date > stated_through]
    if late and stated_through is not None:
        first_day = date.fromordinal(stated_through.toordinal() + 1)
    elif current:
        first_day = min(i.work_date for i in current)
    else:
        return []
    planned: list[PlannedStatement] = []
    waiting = late  # late items, and the items of a period that stated nothing: on the next draft, as late
    for period in statement_periods(kind_on, first_day=first_day, through=through, stated_through=stated_through):
        own = [i for i in current if period.start <= i.work_date <= period.end]
        if not _states_something(waiting + own):
            waiting = waiting + own
            continue
        planned.append(PlannedStatement(period, tuple(waiting + own), frozenset(i.item_id for i in waiting)))
        waiting = []
    return planned


def _states_something(items: Sequence[StatementItem]) -> bool:
    """Whether a draft of ``items`` would state anything: some øre or some minutes, net."""
    return sum(i.amount_ore for i in items) != 0 or sum(i.minutes for i in items) != 0


def group_statement_lines(
    items: Iterable[StatementItem], references: Mapping[UUID, str], late: frozenset[UUID] = frozenset()
) -> tuple[DraftLine, ...]:
    """One line per citizen and rate (late items also per original work date; adjustment lines apart from the
    hours), minutes and øre plain sums of the items' (never re-rounded). ``references``: the citizen reference per
    citizen id (:data:`MISSING_REFERENCE` for one not given). Order: the period's own lines by citizen
    reference, citizen id, rate, hours before adjustments; then the lines of earlier periods by work date.
    ``late`` on a line means hours approved after their period was stated: an adjustment line (a retroactive rate
    change of hours already stated or on this statement) is its own kind and never late, even when its work date
    is in an earlier period (it is still grouped per original work date then)."""
    groups: dict[tuple[bool, date, str, str, int, bool], list[StatementItem]] = {}
    for item in items:
        is_late = item.item_id in late
        reference = references.get(item.citizen_id, MISSING_REFERENCE)
        key = (
            is_late,
            item.work_date if is_late else date.min,
            reference,
            str(item.citizen_id),
            item.rate_ore_per_hour,
            item.adjustment,
        )
        groups.setdefault(key, []).append(item)
    lines: list[DraftLine] = []
    for position, (key, members) in enumerate(sorted(groups.items(), key=lambda kv: kv[0]), start=1):
        is_late, _, reference, citizen, rate, adjustment = key
        members.sort(key=lambda i: (i.work_date, str(i.item_id)))
        line = StatementLine(
            position=position,
            citizen_id=UUID(citizen),
            citizen_reference=reference,
            rate_ore_per_hour=rate,
            minutes=sum(i.minutes for i in members),
            amount_ore=sum(i.amount_ore for i in members),
            late=is_late and not adjustment,
            first_work_date=members[0].work_date,
            last_work_date=members[-1].work_date,
            adjustment=adjustment,
        )
        lines.append(DraftLine(line, tuple(i.item_id for i in members)))
    return tuple(lines)


def group_correction_lines(items: Iterable[StatementItem], references: Mapping[UUID, str]) -> tuple[DraftLine, ...]:
    """The lines of a correction statement: per citizen, rate and original work date, with **positive** minutes
    and øre (the negated sums of the lowering items: a correction statement never states a negative amount,
    Peppol DK-R-016). ``late`` is False: it has the period of the statement it corrects."""
    listed = list(items)
    grouped = group_statement_lines(listed, references, frozenset(i.item_id for i in listed))
    return tuple(
        DraftLine(replace(d.line, minutes=-d.line.minutes, amount_ore=-d.line.amount_ore, late=False), d.item_ids)
        for d in grouped
    )


@dataclass(frozen=True, slots=True)
class StatementDraft:
    """What a run (or a regenerate) writes for one draft: the statement without its issue, and its lines."""

    statement: Statement
    lines: tuple[DraftLine, ...]


@dataclass(frozen=True, slots=True)
class StatementRun:
    """One statement run through ``through`` (the day it was clipped to: at most yesterday): progress
    (municipalities done of total, drafts made) and the draft statements and correction statements it made."""

    run_id: UUID
    through: date
    requested_by: str
    started_at: datetime
    finished_at: datetime | None
    municipalities_total: int
    municipalities_done: int
    statements_drafted: int
    statements: tuple[Statement, ...] = ()

    @property
    def finished(self) -> bool:
        return self.finished_at is not None
