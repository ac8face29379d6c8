"""A draft co-financing statement: one municipality's eligible hours of one month, per citizen."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from invoicing.periods import Month


@dataclass(frozen=True, slots=True)
class CoFinancedHours:
    """One accrued co-financing line, as the statement needs it."""

    citizen_id: UUID
    citizen_name: str
    minutes: int
    rate_ore_per_hour: int
    amount_ore: int


@dataclass(frozen=True, slots=True)
class CitizenTotal:
    citizen_id: UUID
    citizen_name: str
    minutes: int
    amount_ore: int
    rates_ore_per_hour: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class CoFinancingDraft:
    municipality_id: UUID
    municipality_name: str
    month: Month
    citizens: tuple[CitizenTotal, ...]
    total_minutes: int
    total_ore: int
    unique_citizens: int


def draft_statement(
    municipality_id: UUID, municipality_name: str, month: Month, lines: Sequence[CoFinancedHours]
) -> CoFinancingDraft:
    """Amounts are sums of the per-entry amounts (each rounded once, when accrued), never re-rounded."""
    by_citizen: dict[UUID, list[CoFinancedHours]] = {}
    for line in lines:
        by_citizen.setdefault(line.citizen_id, []).append(line)
    citizens = tuple(
        sorted(
            (
                CitizenTotal(
                    citizen_id=citizen_id,
                    citizen_name=own[-1].citizen_name,
                    minutes=sum(line.minutes for line in own),
                    amount_ore=sum(line.amount_ore for line in own),
                    rates_ore_per_hour=tuple(sorted({line.rate_ore_per_hour for line in own})),
                )
                for citizen_id, own in by_citizen.items()
            ),
            key=lambda c: (c.citizen_name, str(c.citizen_id)),
        )
    )
    return CoFinancingDraft(
        municipality_id=municipality_id,
        municipality_name=municipality_name,
        month=month,
        citizens=citizens,
        total_minutes=sum(c.minutes for c in citizens),
        total_ore=sum(c.amount_ore for c in citizens),
        unique_citizens=len(citizens),
    )
