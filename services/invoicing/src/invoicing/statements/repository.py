"""SQL of the statements (migrations ``20261203_10_statements.sql``, ``20261203_20_statement_items.sql``): the only
module writing ``statements``, ``statement_lines``, ``statement_entries``, ``statement_adjustments``,
``statement_runs``, ``municipality_stated_periods``, ``statement_number_counters`` and the ``referrals`` read
model. It reads the co-financing lines and adjustments (owned by accruals and adjustments) and the terms read
model with selects only, through the views ``statement_items`` / ``statement_open_items``.

Reading a statement: :func:`statements_by_id` / :func:`get_statement` (lines in position order)."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any
from uuid import UUID

import asyncpg

from invoicing.ledger.models import Party
from invoicing.statements.models import (
    AgreementTerms,
    MunicipalityParty,
    PaymentMeans,
    Statement,
    StatementDraft,
    StatementIssue,
    StatementItem,
    StatementLine,
    StatementPeriod,
    StatementPeriodKind,
    StatementRun,
    StatementStatus,
    StatementType,
    VatCategory,
    VatTerms,
)

_STATEMENT_COLUMNS = """s.statement_id, s.municipality_id, s.document_type, s.corrects_statement_id, s.status,
    s.period_kind, s.period_start, s.period_end, s.run_id, s.terms_id, s.net_ore, s.total_minutes, s.unique_citizens,
    s.unique_citizens_to_date, s.target_unique_citizens, s.currency, s.created_at, s.number, s.issue_date,
    s.due_date, s.issued_at, s.issued_by, s.vat_category, s.vat_rate_percent, s.vat_exemption_reason,
    s.rate_excludes_vat, s.vat_ore, s.total_ore, s.seller, s.buyer, s.payment_means,
    (select c.number from statements c where c.statement_id = s.corrects_statement_id) as corrects_statement_number,
    (select t.municipality_name from municipality_terms t where t.municipality_id = s.municipality_id
     order by t.recorded_seq desc limit 1) as municipality_name"""


async def statements_by_id(conn: asyncpg.Connection, statement_ids: list[UUID]) -> list[Statement]:
    """The statements with their lines, in the order of ``statement_ids`` (unknown ids left out)."""
    if not statement_ids:
        return []
    rows = await conn.fetch(
        f"select {_STATEMENT_COLUMNS} from statements s where s.statement_id = any($1::uuid[])", statement_ids
    )
    line_rows = await conn.fetch(
        """select statement_id, position, citizen_id, citizen_reference, rate_ore_per_hour, minutes, amount_ore, late,
                  first_work_date, last_work_date, adjustment
           from statement_lines where statement_id = any($1::uuid[]) order by statement_id, position""",
        statement_ids,
    )
    lines: dict[UUID, list[StatementLine]] = {}
    for r in line_rows:
        values = dict(r)
        lines.setdefault(values.pop("statement_id"), []).append(StatementLine(**values))
    by_id = {r["statement_id"]: _statement(r, tuple(lines.get(r["statement_id"], []))) for r in rows}
    return [by_id[i] for i in statement_ids if i in by_id]


async def get_statement(conn: asyncpg.Connection, statement_id: UUID) -> Statement | None:
    found = await statements_by_id(conn, [statement_id])
    return found[0] if found else None


def _statement(row: asyncpg.Record, lines: tuple[StatementLine, ...]) -> Statement:
    issue = None
    if row["status"] == StatementStatus.ISSUED.value:
        issue = StatementIssue(
            number=row["number"],
            issue_date=row["issue_date"],
            due_date=row["due_date"],
            issued_at=row["issued_at"],
            issued_by=row["issued_by"],
            seller=Party(**row["seller"]),
            buyer=_buyer(row["buyer"]),
            payment_means=PaymentMeans(**row["payment_means"]),
            vat=VatTerms(
                category=VatCategory(row["vat_category"]),
                rate_excludes_vat=row["rate_excludes_vat"],
                exemption_reason=row["vat_exemption_reason"],
            ),
            vat_ore=row["vat_ore"],
            total_ore=row["total_ore"],
        )
    return Statement(
        statement_id=row["statement_id"],
        municipality_id=row["municipality_id"],
        municipality_name=issue.buyer.name if issue is not None else row["municipality_name"] or "",
        document_type=StatementType(row["document_type"]),
        status=StatementStatus(row["status"]),
        period=StatementPeriod(StatementPeriodKind(row["period_kind"]), row["period_start"], row["period_end"]),
        terms_id=row["terms_id"],
        lines=lines,
        net_ore=row["net_ore"],
        total_minutes=row["total_minutes"],
        unique_citizens=row["unique_citizens"],
        unique_citizens_to_date=row["unique_citizens_to_date"],
        target_unique_citizens=row["target_unique_citizens"],
        currency=row["currency"].strip(),
        run_id=row["run_id"],
        created_at=row["created_at"],
        corrects_statement_id=row["corrects_statement_id"],
        corrects_statement_number=row["corrects_statement_number"],
        issue=issue,
    )


def _buyer(value: dict[str, Any]) -> MunicipalityParty:
    return MunicipalityParty(**{**value, "municipality_id": UUID(str(value["municipality_id"]))})


# Advisory lock class (two-int key space; accruals uses 1 and 2, the ledger 3): one municipality's statements
# change (run, regenerate, delete, issue) one at a time.
_MUNICIPALITY_STATEMENTS_LOCK = 11


async def lock_municipality(conn: asyncpg.Connection, municipality_id: UUID) -> None:
    await lock_municipalities(conn, [municipality_id])


async def lock_municipalities(conn: asyncpg.Connection, municipality_ids: list[UUID]) -> None:
    """The statement locks of ``municipality_ids``, taken in the order given (pass them sorted)."""
    await conn.execute(
        """select pg_advisory_xact_lock($1::int, hashtext(m::text))
           from unnest($2::uuid[]) with ordinality as t (m, n) order by n""",
        _MUNICIPALITY_STATEMENTS_LOCK,
        municipality_ids,
    )


# --- the referrals read model ---------------------------------------------------------------------------------


async def insert_referral(
    conn: asyncpg.Connection,
    *,
    referral_id: UUID,
    citizen_id: UUID,
    citizen_name: str,
    municipality_id: UUID,
    referred_on: date,
    case_number: str | None,
    birth_year: int | None,
) -> bool:
    """Records a referral once (a second delivery of the same ``referral_id`` changes nothing): True if new."""
    status = await conn.execute(
        """insert into referrals (referral_id, citizen_id, citizen_name, municipality_id, referred_on, case_number,
                                  birth_year)
           values ($1, $2, $3, $4, $5, $6, $7) on conflict (referral_id) do nothing""",
        referral_id,
        citizen_id,
        citizen_name,
        municipality_id,
        referred_on,
        case_number,
        birth_year,
    )
    return bool(status == "INSERT 0 1")


async def latest_referrals(
    conn: asyncpg.Connection, municipality_id: UUID, citizen_ids: list[UUID]
) -> dict[UUID, tuple[str, int | None, str | None]]:
    """Per citizen of ``citizen_ids`` referred by the municipality: (name, birth year, case number) of the latest
    referral (by referral date, then the one recorded last)."""
    rows = await conn.fetch(
        """select distinct on (citizen_id) citizen_id, citizen_name, birth_year, case_number from referrals
           where municipality_id = $1 and citizen_id = any($2::uuid[])
           order by citizen_id, referred_on desc, recorded_seq desc""",
        municipality_id,
        citizen_ids,
    )
    return {r["citizen_id"]: (r["citizen_name"], r["birth_year"], r["case_number"]) for r in rows}


# --- what there is to state -----------------------------------------------------------------------------------

_ITEM_COLUMNS = """item_id, adjustment, citizen_id, citizen_name, work_date, minutes, rate_ore_per_hour, amount_ore,
                   corrects_statement_id, draft_statement_id"""


async def municipalities_with_open_items(conn: asyncpg.Connection, through: date) -> list[UUID]:
    rows = await conn.fetch(
        "select distinct municipality_id from statement_open_items where work_date <= $1 order by municipality_id",
        through,
    )
    return [r["municipality_id"] for r in rows]


async def open_items_of(
    conn: asyncpg.Connection, municipality_ids: list[UUID], *, through: date
) -> dict[UUID, list[StatementItem]]:
    """Per municipality: its items on no statement with ``work_date <= through``, by work date and item id."""
    rows = await conn.fetch(
        f"""select municipality_id, {_ITEM_COLUMNS} from statement_open_items
           where municipality_id = any($1::uuid[]) and work_date <= $2
           order by municipality_id, work_date, item_id""",
        municipality_ids,
        through,
    )
    found: dict[UUID, list[StatementItem]] = {}
    for r in rows:
        values = dict(r)
        found.setdefault(values.pop("municipality_id"), []).append(StatementItem(**values))
    return found


async def open_items(
    conn: asyncpg.Connection, municipality_id: UUID, *, through: date, corrects_statement_id: UUID | None = None
) -> list[StatementItem]:
    """The municipality's open items up to ``through``: those for a draft statement (``corrects_statement_id``
    None: neither credited against an issued statement nor netting on another draft), or those credited against
    the issued statement ``corrects_statement_id``."""
    rows = await conn.fetch(
        f"""select {_ITEM_COLUMNS} from statement_open_items
           where municipality_id = $1 and work_date <= $2
             and (case when $3::uuid is null then corrects_statement_id is null and draft_statement_id is null
                       else corrects_statement_id = $3 end)
           order by work_date, item_id""",
        municipality_id,
        through,
        corrects_statement_id,
    )
    return [StatementItem(**dict(r)) for r in rows]


async def items_on(conn: asyncpg.Connection, statement_id: UUID) -> list[StatementItem]:
    rows = await conn.fetch(
        """select item_id, adjustment, citizen_id, citizen_name, work_date, minutes, rate_ore_per_hour, amount_ore
           from statement_items where statement_id = $1 order by work_date, item_id""",
        statement_id,
    )
    return [StatementItem(**dict(r)) for r in rows]


_TERMS_COLUMNS = """terms_id, municipality_id, municipality_name, effective_from, co_financing_rate_ore_per_hour,
    eligibility_threshold_weeks, recorded_seq, target_unique_citizens, ean, person_reference, statement_period,
    citizen_reference, address ->> 'street' as street, address ->> 'postcode' as postcode, address ->> 'city' as city,
    rate_excludes_vat, vat_category, vat_exemption_reason, payment_means_code, payee_iban, payee_bank_registration,
    payee_bank_account"""


async def terms_version(conn: asyncpg.Connection, terms_id: UUID) -> AgreementTerms | None:
    row = await conn.fetchrow(f"select {_TERMS_COLUMNS} from municipality_terms where terms_id = $1", terms_id)
    return None if row is None else AgreementTerms(**dict(row))


async def terms_of(conn: asyncpg.Connection, municipality_ids: list[UUID]) -> dict[UUID, list[AgreementTerms]]:
    rows = await conn.fetch(
        f"select {_TERMS_COLUMNS} from municipality_terms where municipality_id = any($1::uuid[])", municipality_ids
    )
    found: dict[UUID, list[AgreementTerms]] = {m: [] for m in municipality_ids}
    for r in rows:
        found[r["municipality_id"]].append(AgreementTerms(**dict(r)))
    return found


async def draft_periods_of(
    conn: asyncpg.Connection, municipality_ids: list[UUID]
) -> dict[UUID, list[tuple[UUID, StatementPeriod]]]:
    """Per municipality: its DRAFT statements (not correction statements) with their periods, by period start."""
    rows = await conn.fetch(
        """select municipality_id, statement_id, period_kind, period_start, period_end from statements
           where municipality_id = any($1::uuid[]) and status = 'draft' and document_type = 'statement'
           order by municipality_id, period_start, statement_id""",
        municipality_ids,
    )
    found: dict[UUID, list[tuple[UUID, StatementPeriod]]] = {}
    for r in rows:
        period = StatementPeriod(StatementPeriodKind(r["period_kind"]), r["period_start"], r["period_end"])
        found.setdefault(r["municipality_id"], []).append((r["statement_id"], period))
    return found


async def stated_through_of(conn: asyncpg.Connection, municipality_ids: list[UUID]) -> dict[UUID, date]:
    rows = await conn.fetch(
        "select municipality_id, stated_through from municipality_stated_periods where municipality_id = any($1)",
        municipality_ids,
    )
    return {r["municipality_id"]: r["stated_through"] for r in rows}


async def set_stated_through_of(conn: asyncpg.Connection, days: dict[UUID, date]) -> None:
    """The last stated day per municipality: moved forward only (``greatest``)."""
    if not days:
        return
    await conn.execute(
        """insert into municipality_stated_periods (municipality_id, stated_through)
           select * from unnest($1::uuid[], $2::date[])
           on conflict (municipality_id) do update
               set stated_through = greatest(municipality_stated_periods.stated_through, excluded.stated_through),
                   updated_at = now()""",
        list(days),
        list(days.values()),
    )


async def citizen_figures(conn: asyncpg.Connection, municipality_id: UUID, start: date, end: date) -> tuple[int, int]:
    """(unique citizens in ``start``..``end``, unique citizens from the municipality's first work date through
    ``end``): distinct citizens whose co-financed minutes there add up to more than 0 (hours corrected away
    entirely do not count)."""
    row = await conn.fetchrow(
        """select count(*) filter (where period_minutes > 0) as in_period, count(*) filter (where all_minutes > 0)
                  as to_date
           from (select citizen_id, sum(minutes) filter (where work_date >= $2) as period_minutes,
                        sum(minutes) as all_minutes
                 from co_financing_lines where municipality_id = $1 and work_date <= $3 group by citizen_id) c""",
        municipality_id,
        start,
        end,
    )
    assert row is not None
    return int(row["in_period"]), int(row["to_date"])


# --- statement runs -------------------------------------------------------------------------------------------


async def insert_run(conn: asyncpg.Connection, run_id: UUID, through: date, requested_by: str, total: int) -> None:
    await conn.execute(
        "insert into statement_runs (run_id, through, requested_by, municipalities_total) values ($1, $2, $3, $4)",
        run_id,
        through,
        requested_by,
        total,
    )


async def run_progressed(conn: asyncpg.Connection, run_id: UUID, drafted: int, municipalities: int) -> None:
    await conn.execute(
        """update statement_runs set municipalities_done = municipalities_done + $3,
                                     statements_drafted = statements_drafted + $2 where run_id = $1""",
        run_id,
        drafted,
        municipalities,
    )


async def finish_run(conn: asyncpg.Connection, run_id: UUID) -> None:
    await conn.execute("update statement_runs set finished_at = now() where run_id = $1", run_id)


async def get_run(conn: asyncpg.Connection, run_id: UUID) -> StatementRun | None:
    row = await conn.fetchrow(
        """select run_id, through, requested_by, started_at, finished_at, municipalities_total, municipalities_done,
                  statements_drafted from statement_runs where run_id = $1""",
        run_id,
    )
    if row is None:
        return None
    ids = await conn.fetch(
        "select statement_id from statements where run_id = $1 order by municipality_id, period_start, created_at",
        run_id,
    )
    return StatementRun(**dict(row), statements=tuple(await statements_by_id(conn, [r["statement_id"] for r in ids])))


# --- drafts ---------------------------------------------------------------------------------------------------


async def insert_drafts(conn: asyncpg.Connection, drafts: list[StatementDraft]) -> None:
    """New drafts (statements and correction statements) with their lines, entries and adjustments."""
    if not drafts:
        return
    columns: list[list[Any]] = [[] for _ in range(15)]
    for d in drafts:
        s = d.statement
        for column, value in zip(
            columns,
            (
                s.statement_id,
                s.municipality_id,
                s.document_type.value,
                s.corrects_statement_id,
                s.period.kind.value,
                s.period.start,
                s.period.end,
                s.run_id,
                s.terms_id,
                s.net_ore,
                s.total_minutes,
                s.unique_citizens,
                s.unique_citizens_to_date,
                s.target_unique_citizens,
                s.currency,
            ),
            strict=True,
        ):
            column.append(value)
    await conn.execute(
        """insert into statements (statement_id, municipality_id, document_type, corrects_statement_id, status,
                                   period_kind, period_start, period_end, run_id, terms_id, net_ore, total_minutes,
                                   unique_citizens, unique_citizens_to_date, target_unique_citizens, currency)
           select i, m, dt, cs, 'draft', k, ps, pe, r, t, n, tm, u, ut, tu, cur
           from unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[], $5::text[], $6::date[], $7::date[],
                       $8::uuid[], $9::uuid[], $10::bigint[], $11::integer[], $12::integer[], $13::integer[],
                       $14::integer[], $15::text[])
                as x (i, m, dt, cs, k, ps, pe, r, t, n, tm, u, ut, tu, cur)""",
        *columns,
    )
    await _insert_lines(conn, drafts)


async def _insert_lines(conn: asyncpg.Connection, drafts: list[StatementDraft]) -> None:
    lines = [(d.statement.statement_id, dl) for d in drafts for dl in d.lines]
    if not lines:
        return
    await conn.execute(
        """insert into statement_lines (statement_id, position, citizen_id, citizen_reference, rate_ore_per_hour,
                                        minutes, amount_ore, late, adjustment, first_work_date, last_work_date)
           select * from unnest($1::uuid[], $2::integer[], $3::uuid[], $4::text[], $5::bigint[], $6::integer[],
                                $7::bigint[], $8::boolean[], $9::boolean[], $10::date[], $11::date[])""",
        [i for i, _ in lines],
        [dl.line.position for _, dl in lines],
        [dl.line.citizen_id for _, dl in lines],
        [dl.line.citizen_reference for _, dl in lines],
        [dl.line.rate_ore_per_hour for _, dl in lines],
        [dl.line.minutes for _, dl in lines],
        [dl.line.amount_ore for _, dl in lines],
        [dl.line.late for _, dl in lines],
        [dl.line.adjustment for _, dl in lines],
        [dl.line.first_work_date for _, dl in lines],
        [dl.line.last_work_date for _, dl in lines],
    )
    for table, key, adjustment in (
        ("statement_entries", "entry_id", False),
        ("statement_adjustments", "adjustment_id", True),
    ):
        items = [
            (item_id, statement_id, dl.line.position)
            for statement_id, dl in lines
            if dl.line.adjustment == adjustment
            for item_id in dl.item_ids
        ]
        if items:
            await conn.execute(
                f"""insert into {table} ({key}, statement_id, position)
                   select * from unnest($1::uuid[], $2::uuid[], $3::integer[])""",
                [i for i, _, _ in items],
                [s for _, s, _ in items],
                [p for _, _, p in items],
            )


async def release_items(conn: asyncpg.Connection, statement_id: UUID) -> None:
    """Takes a draft's lines off it (its entries and adjustments cascade): they return to the pool."""
    await conn.execute("delete from statement_lines where statement_id = $1", statement_id)


