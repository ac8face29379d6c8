"""One person stored twice (issue 6, item 7), across the services: placement's repair merges the two
citizens at its next start and publishes ``placement.citizens_merged``; timesheet then holds the person to
one 12-hour day over both former identities' placements, and invoicing counts one citizen."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from e2e.slice import ADMIN, CONSULTANT, FINANCE, ok, random_cvr
from e2e.system import System
from placement.citizens.models import Cpr
from placement.citizens.vault import CprVault
from placement.config import PlacementSettings
from vikar_shared.auth import Role
from vikar_shared.testing.plugin import bearer, wait_until

pytestmark = pytest.mark.e2e


def _random_cpr_digits() -> str:
    """A CPR number no other test uses: a date in 1960-1999 and a random serial (stdnum checks the date)."""
    born = date(1960, 1, 1) + timedelta(days=uuid.uuid4().int % 14_600)
    return born.strftime("%d%m%y") + f"{uuid.uuid4().int % 10_000:04d}"


def _full_width(digits: str) -> str:
    return "".join(chr(ord(d) - ord("0") + ord("０")) for d in digits)


async def _old_citizen(system: System, vault: CprVault, typed: str, mid: str, terms_id: uuid.UUID) -> str:
    """A citizen and referral as placement stored them before CPR digits were normalised."""
    citizen_id, referral_id = uuid.uuid4(), uuid.uuid4()
    conn = await system.db("placement")
    try:
        async with conn.transaction():
            await conn.execute(
                "insert into citizens (id, cpr_hash, cpr_encrypted, name) values ($1, $2, $3, 'Mette Jensen')",
                citizen_id,
                vault.lookup_hash(Cpr(typed)),
                vault.seal(Cpr(typed)),
            )
            await conn.execute(
                """insert into referrals (id, citizen_id, municipality_id, referred_on, weeks_unemployed, eligible,
                                          threshold_weeks_applied, terms_id, created_by)
                   values ($1, $2, $3, '2026-01-05', 60, true, 26, $4, 'consultant-e2e')""",
                referral_id,
                citizen_id,
                uuid.UUID(mid),
                terms_id,
            )
    finally:
        await conn.close()
    return str(referral_id)


async def _submit(system: System, placement: str, day: date, minutes: int) -> httpx.Response:
    """Submits one entry; waits while timesheet does not know the (active) placement yet."""
    body = {"entries": [{"work_date": day.isoformat(), "minutes": minutes}]}
    async with httpx.AsyncClient(base_url=system.url("timesheet"), timeout=10) as api:
        deadline = asyncio.get_running_loop().time() + 30
        while True:
            response = await api.post(f"/placements/{placement}/entries", json=body, headers=CONSULTANT)
            waiting = response.status_code == 404 or "placement-not-active" in response.text
            if not waiting or asyncio.get_running_loop().time() > deadline:
                return response
            await asyncio.sleep(0.2)


def _rules(response: httpx.Response) -> list[str]:
    return [e["rule"] for e in response.json().get("errors", [])]


async def test_after_the_repair_one_person_has_one_twelve_hour_day_and_counts_once(system: System) -> None:
    today = datetime.now(ZoneInfo("Europe/Copenhagen")).date()
    digits = _random_cpr_digits()
    # What makes this run's names unique: never the CPR digits (placement refuses a CPR number in published text).
    tag = uuid.uuid4().hex[:8]
    async with httpx.AsyncClient(base_url=system.url("placement"), timeout=10) as api:
        mid = str(ok(await api.post("/municipalities", json={"name": f"Aalborg {tag}"}, headers=ADMIN), 201)["id"])
        terms = {
            "effective_from": "2024-01-01",
            "co_financing_rate_ore_per_hour": 6500,
            "eligibility_threshold_weeks": 26,
        }
        ok(await api.post(f"/municipalities/{mid}/terms", headers=FINANCE, json=terms), 201)
        terms_id = await system.fetchval(
            "placement", "select id from municipality_terms where municipality_id = $1", uuid.UUID(mid)
        )
        assert isinstance(terms_id, uuid.UUID)
        # The service process runs with the default (development) CPR keys: the environment it gets
        # carries no PLACEMENT_* setting of the test's own (e2e.system.service_env).
        defaults = PlacementSettings.model_construct()
        vault = CprVault(defaults.cpr_encryption_key, defaults.cpr_hash_key)
        # The same person twice: typed in ASCII once, with full-width digits once.
        referrals = [
            await _old_citizen(system, vault, digits, mid, terms_id),
            await _old_citizen(system, vault, _full_width(digits), mid, terms_id),
        ]
        placements, companies = [], []
        for n, referral in enumerate(referrals):
            email = f"ib-{tag}-{n}@company.example"
            company = ok(
                await api.post(
                    "/companies",
                    headers=CONSULTANT,
                    json={
                        "name": f"Company {tag} {n}",
                        "cvr": random_cvr(),
                        "approvers": [{"email": email, "name": "Ib"}],
                    },
                ),
                201,
            )
            placement = ok(
                await api.post(
                    "/placements",
                    headers=CONSULTANT,
                    json={
                        "referral_id": referral,
                        "company_id": company["id"],
                        "start_date": (today - timedelta(days=20)).isoformat(),
                        "bill_rate_ore_per_hour": 18_000,
                    },
                ),
                201,
            )
            ok(await api.post(f"/placements/{placement['id']}/activate", headers=CONSULTANT))
            placements.append(str(placement["id"]))
            companies.append((str(company["id"]), email))

    # Two identities: each gets 8 hours of the same day, 16 hours for one person.
    day, fresh = today - timedelta(days=2), today - timedelta(days=3)
    before = [await _submit(system, p, day, 480) for p in placements]
    assert [r.status_code for r in before] == [201, 201], [r.text for r in before]

    # The next start of placement runs the repair; its event reaches timesheet and invoicing.
    system.services["placement"].stop()
    system.services["placement"].start()

    async def one_citizen_in(service: str) -> bool:
        found = await system.fetchval(
            service,
            "select count(distinct citizen_id) from placements where placement_id = any($1::uuid[])",
            [uuid.UUID(p) for p in placements],
        )
        return found == 1

    await wait_until(lambda: one_citizen_in("timesheet"), what="timesheet to apply the merge", timeout=30)

    # One person now: 8 hours through the first identity's placement leave 4 for the second's.
    first = await _submit(system, placements[0], fresh, 480)
    second = await _submit(system, placements[1], fresh, 300)
    assert (first.status_code, second.status_code) == (201, 422), second.text
    assert _rules(second) == ["citizen-day-over-12-hours"]

    # Invoicing: the approved hours of both former identities are one citizen on the statement.
    async with httpx.AsyncClient(base_url=system.url("timesheet"), timeout=10) as api:
        for response, (company_id, email) in zip(before, companies, strict=True):
            entry = response.json()["entries"][0]
            approver = bearer(Role.COMPANY_APPROVER, sub=email, company_id=uuid.UUID(company_id), email=email)
            ok(await api.post(f"/entries/{entry['id']}/approve", json={"expected_version": 1}, headers=approver))

    async def statement() -> dict[str, object]:
        async with httpx.AsyncClient(base_url=system.url("invoicing"), timeout=10) as api:
            return ok(
                await api.get(
                    f"/municipalities/{mid}/co-financing-preview",
                    params={"month": day.strftime("%Y-%m")},
                    headers=FINANCE,
                )
            )

    async def both_accrued() -> bool:
        return (await statement())["total_minutes"] == 960

    await wait_until(both_accrued, what="invoicing to accrue both approved entries", timeout=30)
    await wait_until(lambda: one_citizen_in("invoicing"), what="invoicing to apply the merge", timeout=30)
    body = await statement()
    assert (body["unique_citizens"], body["total_ore"]) == (1, 104_000)
