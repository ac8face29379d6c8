"""Use cases of a municipality's progress figures (issue 12) and the handlers' updates of their read model.

Problem codes: 404 ``municipality-not-found``; 422 ``as-of-future`` (field ``as_of``).
Sources: placement's events (``placement.placement_created``, ``placement.placement_status_changed``,
``placement.activity_logged``, ``placement.citizens_merged``), the co-financing lines and the terms read model."""

from __future__ import annotations

import logging
from datetime import date
from uuid import UUID

import asyncpg

from invoicing.municipality_kpis import repository
from invoicing.municipality_kpis.models import FIRST_DAY_ACTIVITY, RETENTION_DAYS, MunicipalityKpis, municipality_kpis
from vikar_shared.auth.principal import Principal
from vikar_shared.errors import invalid, not_found
from vikar_shared.events.placement import ActivityLogged, PlacementCreated, PlacementStatusChanged

log = logging.getLogger(__name__)


async def kpis_as_of(
    conn: asyncpg.Connection, viewer: Principal, municipality_id: UUID, as_of: date, *, today: date
) -> MunicipalityKpis:
    """The municipality's figures as of ``as_of`` (valid time: facts dated on or before it, as recorded now).

    Four statements over the municipality's rows (terms; co-financing per month; placements per month and end
    reason; retention), assembled by :func:`models.municipality_kpis`.

    Errors: 404 ``municipality-not-found`` unless ``viewer`` is agency staff or that municipality's user (and
    the municipality is known: terms name it); 422 ``as-of-future`` (field ``as_of``) when ``as_of`` is after
    ``today``."""
    if not viewer.may_see_municipality(municipality_id):
        raise not_found("municipality")
    if as_of > today:
        raise invalid("as_of", "as-of-future", f"as_of must be today ({today}) or earlier")
    terms = await repository.terms_facts(conn, municipality_id, as_of)
    if terms is None:
        raise not_found("municipality")
    citizens = await repository.citizen_months(conn, municipality_id, as_of)
    placements = await repository.placement_months(conn, municipality_id, as_of)
    retention = await repository.retention(conn, municipality_id, as_of, RETENTION_DAYS)
    return municipality_kpis(municipality_id, as_of, terms, citizens, placements, retention)


async def record_placement_created(conn: asyncpg.Connection, data: PlacementCreated) -> None:
    """A new placement's row (status from the event; none: planned). Idempotent: a redelivery, or a created event
    arriving after a status change of the placement, leaves a known row as it is."""
    await repository.insert_placement(
        conn,
        placement_id=data.placement_id,
        municipality_id=data.municipality_id,
        citizen_id=data.citizen_id,
        status=data.status or "planned",
        start_date=data.start_date,
        end_date=data.end_date,
    )


async def record_status_changed(conn: asyncpg.Connection, data: PlacementStatusChanged) -> None:
    """Sets status, dates and end reason (the event carries the whole lifecycle, so a redelivery sets the same).
    Placement keys both events by the placement id, so the created event comes first; a placement created before
    this read model existed is taken from the placements read model, and one unknown to both is logged and left
    (nothing to count it under)."""
    written = await repository.set_status(
        conn,
        placement_id=data.placement_id,
        citizen_id=data.citizen_id,
        status=data.status,
        start_date=data.start_date,
        end_date=data.end_date,
        end_reason=data.end_reason if data.status == "ended" else None,
    )
    if not written:
        log.warning("status change of placement %s, unknown to invoicing: not counted", data.placement_id)


async def record_activity(conn: asyncpg.Connection, data: ActivityLogged) -> None:
    """Keeps a first day at a company (activity type ``first_day_accompanied``); other activities are not
    figures. A redelivery changes nothing."""
    if data.activity_type != FIRST_DAY_ACTIVITY:
        return
    await repository.record_first_day(
        conn,
        activity_id=data.activity_id,
        citizen_id=data.citizen_id,
        placement_id=data.placement_id,
        occurred_on=data.occurred_on,
    )