async def rewrite_draft(conn: asyncpg.Connection, draft: StatementDraft) -> None:
    """New lines, totals and figures for a draft whose items were released (regenerate, or a run netting a
    correction or adjustment on it)."""
    s = draft.statement
    await conn.execute(
        """update statements set net_ore = $2, total_minutes = $3, unique_citizens = $4, unique_citizens_to_date = $5,
                                 target_unique_citizens = $6, terms_id = $7, run_id = $8
           where statement_id = $1 and status = 'draft'""",
        s.statement_id,
        s.net_ore,
        s.total_minutes,
        s.unique_citizens,
        s.unique_citizens_to_date,
        s.target_unique_citizens,
        s.terms_id,
        s.run_id,
    )
    await _insert_lines(conn, [draft])


async def delete_draft(conn: asyncpg.Connection, statement_id: UUID) -> bool:
    status = await conn.execute("delete from statements where statement_id = $1 and status = 'draft'", statement_id)
    return bool(status == "DELETE 1")


async def municipality_of_statement(conn: asyncpg.Connection, statement_id: UUID) -> UUID | None:
    found: UUID | None = await conn.fetchval(
        "select municipality_id from statements where statement_id = $1", statement_id
    )
    return found


async def municipality_known(conn: asyncpg.Connection, municipality_id: UUID) -> bool:
    """True when invoicing knows terms of the municipality."""
    known: bool = await conn.fetchval(
        "select exists (select 1 from municipality_terms where municipality_id = $1)", municipality_id
    )
    return known


