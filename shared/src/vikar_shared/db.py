"""asyncpg pool and the transaction helper. The entrypoint owns the transaction; services never commit."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar

import asyncpg

from vikar_shared.transient import mark_outcome_unknown


async def _init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    await conn.set_type_codec("json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def _reset_connection(conn: asyncpg.Connection) -> None:
    """What a connection goes back to the pool with: asyncpg has already rolled back a transaction left
    open and dropped its listeners (``Connection._reset``, always run before this hook).

    asyncpg's default reset also sends ``pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL``,
    one more round trip to the database on every request's path (a fifth of an approval's statements,
    bench/api). Nothing here leaves session state on a pooled connection: session advisory locks,
    ``SET`` (not ``SET LOCAL``), ``LISTEN`` and ``WITH HOLD`` cursors are used only on connections of
    their own (migrations, the relay's leadership, the test plugin), and transaction-scoped state
    (``pg_advisory_xact_lock``, ``SET LOCAL``) ends with the transaction. Code that needs session state
    takes its own connection (``asyncpg.connect``), never one from the pool."""


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """The service's pool; its connections keep no session state between uses (:func:`_reset_connection`)."""
    pool = await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, init=_init_connection, reset=_reset_connection
    )
    assert pool is not None
    return pool


@asynccontextmanager
async def transaction(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """One connection, one transaction: committed when the block ends, rolled back on any error.

    An error raised by the commit itself (the connection lost while committing) is marked
    (:func:`vikar_shared.transient.mark_outcome_unknown`): the server may have committed, so an HTTP
    answer says ``"written": null`` instead of ``false``."""
    committing = False
    try:
        async with pool.acquire() as conn, conn.transaction():
            yield conn  # type: ignore[misc]  # a pool proxy behaves as the Connection it wraps
            committing = True
    except BaseException as exc:
        if committing:
            mark_outcome_unknown(exc)
        raise


async def lock_natural_key(conn: asyncpg.Connection, *parts: object) -> None:
    """Serialises, until the transaction ends, every transaction that creates the object ``parts`` name
    (a natural key), so a duplicate check followed by an insert cannot race with its twin."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8", "surrogatepass")).digest()
    await conn.execute("select pg_advisory_xact_lock($1)", int.from_bytes(digest[:8], "big", signed=True))


_memo: ContextVar[dict[object, object] | None] = ContextVar("vikar_transaction_memo", default=None)


@contextmanager
def transaction_memo_scope() -> Iterator[None]:
    """Opens the memo of one transaction (:func:`transaction_memo`); the consumers open one inside each
    transaction they run, so a batch's handlers share it and a retried transaction starts empty."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def transaction_memo() -> dict[object, object]:
    """A dict that lives as long as the current consumer transaction (:func:`transaction_memo_scope`):
    what a handler read or locked there and may reuse for the later events of the same batch (a lock
    held, a row that lock keeps from changing). Outside a scope (e.g. an HTTP request) a new empty dict
    each call, so nothing is kept. Keys: tuples starting with the owner's name, e.g.
    ``("invoicing.placement", placement_id)``; a writer of the row drops its key."""
    memo = _memo.get()
    return {} if memo is None else memo


_BEFORE_COMMIT = "vikar.before_commit"

BeforeCommit = Callable[[asyncpg.Connection], Awaitable[None]]


def before_commit(hook: BeforeCommit) -> bool:
    """Has the consumer run ``hook(conn)`` on the transaction's connection just before it commits (after
    every handler of the batch; hooks in the order registered, each once). False, with nothing
    registered, outside a consumer transaction (:func:`transaction_memo_scope`): the caller writes now."""
    memo = _memo.get()
    if memo is None:
        return False
    hooks = memo.setdefault(_BEFORE_COMMIT, [])
    assert isinstance(hooks, list)
    if hook not in hooks:
        hooks.append(hook)
    return True


async def run_before_commit(conn: asyncpg.Connection) -> None:
    """Runs (and forgets) the hooks registered with :func:`before_commit` in this transaction."""
    memo = _memo.get()
    hooks = memo.pop(_BEFORE_COMMIT, []) if memo is not None else []
    assert isinstance(hooks, list)
    for hook in hooks:
        await hook(conn)
