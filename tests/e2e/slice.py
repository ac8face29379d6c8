"""Drives the slice through the HTTP APIs only: what a consultant, an approver and finance do."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

import httpx

from e2e.system import System
from vikar_shared.auth import Role
from vikar_shared.testing.plugin import bearer, wait_until

ADMIN = bearer(Role.ADMIN, sub="admin-e2e")
CONSULTANT = bearer(Role.CONSULTANT, sub="consultant-e2e")
FINANCE = bearer(Role.FINANCE, sub="finance-e2e")


def ok(response: httpx.Response, status: int = 200) -> dict[str, object]:
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    body: dict[str, object] = response.json()
    return body


@dataclass
class World:
    municipality_id: str
    company_id: str
    approver_emails: list[str]
    eligible_placement: str
    ineligible_placement: str
    cpr_numbers: list[str]

    @property
    def approver(self) -> dict[str, str]:
        return bearer(
            Role.COMPANY_APPROVER,
            sub=self.approver_emails[0],
            company_id=uuid.UUID(self.company_id),
            email=self.approver_emails[0],
        )


def random_cvr() -> str:
    """A CVR number that passes the modulus-11 check, different on every call."""
    while True:
        first = str(uuid.uuid4().int % 9_000_000 + 1_000_000)
        check = -sum(int(d) * w for d, w in zip(first, (2, 7, 6, 5, 4, 3, 2), strict=True)) % 11
        if check < 10:
            return first + str(check)


async def register_world(system: System) -> World:
    """Aalborg's terms (52 weeks / 50 kr. until 14 Oct 2026, then 26 weeks / 65 kr.), a bakery with two
    approvers, two referred citizens (one eligible, one not) and a placement for each."""
    tag = uuid.uuid4().hex[:8]
    async with httpx.AsyncClient(base_url=system.url("placement"), timeout=10) as api:
        municipality = ok(await api.post("/municipalities", json={"name": f"Aalborg {tag}"}, headers=ADMIN), 201)
        mid = str(municipality["id"])
        for effective_from, rate, weeks in (("2026-01-01", 5000, 52), ("2026-10-15", 6500, 26)):
            ok(
                await api.post(
                    f"/municipalities/{mid}/terms",
                    headers=FINANCE,
                    json={
                        "effective_from": effective_from,
                        "co_financing_rate_ore_per_hour": rate,
                        "eligibility_threshold_weeks": weeks,
                    },
                ),
                201,
            )
        emails = [f"ib-{tag}@bager.example", f"lis-{tag}@bager.example"]
        company = ok(
            await api.post(
                "/companies",
                headers=CONSULTANT,
                json={
                    "name": f"Bager Hansen {tag}",
                    "cvr": random_cvr(),
                    "approvers": [{"email": emails[0], "name": "Ib"}, {"email": emails[1], "name": "Lis"}],
                },
            ),
            201,
        )
        cprs = ["010190-1234", "150285-2345"]
        eligible = ok(
            await api.post(
                "/referrals",
                headers=CONSULTANT,
                json={
                    "cpr": cprs[0],
                    "name": "Mette Jensen",
                    "municipality_id": mid,
                    "referred_on": "2026-10-01",
                    "weeks_unemployed": 60,
                },
            ),
            201,
        )
        ineligible = ok(
            await api.post(
                "/referrals",
                headers=CONSULTANT,
                json={
                    "cpr": cprs[1],
                    "name": "Jonas Berg",
                    "municipality_id": mid,
                    "referred_on": "2026-10-01",
                    "weeks_unemployed": 10,
                },
            ),
            201,
        )
        assert eligible["eligible"] is True
        assert ineligible["eligible"] is False
        placements = []
        for referral, rate in ((eligible, 18_550), (ineligible, 20_000)):
            placement = ok(
                await api.post(
                    "/placements",
                    headers=CONSULTANT,
                    json={
                        "referral_id": referral["id"],
                        "company_id": company["id"],
                        "start_date": "2026-10-01",
                        "bill_rate_ore_per_hour": rate,
                    },
                ),
                201,
            )
            ok(await api.post(f"/placements/{placement['id']}/activate", headers=CONSULTANT))
            placements.append(str(placement["id"]))
    return World(mid, str(company["id"]), emails, placements[0], placements[1], cprs)


async def submit(system: System, placement: str, entries: list[tuple[str, int]]) -> dict[str, object]:
    async with httpx.AsyncClient(base_url=system.url("timesheet"), timeout=10) as api:
        body = {"entries": [{"work_date": d, "minutes": m} for d, m in entries]}
        # The timesheet learns of the placement and its activation from Kafka; until then it answers
        # 404 (unknown placement) or 422 placement-not-active.
        response = await api.post(f"/placements/{placement}/entries", json=body, headers=CONSULTANT)
        deadline = asyncio.get_running_loop().time() + 30

        def not_yet(r: httpx.Response) -> bool:
            return r.status_code == 404 or (r.status_code == 422 and "placement-not-active" in r.text)

        while not_yet(response) and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.2)
            response = await api.post(f"/placements/{placement}/entries", json=body, headers=CONSULTANT)
        return ok(response, 201)


async def reconciled(system: System, company_id: str, through: str) -> dict[str, object]:
    """Issue 9's proof, run after a scenario: ``GET /reconciliation`` shows zero differences over every
    company (approved = invoiced − credited + not yet invoiced, entry by entry and per document); returns
    ``company_id``'s figures."""
    async with httpx.AsyncClient(base_url=system.url("invoicing"), timeout=10) as invoicing:
        report = ok(await invoicing.get("/reconciliation", headers=FINANCE, params={"through": through}))
    companies = report["companies"]
    assert isinstance(companies, list)
    with_differences = [c for c in companies if c["differences"] or c["document_differences"] or c["difference_ore"]]
    assert (report["difference_count"], with_differences) == (0, [])
    [mine] = [c for c in companies if c["company_id"] == company_id]
    assert isinstance(mine, dict)
    return mine


async def all_accrued(system: System, company_id: str, entries: int) -> None:
    """Waits until invoicing holds a billable line for each of ``entries`` approved entries of ``company_id``.

    The approvals travel timesheet → Kafka → invoicing one by one: a close made before the last one arrives
    drafts only some of them, and the rest wait, late, for the next draft. A test that asserts a draft's
    amounts waits here first."""

    async def there() -> bool:
        n = await system.fetchval(
            "invoicing", "select count(*) from billable_lines where company_id = $1", uuid.UUID(company_id)
        )
        return n == entries

    await wait_until(there, what=f"invoicing to accrue the {entries} approved entries")