async def list_statements(
    conn: asyncpg.Connection,
    *,
    municipality_id: UUID | None,
    status: StatementStatus | None,
    document_type: StatementType | None,
    period_from: date | None,
    period_to: date | None,
    limit: int,
    offset: int,
    newest_first: bool = False,
) -> list[Statement]:
    """One page of statements (by period start, municipality, created, id; ``newest_first``: by issue date, number
    and created, newest first, drafts last), the filters applied in the query."""
    order = (
        "issue_date desc nulls last, number desc nulls last, created_at desc, statement_id desc"
        if newest_first
        else "period_start, municipality_id, created_at, statement_id"
    )
    rows = await conn.fetch(
        f"""select statement_id from statements
           where ($1::uuid is null or municipality_id = $1) and ($2::text is null or status = $2)
             and ($3::text is null or document_type = $3)
             and ($4::date is null or period_end >= $4) and ($5::date is null or period_start <= $5)
           order by {order} limit $6 offset $7""",
        municipality_id,
        None if status is None else status.value,
        None if document_type is None else document_type.value,
        period_from,
        period_to,
        limit,
        offset,
    )
    return await statements_by_id(conn, [r["statement_id"] for r in rows])


# --- issuing --------------------------------------------------------------------------------------------------


async def amount_left_to_correct(conn: asyncpg.Connection, statement_id: UUID) -> int:
    """Øre of the statement's lines not yet credited by issued correction statements (sums of line amounts: the
    rate's amounts, before any VAT split)."""
    left: int = await conn.fetchval(
        """select coalesce((select sum(amount_ore) from statement_lines where statement_id = $1), 0)
                  - coalesce((select sum(l.amount_ore) from statement_lines l join statements c
                                   on c.statement_id = l.statement_id
                              where c.corrects_statement_id = $1 and c.status = 'issued'), 0)""",
        statement_id,
    )
    return int(left)


