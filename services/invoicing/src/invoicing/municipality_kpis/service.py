"""Use cases of a municipality's progress figures (issue 12). INTERFACE until the KPI part lands."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import asyncpg

from invoicing.municipality_kpis.models import MunicipalityKpis
from vikar_shared.auth.principal import Principal


async def kpis_as_of(
    conn: asyncpg.Connection, viewer: Principal, municipality_id: UUID, as_of: date, *, today: date
) -> MunicipalityKpis:
    """The municipality's figures as of ``as_of`` (valid time: facts dated on or before it).

    Errors: 404 ``municipality-not-found`` unless ``viewer`` is agency staff or that municipality's user (and
    the municipality is known); 422 ``as-of-future`` (field ``as_of``) when ``as_of`` is after ``today``."""
    raise NotImplementedError
