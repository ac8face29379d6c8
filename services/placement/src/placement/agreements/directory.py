"""The agreements domain's named read functions for other domains: who may log in for which municipality.

Identity (``placement.identity``) decides who may log in and whether a session still has access through these,
never through ``agreements.repository`` (one owner per table, as :mod:`placement.companies.directory`)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import asyncpg

from placement.agreements import repository
from vikar_shared.types.text import email_key


@dataclass(frozen=True)
class MunicipalityListing:
    """A municipality that lists an address as a user: its id and name, and the person's name there."""

    municipality_id: UUID
    municipality_name: str
    person_name: str


async def municipalities_listing(conn: asyncpg.Connection, email: str) -> list[MunicipalityListing]:
    """The municipalities that list ``email`` as a user (compared in the ``email_key`` form), by municipality
    id; empty for an address nobody listed."""
    rows = await repository.municipalities_with_user(conn, email_key(email))
    return [MunicipalityListing(r["municipality_id"], r["municipality_name"], r["person_name"]) for r in rows]


async def is_municipality_user(conn: asyncpg.Connection, municipality_id: UUID, email: str) -> bool:
    """Whether ``email`` is (still) a user of ``municipality_id``."""
    return await repository.is_user(conn, municipality_id, email_key(email))
