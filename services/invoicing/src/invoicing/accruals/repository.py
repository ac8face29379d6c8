"""SQL of the read models (terms, placements), the approved entries and the accrued lines."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast
from uuid import UUID

import asyncpg

from invoicing import advisory_locks
from invoicing.accruals.models import (
    ApprovedEntry,
    BillableLine,
    BillRateVersion,
    CoFinancingLine,
    Placement,
    TermsVersion,
)
from vikar_shared.db import transaction_memo
from vikar_shared.events.placement import MunicipalityTermsSet

# Advisory lock classes (two-int key space). Accrual reads a placement and a municipality's terms
# that other consumers write concurrently; readers share a lock, writers take it alone, so a
# pending entry can never slip between "placement/terms not known yet" and "accrue what is pending".
_PLACEMENT_LOCK = 1
_MUNICIPALITY_LOCK = 2

_PLACEMENT_COLUMNS = """placement_id, company_id, citizen_id, citizen_name, municipality_id, co_financing_eligible,
                        bill_rate_ore_per_hour, start_date, end_date"""
_ENTRY_COLUMNS = "entry_id, placement_id, company_id, work_date, minutes, approved_at, corrects_entry_id"
_BILLABLE_COLUMNS = (
    "entry_id, company_id, placement_id, citizen_id, citizen_name, work_date, minutes, rate_ore_per_hour, "
    "amount_ore, corrects_entry_id"
)
_CO_FINANCING_COLUMNS = (
    "entry_id, municipality_id, terms_id, citizen_id, citizen_name, work_date, minutes, rate_ore_per_hour, "
    "amount_ore, corrects_entry_id"
)


# Within one consumer transaction (a batch) a lock is taken once, and what it guards (a placement, a
# municipality's terms) is read once: vikar_shared.db.transaction_memo, empty outside a consumer.
# Bill rates are not locked (see service.record_bill_rates); a batch prices with the versions it read first.
# Every write of a memoised row drops it from the memo (upsert_placement, replace_bill_rates, upsert_terms), so a
# later handler of the same batch reads what this transaction wrote, never what it read before the write.
_MEMO_LOCK = "invoicing.lock"
_MEMO_PLACEMENT = "invoicing.placement"
_MEMO_TERMS = "invoicing.terms"
_MEMO_BILL_RATES = "invoicing.bill_rates"


async def _lock(conn: asyncpg.Connection, lock_class: int, key: UUID, *, exclusive: bool) -> None:
    memo = transaction_memo()
    if (_MEMO_LOCK, lock_class, key, True) in memo or (_MEMO_LOCK, lock_class, key, exclusive) in memo:
        return  # held until the transaction ends
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    await conn.execute(f"select {function}($1::int, hashtext($2::text))", lock_class, str(key))
    memo[(_MEMO_LOCK, lock_class, key, exclusive)] = True


async def lock_placement(conn: asyncpg.Connection, placement_id: UUID, *, exclusive: bool) -> None:
    await _lock(conn, _PLACEMENT_LOCK, placement_id, exclusive=exclusive)


async def lock_municipality(conn: asyncpg.Connection, municipality_id: UUID, *, exclusive: bool) -> None:
    await _lock(conn, _MUNICIPALITY_LOCK, municipality_id, exclusive=exclusive)


async def prefetch_for_accrual(conn: asyncpg.Connection, placement_ids: Iterable[UUID]) -> None:
    """What accruing entries of ``placement_ids`` reads, read and locked for the whole consumer transaction
    in four statements: each placement locked shared (:func:`lock_placement`, in id order) and read
    (:func:`get_placement`), its bill rates (:func:`bill_rates`), and for the eligible ones their
    municipality locked shared and its terms read (:func:`terms_versions`). Afterwards those functions
    answer from the transaction memo without a round trip. Outside a consumer transaction (no memo) it
    only takes the locks."""
    memo = transaction_memo()
    wanted = sorted({p for p in placement_ids if (_MEMO_PLACEMENT, p) not in memo}, key=str)
    if not wanted:
        return
    await _lock_all(conn, _PLACEMENT_LOCK, wanted)
    rows = await conn.fetch(f"select {_PLACEMENT_COLUMNS} from placements where placement_id = any($1::uuid[])", wanted)
    found = {r["placement_id"]: Placement(**dict(r)) for r in rows}
    rates: dict[UUID, list[BillRateVersion]] = {p: [] for p in wanted}
    for r in await conn.fetch(
        """select placement_id, effective_from, bill_rate_ore_per_hour, position from placement_bill_rates
           where placement_id = any($1::uuid[]) order by placement_id, position""",
        wanted,
    ):
        version = BillRateVersion(r["effective_from"], r["bill_rate_ore_per_hour"], r["position"])
        rates[r["placement_id"]].append(version)
    for placement_id in wanted:
        memo[(_MEMO_PLACEMENT, placement_id)] = found.get(placement_id)
        memo[(_MEMO_BILL_RATES, placement_id)] = tuple(rates[placement_id])
    municipalities = sorted(
        {
            p.municipality_id
            for p in found.values()
            if p.co_financing_eligible and (_MEMO_TERMS, p.municipality_id) not in memo
        },
        key=str,
    )
    if municipalities:
        await _lock_all(conn, _MUNICIPALITY_LOCK, municipalities)
        terms: dict[UUID, list[TermsVersion]] = {m: [] for m in municipalities}
        for r in await conn.fetch(
            """select terms_id, municipality_id, effective_from, co_financing_rate_ore_per_hour, recorded_seq
               from municipality_terms where municipality_id = any($1::uuid[])""",
            municipalities,
        ):
            terms[r["municipality_id"]].append(TermsVersion(**dict(r)))
        for municipality_id, versions in terms.items():
            memo[(_MEMO_TERMS, municipality_id)] = tuple(versions)


async def _lock_all(conn: asyncpg.Connection, lock_class: int, keys: list[UUID]) -> None:
    """:func:`_lock` (shared) for each of ``keys`` not held yet, in one statement, in the order given."""
    memo = transaction_memo()
    missing = [k for k in keys if not any((_MEMO_LOCK, lock_class, k, x) in memo for x in (True, False))]
    if not missing:
        return
    await conn.execute(
        """select pg_advisory_xact_lock_shared($1::int, hashtext(k.key))
           from unnest($2::text[]) with ordinality as k(key, n) order by k.n""",
        lock_class,
        [str(k) for k in missing],
    )
    for key in missing:
        memo[(_MEMO_LOCK, lock_class, key, False)] = True


async def upsert_terms(conn: asyncpg.Connection, version: TermsVersion, data: MunicipalityTermsSet) -> None:
    """Stores one terms version with every field of ``placement.municipality_terms_set`` (issue 11: the
    statement period, citizen reference, address as jsonb, VAT, payment means, EAN, person reference, target);
    a redelivery of the same ``terms_id`` overwrites it with the event's facts. Drops the municipality's terms
    from the transaction memo (read before in the batch, they would price a waiting entry without this version)."""
    transaction_memo().pop((_MEMO_TERMS, version.municipality_id), None)
    address = None if data.address is None else data.address.model_dump(mode="json")
    await conn.execute(
        """insert into municipality_terms (terms_id, municipality_id, municipality_name, effective_from,
                                          co_financing_rate_ore_per_hour, eligibility_threshold_weeks,
                                          target_unique_citizens, ean, person_reference, statement_period,
                                          citizen_reference, address, rate_excludes_vat, vat_category,
                                          vat_exemption_reason, payment_means_code, payee_iban,
                                          payee_bank_registration, payee_bank_account)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
           on conflict (terms_id) do update set
               municipality_name = excluded.municipality_name,
               effective_from = excluded.effective_from,
               co_financing_rate_ore_per_hour = excluded.co_financing_rate_ore_per_hour,
               eligibility_threshold_weeks = excluded.eligibility_threshold_weeks,
               target_unique_citizens = excluded.target_unique_citizens,
               ean = excluded.ean,
               person_reference = excluded.person_reference,
               statement_period = excluded.statement_period,
               citizen_reference = excluded.citizen_reference,
               address = excluded.address,
               rate_excludes_vat = excluded.rate_excludes_vat,
               vat_category = excluded.vat_category,
               vat_exemption_reason = excluded.vat_exemption_reason,
               payment_means_code = excluded.payment_means_code,
               payee_iban = excluded.payee_iban,
               payee_bank_registration = excluded.payee_bank_registration,
               payee_bank_account = excluded.payee_bank_account""",
        version.terms_id,
        version.municipality_id,
        data.municipality_name,
        version.effective_from,
        version.co_financing_rate_ore_per_hour,
        data.eligibility_threshold_weeks,
        data.target_unique_citizens,
        data.ean,
        data.person_reference,
        data.statement_period,
        data.citizen_reference,
        address,
        data.rate_excludes_vat,
        data.vat_category,
        data.vat_exemption_reason,
        data.payment_means_code,
        data.payee_iban,
        data.payee_bank_registration,
        data.payee_bank_account,
    )


async def terms_versions(conn: asyncpg.Connection, municipality_id: UUID) -> list[TermsVersion]:
    memo = transaction_memo()
    if (cached := memo.get((_MEMO_TERMS, municipality_id))) is not None:
        return list(cast(tuple[TermsVersion, ...], cached))
    rows = await conn.fetch(
        """select terms_id, municipality_id, effective_from, co_financing_rate_ore_per_hour, recorded_seq
           from municipality_terms where municipality_id = $1""",
        municipality_id,
    )
    versions = [TermsVersion(**dict(r)) for r in rows]
    memo[(_MEMO_TERMS, municipality_id)] = tuple(versions)
    return versions


async def upsert_placement(conn: asyncpg.Connection, placement: Placement) -> None:
    # Events of one placement arrive in order (keyed by placement id), so the latest write wins.
    transaction_memo().pop((_MEMO_PLACEMENT, placement.placement_id), None)
    await conn.execute(
        f"""insert into placements ({_PLACEMENT_COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           on conflict (placement_id) do update set
               company_id = excluded.company_id,
               citizen_id = excluded.citizen_id,
               citizen_name = excluded.citizen_name,
               municipality_id = excluded.municipality_id,
               co_financing_eligible = excluded.co_financing_eligible,
               bill_rate_ore_per_hour = excluded.bill_rate_ore_per_hour,
               start_date = excluded.start_date,
               end_date = excluded.end_date,
               updated_at = now()""",
        placement.placement_id,
        placement.company_id,
        placement.citizen_id,
        placement.citizen_name,
        placement.municipality_id,
        placement.co_financing_eligible,
        placement.bill_rate_ore_per_hour,
        placement.start_date,
        placement.end_date,
    )


async def get_placement(conn: asyncpg.Connection, placement_id: UUID) -> Placement | None:
    memo = transaction_memo()
    key = (_MEMO_PLACEMENT, placement_id)
    if key in memo:
        return cast(Placement | None, memo[key])
    row = await conn.fetchrow(f"select {_PLACEMENT_COLUMNS} from placements where placement_id = $1", placement_id)
    placement = None if row is None else Placement(**dict(row))
    memo[key] = placement
    return placement


async def replace_bill_rates(conn: asyncpg.Connection, placement_id: UUID, versions: list[BillRateVersion]) -> None:
    """The event carries every version, so the stored set is replaced, not merged. When the wage versions
    (effective_from, wage øre per hour, in order) differ from those stored, the placement's
    ``wage_rates_changed_seq`` is raised (the pay close re-prices paid entries of such placements only)."""
    transaction_memo().pop((_MEMO_BILL_RATES, placement_id), None)
    before = await conn.fetch(
        """delete from placement_bill_rates where placement_id = $1
           returning position, effective_from, wage_rate_ore_per_hour""",
        placement_id,
    )
    await conn.execute(
        """insert into placement_bill_rates (placement_id, position, effective_from, bill_rate_ore_per_hour,
                                             wage_rate_ore_per_hour)
           select $1::uuid, * from unnest($2::integer[], $3::date[], $4::bigint[], $5::bigint[])""",
        placement_id,
        [v.position for v in versions],
        [v.effective_from for v in versions],
        [v.bill_rate_ore_per_hour for v in versions],
        [v.wage_rate_ore_per_hour for v in versions],
    )
    ordered = sorted(before, key=lambda r: r["position"])
    old_wages = [(r["effective_from"], r["wage_rate_ore_per_hour"]) for r in ordered]
    if old_wages != [(v.effective_from, v.wage_rate_ore_per_hour) for v in versions]:
        # Shared with other rate changes, exclusive with a pay close (invoicing.advisory_locks.PAY_CLOSE).
        await conn.execute("select pg_advisory_xact_lock_shared($1::int, 0)", advisory_locks.PAY_CLOSE)
        await conn.execute(
            "update placements set wage_rates_changed_seq = nextval('wage_rate_change_seq') where placement_id = $1",
            placement_id,
        )


async def set_wage_rate(conn: asyncpg.Connection, placement_id: UUID, wage_rate_ore_per_hour: int | None) -> None:
    """The wage rate (øre per hour, null: none stated) of ``placement_created``, kept for the pay side only."""
    await conn.execute(
        "update placements set wage_rate_ore_per_hour = $2 where placement_id = $1",
        placement_id,
        wage_rate_ore_per_hour,
    )


async def bill_rates(conn: asyncpg.Connection, placement_id: UUID) -> list[BillRateVersion]:
    memo = transaction_memo()
    if (cached := memo.get((_MEMO_BILL_RATES, placement_id))) is not None:
        return list(cast(tuple[BillRateVersion, ...], cached))
    rows = await conn.fetch(
        """select effective_from, bill_rate_ore_per_hour, position from placement_bill_rates
           where placement_id = $1 order by position""",
        placement_id,
    )
    versions = [BillRateVersion(**dict(r)) for r in rows]
    memo[(_MEMO_BILL_RATES, placement_id)] = tuple(versions)
    return versions


def _entry_values(entry: ApprovedEntry, event_id: UUID) -> tuple[object, ...]:
    """The entry's columns in the order of ``_ENTRY_COLUMNS``, then its approval event id."""
    return (
        entry.entry_id,
        entry.placement_id,
        entry.company_id,
        entry.work_date,
        entry.minutes,
        entry.approved_at,
        entry.corrects_entry_id,
        event_id,
    )


async def insert_approved_entry(conn: asyncpg.Connection, entry: ApprovedEntry, event_id: UUID) -> bool:
    """True when the entry is new; False when it was recorded before."""
    status = await conn.execute(
        f"""insert into approved_entries ({_ENTRY_COLUMNS}, approval_event_id)
            values ($1, $2, $3, $4, $5, $6, $7, $8)
            on conflict (entry_id) do nothing""",
        *_entry_values(entry, event_id),
    )
    return bool(status == "INSERT 0 1")


async def get_approved_entry(conn: asyncpg.Connection, entry_id: UUID) -> tuple[ApprovedEntry, bool] | None:
    """The entry and whether it has been accrued."""
    row = await conn.fetchrow(
        f"select {_ENTRY_COLUMNS}, accrued_at is not null as accrued from approved_entries where entry_id = $1",
        entry_id,
    )
    if row is None:
        return None
    values = dict(row)
    accrued = bool(values.pop("accrued"))
    return ApprovedEntry(**values), accrued


async def pending_entries_of_placement(conn: asyncpg.Connection, placement_id: UUID) -> list[ApprovedEntry]:
    rows = await conn.fetch(
        f"""select {_ENTRY_COLUMNS} from approved_entries
            where placement_id = $1 and accrued_at is null order by work_date, entry_id""",
        placement_id,
    )
    return [ApprovedEntry(**dict(r)) for r in rows]


async def pending_eligible_entries_of_municipality(
    conn: asyncpg.Connection, municipality_id: UUID
) -> list[tuple[ApprovedEntry, Placement]]:
    """Entries whose placement is known and eligible but which still wait for terms."""
    rows = await conn.fetch(
        """select e.entry_id, e.placement_id, e.company_id as entry_company_id, e.work_date, e.minutes, e.approved_at,
                  e.corrects_entry_id, p.company_id, p.citizen_id, p.citizen_name, p.municipality_id,
                  p.co_financing_eligible, p.bill_rate_ore_per_hour, p.start_date, p.end_date
           from approved_entries e join placements p on p.placement_id = e.placement_id
           where e.accrued_at is null and p.municipality_id = $1 and p.co_financing_eligible
           order by e.work_date, e.entry_id""",
        municipality_id,
    )
    return [
        (
            ApprovedEntry(
                entry_id=r["entry_id"],
                placement_id=r["placement_id"],
                company_id=r["entry_company_id"],
                work_date=r["work_date"],
                minutes=r["minutes"],
                approved_at=r["approved_at"],
                corrects_entry_id=r["corrects_entry_id"],
            ),
            Placement(
                placement_id=r["placement_id"],
                company_id=r["company_id"],
                citizen_id=r["citizen_id"],
                citizen_name=r["citizen_name"],
                municipality_id=r["municipality_id"],
                co_financing_eligible=r["co_financing_eligible"],
                bill_rate_ore_per_hour=r["bill_rate_ore_per_hour"],
                start_date=r["start_date"],
                end_date=r["end_date"],
            ),
        )
        for r in rows
    ]


_LINE_PARAMS = 10  # columns of a billable or co-financing line (models.BillableLine, models.CoFinancingLine)


def _line_values(line: BillableLine | CoFinancingLine | None) -> tuple[object, ...]:
    """The line's columns in the insert order of :func:`_lines_sql`; ``None`` for each when there is no line."""
    if line is None:
        return (None,) * _LINE_PARAMS
    if isinstance(line, BillableLine):
        head: tuple[object, ...] = (line.entry_id, line.company_id, line.placement_id)
    else:
        head = (line.entry_id, line.municipality_id, line.terms_id)
    return (
        *head,
        line.citizen_id,
        line.citizen_name,
        line.work_date,
        line.minutes,
        line.rate_ore_per_hour,
        line.amount_ore,
        line.corrects_entry_id,
    )


def _lines_sql(guard: str, first: int) -> str:
    """CTEs ``billable`` and ``co_financing`` writing one accrual's lines when ``guard`` holds: parameters
    ``$first``… the billable line's :func:`_line_values`, the next ten the co-financing line's (all null
    when there is none). ``billable`` returns the entry id when its line was written now."""
    b = ", ".join(f"${n}" for n in range(first, first + _LINE_PARAMS))
    c = ", ".join(f"${n}" for n in range(first + _LINE_PARAMS, first + 2 * _LINE_PARAMS))
    return f"""billable as (
            insert into billable_lines ({_BILLABLE_COLUMNS})
            select {b} where {guard}
            on conflict (entry_id) do nothing
            returning entry_id),
        co_financing as (
            insert into co_financing_lines ({_CO_FINANCING_COLUMNS})
            select {c} where ${first + _LINE_PARAMS}::uuid is not null and exists (select from billable)
            on conflict (entry_id) do nothing)"""


_INSERT_ACCRUED_ENTRY = f"""with entry as (
        insert into approved_entries ({_ENTRY_COLUMNS}, approval_event_id, accrued_at)
        values ($1, $2, $3, $4, $5, $6, $7, $8, now())
        on conflict (entry_id) do nothing
        returning entry_id),
    {_lines_sql("exists (select from entry)", 9)}
    select exists (select from entry)"""

_INSERT_LINES = f"""with {_lines_sql("true", 1)},
    accrued as (update approved_entries set accrued_at = now() where entry_id = $1 and exists (select from billable))
    select exists (select from billable)"""


async def insert_accrued_entry(
    conn: asyncpg.Connection,
    entry: ApprovedEntry,
    event_id: UUID,
    billable: BillableLine,
    co_financing: CoFinancingLine | None,
) -> bool:
    """Records a new approved entry as accrued together with its billable line and its co-financing line
    (when there is one), in one statement (one round trip). True when the entry is new and its lines
    written; False, with nothing written, when the entry was recorded before (the caller then checks it
    as for :func:`insert_approved_entry`)."""
    return bool(
        await conn.fetchval(
            _INSERT_ACCRUED_ENTRY,
            *_entry_values(entry, event_id),
            *_line_values(billable),
            *_line_values(co_financing),
        )
    )


async def insert_accrued_entries(
    conn: asyncpg.Connection, accruals: list[tuple[ApprovedEntry, UUID, BillableLine, CoFinancingLine | None]]
) -> set[UUID]:
    """:func:`insert_accrued_entry` for many entries (each with its approval event id and lines; entry ids
    distinct) in one statement, in list order. Returns the ids of the entries recorded now; an entry
    recorded before gets nothing written (its caller checks it as for :func:`insert_approved_entry`)."""
    if not accruals:
        return set()
    columns: list[list[object]] = [[] for _ in range(8 + 2 * _LINE_PARAMS)]
    for entry, event_id, billable, co_financing in accruals:
        values = (
            *_entry_values(entry, event_id),
            *_line_values(billable),
            *_line_values(co_financing),
        )
        for column, value in zip(columns, values, strict=True):
            column.append(value)
    rows = await conn.fetch(_INSERT_ACCRUED_ENTRIES, *columns)
    return {r["entry_id"] for r in rows}


_LINE_TYPES = ("uuid", "uuid", "uuid", "uuid", "text", "date", "integer", "bigint", "bigint", "uuid")
_ENTRY_TYPES = ("uuid", "uuid", "uuid", "date", "integer", "timestamptz", "uuid", "uuid")


def _prefixed(prefix: str, columns: str) -> str:
    return ", ".join(prefix + c.strip() for c in columns.split(","))


def _insert_from_input(table: str, columns: str, prefix: str, where: str) -> str:
    """Inserts the ``prefix``-ed columns of CTE ``input`` into ``table`` in input order (see below)."""
    return f"""insert into {table} ({columns})
        select {_prefixed(prefix, columns)} from input where {where} order by n
        on conflict (entry_id) do nothing"""


# One row per entry: the entry (8 columns, as _entry_values), its billable line (b_…) and its co-financing
# line (c_…, all null when there is none); the lines are written only for entries recorded now.
_INSERT_ACCRUED_ENTRIES = f"""with input as (
        select * from unnest({", ".join(f"${n + 1}::{t}[]" for n, t in enumerate(_ENTRY_TYPES + _LINE_TYPES * 2))})
        with ordinality as i({_ENTRY_COLUMNS}, event_id, {_prefixed("b_", _BILLABLE_COLUMNS)},
                             {_prefixed("c_", _CO_FINANCING_COLUMNS)}, n)),
    entry as (
        insert into approved_entries ({_ENTRY_COLUMNS}, approval_event_id, accrued_at)
        select {_ENTRY_COLUMNS}, event_id, now() from input order by n
        on conflict (entry_id) do nothing
        returning entry_id),
    billable as (
        {_insert_from_input("billable_lines", _BILLABLE_COLUMNS, "b_", "entry_id in (select entry_id from entry)")}
        returning entry_id),
    co_financing as (
        {
    _insert_from_input(
        "co_financing_lines",
        _CO_FINANCING_COLUMNS,
        "c_",
        "c_entry_id is not null and entry_id in (select entry_id from billable)",
    )
})
    select entry_id from entry"""


async def insert_lines(conn: asyncpg.Connection, billable: BillableLine, co_financing: CoFinancingLine | None) -> bool:
    """Writes the billable line of an entry recorded before, its co-financing line (when there is one) and
    marks the entry accrued, in one statement. True when written now; False, with nothing written, when
    the entry's billable line exists already (accrued before)."""
    return bool(await conn.fetchval(_INSERT_LINES, *_line_values(billable), *_line_values(co_financing)))


# --- issue 14 (part E): why an entry was approved ----------------------------------------------------------------


async def record_status_reason(conn: asyncpg.Connection, entry_id: UUID, status_reason: str, event_id: UUID) -> None:
    """Keeps ``EntryApproved.status_reason`` (e.g. ``deemed_approved``) of the entry (table
    ``approved_entry_status_reasons``, migration ``20261216_11_deemed_status.sql``); a redelivery changes nothing."""
    await conn.execute(
        """insert into approved_entry_status_reasons (entry_id, status_reason, approval_event_id)
           values ($1, $2, $3) on conflict (entry_id) do nothing""",
        entry_id,
        status_reason,
        event_id,
    )


async def status_reasons(conn: asyncpg.Connection, entry_ids: list[UUID]) -> dict[UUID, str]:
    """The status reasons of those of ``entry_ids`` approved with one (an ordinary approval has none)."""
    rows = await conn.fetch(
        "select entry_id, status_reason from approved_entry_status_reasons where entry_id = any($1::uuid[])",
        entry_ids,
    )
    return {r["entry_id"]: r["status_reason"] for r in rows}
