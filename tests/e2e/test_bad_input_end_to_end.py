"""Malformed or forbidden requests across the services: a clear 4xx problem+json, and no trace."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from e2e.slice import ADMIN, CONSULTANT, FINANCE, ok, register_world
from e2e.system import System
from e2e.test_slice_end_to_end import submit
from vikar_shared.auth import Role
from vikar_shared.auth.tokens import mint_token
from vikar_shared.testing.plugin import bearer

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Case:
    name: str
    service: str
    method: str
    path: str
    status: int
    headers: dict[str, str]
    json: object | None = None
    content: bytes | None = None
    field: str | None = None
    rule: str | None = None


async def wait_quiet(system: System) -> dict[str, int]:
    """Waits until nothing moves in any database or topic (earlier work has settled)."""
    previous = (await system.row_counts(), await system.end_offsets())
    for _ in range(60):
        await asyncio.sleep(1.0)
        current = (await system.row_counts(), await system.end_offsets())
        if current == previous:
            return current[0]
        previous = current
    pytest.fail("the system did not settle within 60 s")


def cases(w: dict[str, str]) -> list[Case]:
    other_company = bearer(Role.COMPANY_APPROVER, company_id=uuid.uuid4())
    other_municipality = bearer(Role.MUNICIPALITY, municipality_id=uuid.uuid4())
    approver = bearer(Role.COMPANY_APPROVER, company_id=uuid.UUID(w["company"]))
    expired = {
        "Authorization": "Bearer "
        + mint_token(
            secret="vikarmodel-development-secret-change-me-0123456789",
            kid="dev",
            subject="x",
            role=Role.CONSULTANT,
            now=datetime.now(UTC) - timedelta(hours=3),
            ttl=timedelta(hours=1),
        )
    }
    forged = {
        "Authorization": "Bearer "
        + mint_token(secret="not-the-key-not-the-key-not-the-key-00", kid="dev", subject="x", role=Role.ADMIN)
    }
    referral = {
        "cpr": "010190-1234",
        "name": "X",
        "municipality_id": w["municipality"],
        "referred_on": "2026-10-01",
        "weeks_unemployed": 60,
    }
    company = {"name": "Y", "cvr": "12345678", "approvers": [{"email": "y@y.example", "name": "Y"}]}
    placement = {
        "referral_id": w["referral"],
        "company_id": w["company"],
        "start_date": "2026-10-01",
        "bill_rate_ore_per_hour": 18_550,
    }
    entries = f"/placements/{w['placement']}/entries"
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    return [
        Case(
            "CPR with an impossible birth date",
            "placement",
            "POST",
            "/referrals",
            422,
            CONSULTANT,
            referral | {"cpr": "310290-1234"},
            field="cpr",
            rule="cpr-date",
        ),
        Case(
            "CPR of the wrong length",
            "placement",
            "POST",
            "/referrals",
            422,
            CONSULTANT,
            referral | {"cpr": "01019-1234"},
            field="cpr",
            rule="cpr-format",
        ),
        Case(
            "weeks unemployed as a string",
            "placement",
            "POST",
            "/referrals",
            422,
            CONSULTANT,
            referral | {"weeks_unemployed": "sixty"},
            field="weeks_unemployed",
            rule="int_type",
        ),
        Case("referral by a company approver", "placement", "POST", "/referrals", 403, approver, referral),
        Case(
            "CVR failing modulus 11",
            "placement",
            "POST",
            "/companies",
            422,
            CONSULTANT,
            company,
            field="cvr",
            rule="cvr-checksum",
        ),
        Case(
            "company without approvers",
            "placement",
            "POST",
            "/companies",
            422,
            CONSULTANT,
            company | {"cvr": "10150817", "approvers": []},
            field="approvers",
        ),
        Case(
            "co-financing rate as a decimal",
            "placement",
            "POST",
            f"/municipalities/{w['municipality']}/terms",
            422,
            FINANCE,
            {"effective_from": "2027-01-01", "co_financing_rate_ore_per_hour": 65.5, "eligibility_threshold_weeks": 26},
            field="co_financing_rate_ore_per_hour",
            rule="int_type",
        ),
        Case(
            "placement ending before it starts",
            "placement",
            "POST",
            "/placements",
            422,
            CONSULTANT,
            placement | {"end_date": "2026-09-30"},
            field="end_date",
        ),
        Case(
            "mass assignment of an id",
            "placement",
            "POST",
            "/placements",
            422,
            CONSULTANT,
            placement | {"id": str(uuid.uuid4())},
            field="id",
            rule="extra_forbidden",
        ),
        Case("no token", "placement", "GET", f"/companies/{w['company']}", 401, {}),
        Case(
            "expired token",
            "timesheet",
            "POST",
            entries,
            401,
            expired,
            {"entries": [{"work_date": "2026-10-05", "minutes": 60}]},
        ),
        Case(
            "token signed with another key",
            "invoicing",
            "GET",
            f"/companies/{w['company']}/invoice-preview?month=2026-10",
            401,
            forged,
        ),
        Case(
            "minutes not on the quarter hour",
            "timesheet",
            "POST",
            entries,
            422,
            CONSULTANT,
            {"entries": [{"work_date": "2026-10-05", "minutes": 50}]},
            field="entries.0.minutes",
        ),
        Case(
            "more than 12 hours in an entry",
            "timesheet",
            "POST",
            entries,
            422,
            CONSULTANT,
            {"entries": [{"work_date": "2026-10-05", "minutes": 735}]},
            field="entries.0.minutes",
        ),
        Case(
            "minutes as text",
            "timesheet",
            "POST",
            entries,
            422,
            CONSULTANT,
            {"entries": [{"work_date": "2026-10-05", "minutes": "60"}]},
            field="entries.0.minutes",
        ),
        Case(
            "work date before the placement",
            "timesheet",
            "POST",
            entries,
            422,
            CONSULTANT,
            {"entries": [{"work_date": "2026-09-30", "minutes": 60}]},
            field="entries.0.work_date",
        ),
        Case(
            "work date in the future",
            "timesheet",
            "POST",
            entries,
            422,
            CONSULTANT,
            {"entries": [{"work_date": "2026-10-05", "minutes": 60}, {"work_date": tomorrow, "minutes": 60}]},
            field="entries.1.work_date",
        ),
        Case(
            "malformed JSON",
            "timesheet",
            "POST",
            entries,
            422,
            CONSULTANT,
            content=b'{"entries": [',
        ),
        Case(
            "another company's entry",
            "timesheet",
            "POST",
            f"/entries/{w['entry']}/approve",
            404,
            other_company,
            {"expected_version": 1},
        ),
        Case(
            "consultant approving",
            "timesheet",
            "POST",
            f"/entries/{w['entry']}/approve",
            403,
            CONSULTANT,
            {"expected_version": 1},
        ),
        Case(
            "rejection without a reason",
            "timesheet",
            "POST",
            f"/entries/{w['entry']}/reject",
            422,
            approver,
            {"reason": "  ", "expected_version": 1},
            field="reason",
        ),
        Case(
            "month 13",
            "invoicing",
            "GET",
            f"/companies/{w['company']}/invoice-preview?month=2026-13",
            422,
            FINANCE,
            field="month",
        ),
        Case(
            "another company's invoice",
            "invoicing",
            "GET",
            f"/companies/{w['company']}/invoice-preview?month=2026-10",
            404,
            other_company,
        ),
        Case(
            "another municipality's statement",
            "invoicing",
            "GET",
            f"/municipalities/{w['municipality']}/co-financing-preview?month=2026-10",
            404,
            other_municipality,
        ),
        Case("e-mail log as a consultant", "notifications", "GET", "/emails", 403, CONSULTANT),
        Case(
            "referral with an unknown target group",
            "placement",
            "POST",
            "/referrals",
            422,
            CONSULTANT,
            referral | {"target_group_code": "no-such-group"},
            field="target_group_code",
        ),
        Case(
            "terms asked for 30 February",
            "placement",
            "GET",
            f"/municipalities/{w['municipality']}/terms?on=2026-02-30",
            422,
            FINANCE,
            field="on",
        ),
        Case(
            "company EAN failing its check digit",
            "placement",
            "PATCH",
            f"/companies/{w['company']}",
            422,
            CONSULTANT,
            {"ean": "5790000000006"},
            field="ean",
        ),
        Case(
            "opening hours as text",
            "placement",
            "POST",
            "/openings",
            422,
            CONSULTANT,
            {
                "company_id": w["company"],
                "job_category": "bakery",
                "tasks": "t",
                "hours_per_week_minutes": "ten",
                "contact": {"name": "Ib", "phone": "+45 12 34 56 78"},
            },
            field="hours_per_week_minutes",
        ),
        Case(
            "placement ended for a reason not on the list",
            "placement",
            "POST",
            f"/placements/{w['placement']}/end",
            422,
            CONSULTANT,
            {"end_date": "2026-12-31", "reason": "bored"},
            field="reason",
        ),
        Case(
            "negative bill rate version",
            "placement",
            "POST",
            f"/placements/{w['placement']}/rates",
            422,
            CONSULTANT,
            {"effective_from": "2027-01-01", "bill_rate_ore_per_hour": -1, "wage_rate_ore_per_hour": 1},
            field="bill_rate_ore_per_hour",
        ),
        Case(
            "activity of an unknown type",
            "placement",
            "POST",
            f"/citizens/{w['citizen']}/activities",
            422,
            CONSULTANT,
            {"activity_type": "party", "occurred_on": "2026-11-02"},
            field="activity_type",
        ),
        Case(
            "bulk approval with two selectors",
            "timesheet",
            "POST",
            f"/companies/{w['company']}/approvals",
            422,
            approver,
            {"week": "2026-W41", "all_pending": True, "seen": []},
        ),
        Case(
            "pending entries older than -1 days",
            "timesheet",
            "GET",
            "/pending-entries?older_than_days=-1",
            422,
            CONSULTANT,
            field="older_than_days",
        ),
    ]


async def test_bad_requests_get_problem_details_and_leave_no_trace(system: System) -> None:
    world = await register_world(system)
    async with httpx.AsyncClient(base_url=system.url("placement"), timeout=10) as api:
        municipality = ok(await api.get(f"/municipalities/{world.municipality_id}", headers=ADMIN))
        assert municipality["id"] == world.municipality_id
        placement = ok(await api.get(f"/placements/{world.eligible_placement}", headers=ADMIN))
    submission = await submit(system, world.eligible_placement, [("2026-10-06", 60)])
    entries = submission["entries"]
    assert isinstance(entries, list)
    w = {
        "company": world.company_id,
        "municipality": world.municipality_id,
        "placement": world.eligible_placement,
        "referral": str(placement["referral_id"]),
        "entry": str(entries[0]["id"]),
        "citizen": str(placement["citizen_id"]),
    }
    table = cases(w)
    assert len(table) >= 15
    before_rows = await wait_quiet(system)
    before_offsets = await system.end_offsets()
    for case in table:
        async with httpx.AsyncClient(base_url=system.url(case.service), timeout=10) as api:
            headers = case.headers | ({"content-type": "application/json"} if case.content is not None else {})
            r = await api.request(case.method, case.path, headers=headers, json=case.json, content=case.content)
        assert r.status_code == case.status, f"{case.name}: {r.status_code} {r.text}"
        assert r.headers["content-type"] == "application/problem+json", case.name
        problem = r.json()
        assert problem["status"] == case.status, case.name
        assert problem["title"] and problem["detail"], case.name
        if case.field is not None:
            fields = {(e["field"], e["rule"]) for e in problem.get("errors", [])}
            assert any(f == case.field and (case.rule is None or rule == case.rule) for f, rule in fields), (
                f"{case.name}: expected {case.field}/{case.rule} in {fields}"
            )
    await asyncio.sleep(1.0)
    assert await system.row_counts() == before_rows
    assert await system.end_offsets() == before_offsets
