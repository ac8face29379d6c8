"""SQL of the statements (migration ``20261203_10_statements.sql``): the only module writing its tables.

Reading a statement: :func:`statements_by_id` / :func:`get_statement` (lines in position order)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from invoicing.ledger.models import Party
from invoicing.statements.models import (
    MunicipalityParty,
    PaymentMeans,
    Statement,
    StatementIssue,
    StatementLine,
    StatementPeriod,
    StatementPeriodKind,
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
