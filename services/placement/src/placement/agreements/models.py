"""Municipality agreement terms: effective-dated versions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID


@dataclass(frozen=True)
class Terms:
    id: UUID
    municipality_id: UUID
    effective_from: date
    co_financing_rate_ore_per_hour: int
    eligibility_threshold_weeks: int
    target_unique_citizens: int | None = None
    ean: str | None = None
    person_reference: str | None = None


@dataclass(frozen=True)
class Municipality:
    id: UUID
    name: str
    terms: list[Terms]


def terms_in_force(versions: list[Terms], on: date) -> Terms | None:
    """The version with the latest ``effective_from`` on or before ``on``."""
    candidates = [t for t in versions if t.effective_from <= on]
    return max(candidates, key=lambda t: t.effective_from) if candidates else None
