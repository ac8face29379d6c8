"""Parameters and dependencies shared by the endpoints. Query rules live in ``periods`` (the shared parser, which
names the field in its 422); here only the HTTP shape."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from invoicing.config import InvoicingSettings
from vikar_shared.types.periods import MONTH_PATTERN

MonthQuery = Annotated[
    str,
    Query(
        description="Calendar month, YYYY-MM, of the years 2000..2100",
        examples=["2026-11"],
        max_length=20,
        # Documented only; the parser checks it, so the 422 names the rule (month-format, month-out-of-range).
        json_schema_extra={"pattern": MONTH_PATTERN},
    ),
]


def _settings(request: Request) -> InvoicingSettings:
    settings: InvoicingSettings = request.app.state.settings
    return settings


Settings = Annotated[InvoicingSettings, Depends(_settings)]
"""The service's settings (``app.state.settings``), as an endpoint dependency."""