async def next_number(conn: asyncpg.Connection, year: int) -> int:
    """The year's next statement sequence number. The counter row stays locked until the transaction ends, so
    concurrent issues queue and a rolled-back issue gives its number back: no gap."""
    number: int = await conn.fetchval(
        """insert into statement_number_counters (year, last_number) values ($1, 1)
           on conflict (year) do update set last_number = statement_number_counters.last_number + 1
           returning last_number""",
        year,
    )
    return number


async def mark_issued(conn: asyncpg.Connection, statement_id: UUID, terms_id: UUID, issue: StatementIssue) -> None:
    """Freezes the draft: ``terms_id`` (the terms in force on the period's last day now) and the issue's facts.
    ``net_ore`` stays the sum of the lines (for a VAT-inclusive rate ``issue.total_ore`` is then the net split
    out of it plus VAT, within 1 øre of that sum: migration ``20261203_20``)."""
    buyer = dataclasses.asdict(issue.buyer)
    buyer["municipality_id"] = str(issue.buyer.municipality_id)
    await conn.execute(
        """update statements set status = 'issued', terms_id = $2, number = $3, issue_date = $4,
                                 due_date = $5, issued_at = $6, issued_by = $7, vat_category = $8,
                                 vat_rate_percent = $9, vat_exemption_reason = $10, rate_excludes_vat = $11,
                                 vat_ore = $12, total_ore = $13, seller = $14, buyer = $15, payment_means = $16
           where statement_id = $1 and status = 'draft'""",
        statement_id,
        terms_id,
        issue.number,
        issue.issue_date,
        issue.due_date,
        issue.issued_at,
        issue.issued_by,
        issue.vat.category.value,
        issue.vat.rate_percent,
        issue.vat.exemption_reason,
        issue.vat.rate_excludes_vat,
        issue.vat_ore,
        issue.total_ore,
        dataclasses.asdict(issue.seller),
        buyer,
        dataclasses.asdict(issue.payment_means),
    )
