"""Bounds for integers that come from outside, so an absurd value is a 422 naming the field
(``greater_than_equal`` / ``less_than_equal``), never an overflow in PostgreSQL or in date arithmetic.

Use as metadata: ``limit: Annotated[int, Query(...), *LIMIT]`` or ``Annotated[StrictInt, *OFFSET]``;
``annotated_types`` bounds work both in models and in FastAPI query parameters.
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Le

PG_INT_MAX = 2**31 - 1
"""PostgreSQL ``integer``: the ceiling of any stored count, minutes or øre column of that type."""
PG_BIGINT_MAX = 2**63 - 1
MAX_LIMIT = 500
"""Most rows one page may ask for."""
MAX_OFFSET = 1_000_000
"""Deepest page start: far beyond any list the agency has, far below what the database can skip."""
MAX_MINUTES_PER_DAY = 24 * 60
MAX_RATE_ORE_PER_HOUR = 10_000_000
"""100,000 kr an hour: no wage, bill or co-financing rate comes near."""
MAX_DAYS = 3650
"""Ten years, for "older than N days" style parameters."""

Offset = Annotated[int, Ge(0), Le(MAX_OFFSET)]
Limit = Annotated[int, Ge(1), Le(MAX_LIMIT)]
Version = Annotated[int, Ge(1), Le(PG_INT_MAX)]
