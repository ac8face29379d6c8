from __future__ import annotations

import asyncpg


async def record(
    conn: asyncpg.Connection, *, actor: str, action: str, subject: object, details: dict[str, object] | None = None
) -> None:
    """Audits a change of money or personal data, in the change's own transaction."""
    await conn.execute(
        "insert into audit_log (actor, action, subject, details) values ($1, $2, $3, $4)",
        actor,
        action,
        str(subject),
        details or {},
    )
