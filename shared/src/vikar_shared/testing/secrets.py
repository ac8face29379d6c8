"""For tests that prove no credential can be picked up where data is kept or carried (issue 6): what
looks like a token, and every stored row as text."""

from __future__ import annotations

import re
from collections.abc import Iterable

import asyncpg

Records = dict[str, list[tuple[bytes | None, bytes]]]

# Anything a token, session id, CSRF token, key or hash could be: long runs of URL-safe base64 / hex.
TOKEN_LIKE = re.compile(r"[A-Za-z0-9_\-]{16,}")


def token_like(texts: Iterable[str]) -> set[str]:
    """Every token-like run in ``texts``, and its parts between ``-``, ``_`` and a bytea's ``\\x`` prefix
    (a token inside a path, or the hex of a stored value)."""
    found: set[str] = set()
    for text in texts:
        for match in TOKEN_LIKE.findall(text):
            found.add(match)
            found.update(part for part in re.split(r"[-_]|\\\\x", match) if len(part) >= 16)
    return found


async def table_texts(db: asyncpg.Pool | asyncpg.Connection) -> list[str]:
    """Every row of every table of the database's public schema, each as PostgreSQL's text of the row."""
    texts: list[str] = []
    for table in await db.fetch("select tablename from pg_tables where schemaname = 'public'"):
        rows = await db.fetch(f'select t::text as row from "{table["tablename"]}" t')
        texts += [row["row"] for row in rows]
    return texts


def record_texts(records: Records) -> list[str]:
    """Each Kafka record of ``records`` (by topic: key, value) as one text, ``"<key> <value>"``."""
    return [
        (key or b"").decode(errors="replace") + " " + value.decode(errors="replace")
        for batch in records.values()
        for key, value in batch
    ]
