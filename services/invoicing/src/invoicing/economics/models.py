"""What each placement earns the agency in a month: pure assembly of the recorded facts (no clock, no database).

Valid time: the facts with **work dates** in the month, as recorded now (late approvals and retroactive rate
adjustments of the month's work count in the month they were worked). All amounts are integer øre, durations
integer minutes, percentages integer basis points (1 % = 100 bp). Per placement:

- ``revenue_company_ore``: Σ billable lines + Σ their bill rate adjustments;
- ``revenue_municipality_ore``: Σ co-financing lines + Σ their co-financing adjustments;
- ``wage_gross_ore``: Σ per approved entry ``money.amount_for(minutes, wage in force on the work date)``
  (half up per entry, as billable lines); minutes without a wage rate in force are
  ``wage_rate_missing_minutes`` and not costed;
- ``holiday_allowance_ore`` = half-up(gross × holiday bp / 10 000) (feriegodtgørelse, ferieloven § 16 stk. 2:
  12.5 % by default; the bp in force on the month's last day);
- ``on_cost_ore`` = half-up((gross + holiday) × on-cost bp / 10 000) (the employer's on-cost setting, which
  covers ATP, insurance and AES: ATP is not allocated per placement);
- ``wage_cost_ore`` = gross + holiday + on-cost; ``margin_ore`` = revenue − wage cost;
- ``margin_basis_points`` = half-up(margin × 10 000 / revenue), ``None`` when revenue is 0.

Subtotals per company and per municipality and the agency's totals are plain sums of the placement rows (each
placement's rounding kept); only their margin in basis points is computed from the sums."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, timedelta
from uuid import UUID

from invoicing.money import divide_round_half_up
from vikar_shared.types.periods import Month

BASIS_POINTS = 10_000


@dataclass(frozen=True, slots=True)
class PlacementFacts:
    """What is recorded of one placement for the month's work dates (the repository's row)."""

    placement_id: UUID
    company_id: UUID
    company_name: str | None
    municipality_id: UUID | None  # None: the placement itself is not known yet (only its hours)
    municipality_name: str | None
    employee_number: int | None  # None: placement has not announced the citizen's number yet
    minutes: int  # approved minutes (corrections included, so possibly negative)
    wage_rate_missing_minutes: int
    revenue_company_ore: int
    revenue_municipality_ore: int
    wage_gross_ore: int


@dataclass(frozen=True, slots=True)
class Figures:
    """The money of a placement, a group of placements or the agency (see the module for the rules)."""

    minutes: int
    wage_rate_missing_minutes: int
    revenue_company_ore: int
    revenue_municipality_ore: int
    wage_gross_ore: int
    holiday_allowance_ore: int
    on_cost_ore: int

    @property
    def revenue_ore(self) -> int:
        return self.revenue_company_ore + self.revenue_municipality_ore

    @property
    def wage_cost_ore(self) -> int:
        return self.wage_gross_ore + self.holiday_allowance_ore + self.on_cost_ore

    @property
    def margin_ore(self) -> int:
        return self.revenue_ore - self.wage_cost_ore

    @property
    def margin_basis_points(self) -> int | None:
        """The margin in basis points of revenue, half up (away from zero); ``None`` when revenue is 0."""
        revenue = self.revenue_ore
        if revenue == 0:
            return None
        sign = 1 if revenue > 0 else -1
        return divide_round_half_up(sign * self.margin_ore * BASIS_POINTS, abs(revenue))

    def __add__(self, other: Figures) -> Figures:
        return Figures(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(Figures)))


NOTHING = Figures(0, 0, 0, 0, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class PlacementEconomics:
    facts: PlacementFacts
    figures: Figures


@dataclass(frozen=True, slots=True)
class GroupEconomics:
    """A company's or a municipality's placements summed (``group_id`` None: placements not known yet)."""

    group_id: UUID | None
    name: str | None
    placements: int
    figures: Figures


@dataclass(frozen=True, slots=True)
class Economics:
    month: Month
    holiday_allowance_basis_points: int
    employer_on_cost_basis_points: int
    placements: tuple[PlacementEconomics, ...]
    companies: tuple[GroupEconomics, ...]
    municipalities: tuple[GroupEconomics, ...]
    totals: Figures


def last_day(month: Month) -> date:
    """The month's last day: the day whose holiday-allowance and on-cost percentages apply to the month."""
    return month.next_first_day - timedelta(days=1)


def figures_of(facts: PlacementFacts, *, holiday_bp: int, on_cost_bp: int) -> Figures:
    """One placement's figures: holiday allowance and on-cost rounded half up on the placement's gross."""
    holiday = divide_round_half_up(facts.wage_gross_ore * holiday_bp, BASIS_POINTS)
    on_cost = divide_round_half_up((facts.wage_gross_ore + holiday) * on_cost_bp, BASIS_POINTS)
    return Figures(
        minutes=facts.minutes,
        wage_rate_missing_minutes=facts.wage_rate_missing_minutes,
        revenue_company_ore=facts.revenue_company_ore,
        revenue_municipality_ore=facts.revenue_municipality_ore,
        wage_gross_ore=facts.wage_gross_ore,
        holiday_allowance_ore=holiday,
        on_cost_ore=on_cost,
    )


def _groups(
    rows: Sequence[PlacementEconomics],
    key: Callable[[PlacementFacts], UUID | None],
    name: Callable[[PlacementFacts], str | None],
) -> tuple[GroupEconomics, ...]:
    sums: dict[Hashable, GroupEconomics] = {}
    for row in rows:
        group_id = key(row.facts)
        seen = sums.get(group_id)
        sums[group_id] = GroupEconomics(
            group_id=group_id,
            name=name(row.facts) if seen is None or seen.name is None else seen.name,
            placements=(0 if seen is None else seen.placements) + 1,
            figures=(NOTHING if seen is None else seen.figures) + row.figures,
        )
    return tuple(sorted(sums.values(), key=lambda g: (g.name is None, g.name or "", str(g.group_id))))


def economics_of(month: Month, facts: Iterable[PlacementFacts], *, holiday_bp: int, on_cost_bp: int) -> Economics:
    """The month's economics from the placements' facts and the percentages in force on the month's last day.

    Placements are ordered by company name, municipality name, employee number, placement id."""
    rows = tuple(
        sorted(
            (PlacementEconomics(f, figures_of(f, holiday_bp=holiday_bp, on_cost_bp=on_cost_bp)) for f in facts),
            key=lambda r: (
                r.facts.company_name or "",
                r.facts.municipality_name or "",
                r.facts.employee_number or 0,
                str(r.facts.placement_id),
            ),
        )
    )
    totals = NOTHING
    for row in rows:
        totals = totals + row.figures
    return Economics(
        month=month,
        holiday_allowance_basis_points=holiday_bp,
        employer_on_cost_basis_points=on_cost_bp,
        placements=rows,
        companies=_groups(rows, lambda f: f.company_id, lambda f: f.company_name),
        municipalities=_groups(rows, lambda f: f.municipality_id, lambda f: f.municipality_name),
        totals=totals,
    )
