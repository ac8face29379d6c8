"""Economics use cases: the month's revenue, wage cost and margin per placement (finance and admins only)."""

from __future__ import annotations

import asyncpg

from invoicing.config import InvoicingSettings, basis_points_in_force
from invoicing.economics import repository
from invoicing.economics.models import Economics, economics_of, last_day
from invoicing.periods import parse_month
from vikar_shared.auth import Principal, Role
from vikar_shared.errors import forbidden

ROLES = frozenset({Role.FINANCE, Role.ADMIN})


async def economics(
    conn: asyncpg.Connection, actor: Principal, month: str, *, settings: InvoicingSettings
) -> Economics:
    """The economics of ``month`` (``YYYY-MM``): see ``economics.models`` for the rules.

    The holiday-allowance and employer on-cost percentages are those in force on the month's last day
    (``settings.holiday_allowance_versions``, ``settings.employer_on_cost_versions``). A month in the future is
    answered, with the little or nothing recorded for it (valid time: facts with work dates in the month).

    Errors: 403 ``forbidden`` (a role other than finance or admin); 422 ``month-format`` /
    ``month-out-of-range`` (field ``month``)."""
    if actor.role not in ROLES:
        raise forbidden("Only finance and admins see the economics")
    parsed = parse_month(month)
    end = last_day(parsed)
    facts = await repository.placement_facts(conn, parsed.first_day, parsed.next_first_day)
    return economics_of(
        parsed,
        facts,
        holiday_bp=basis_points_in_force(settings.holiday_allowance_versions, end),
        on_cost_bp=basis_points_in_force(settings.employer_on_cost_versions, end),
    )
