"""Settling retroactive rate changes: per accrued entry, the amount at the rate in force now minus the amount
already charged (its line and earlier adjustments) becomes an adjustment, a new fact referring to the entry.

Pure rules over domain values. Lines stay as accrued (never re-priced); an adjustment of 0 is not written, so
settling twice writes nothing twice. Sources: ``shared/docs/domain.md`` rules 1, 4, 5 (exact øre; invoices
immutable, changes on credit notes or later invoices; rates effective-dated, in force on the work date)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from invoicing.money import amount_for


@dataclass(frozen=True, slots=True)
class Charged:
    """An accrued line as charged so far: ``charged_ore`` = line amount + its adjustments, ``charged_rate`` the
    rate of the last of them; ``rate_now`` the rate in force on ``work_date`` with the versions known now
    (``terms_id``: the municipality terms version of that rate, co-financing only)."""

    entry_id: UUID
    party_id: UUID  # company (bill) or municipality (co-financing)
    citizen_id: UUID
    citizen_name: str
    work_date: date
    minutes: int
    charged_rate: int
    charged_ore: int
    rate_now: int
    placement_id: UUID | None = None
    terms_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class Adjustment:
    adjustment_id: UUID
    charged: Charged
    amount_ore: int


def adjustment_ore(charged: Charged) -> int:
    """``minutes × rate_now / 60`` rounded half up once (as the line was), minus what was charged: positive when
    the rate went up, negative when it went down, 0 when nothing is owed."""
    return amount_for(charged.minutes, charged.rate_now) - charged.charged_ore
