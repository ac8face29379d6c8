"""Statement use cases (issue 11). Services take domain inputs and return domain objects; they never commit.

Problem codes: 404 ``statement-not-found`` (unknown, or not the viewer's: agency staff see every statement, a
municipality user its own municipality's, nobody else any)."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from invoicing.statements import repository
from invoicing.statements.models import Statement
from vikar_shared.auth import Principal
from vikar_shared.errors import not_found


def may_see(viewer: Principal, statement: Statement) -> bool:
    """Agency staff see every statement; a municipality user only its own municipality's."""
    return viewer.may_see_municipality(statement.municipality_id)


async def get_statement(conn: asyncpg.Connection, viewer: Principal, statement_id: UUID) -> Statement:
    """The statement ``statement_id`` as ``viewer`` may see it. Errors: 404 ``statement-not-found``."""
    statement = await repository.get_statement(conn, statement_id)
    if statement is None or not may_see(viewer, statement):
        raise not_found("statement")
    return statement
