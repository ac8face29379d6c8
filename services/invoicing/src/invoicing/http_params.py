"""Query parameters shared by the endpoints. Their rules live in ``periods``; here only the HTTP shape."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

MonthQuery = Annotated[str, Query(description="Calendar month, YYYY-MM", examples=["2026-11"], max_length=20)]
