"""The world the fuzzer works in: the four apps, their OpenAPI documents, real objects seeded through
their APIs (so path ids hit something some of the time) and a token for every role."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis.python import asgi

from vikar_shared.auth import Role
from vikar_shared.testing.plugin import bearer

TAG = uuid.uuid4().hex[:8]
APPROVER_EMAIL = f"ib-{TAG}@fuzz-bager.example"
SECOND_APPROVER_EMAIL = f"lis-{TAG}@fuzz-bager.example"


@dataclass
class World:
    """The running apps, their loaded OpenAPI documents, the seeded objects and one token per role."""

    apps: dict[str, FastAPI]
    schemas: dict[str, schemathesis.BaseSchema]
    databases: dict[str, str]
    # path parameter name -> ids of real objects
    ids: dict[str, list[str]] = field(default_factory=dict)
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)

    def client(self, service: str) -> asgi.ASGIClient:
        return asgi.get_client(self.apps[service])


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    body: dict[str, Any] = response.json()
    return body


def _wait(what: str, probe: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"fuzz world: timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)


def _random_cvr() -> str:
    while True:
        first = str(uuid.uuid4().int % 9_000_000 + 1_000_000)
        check = -sum(int(d) * w for d, w in zip(first, (2, 7, 6, 5, 4, 3, 2), strict=True)) % 11
        if check < 10:
            return first + str(check)


def seed(world: World) -> None:
    """A municipality with terms, a bakery with two approvers, a referred citizen with an active
    placement, an opening, an activity, two entries (one approved, one pending), the e-mail that
    asks for approval, a close of October with the approved entry's invoice (issued), and a correction
    taking 30 min off it closed into a draft credit note."""
    admin = bearer(Role.ADMIN, sub="admin-fuzz")
    consultant = bearer(Role.CONSULTANT, sub="consultant-fuzz")
    finance = bearer(Role.FINANCE, sub="finance-fuzz")
    with world.client("placement") as api:
        municipality = _ok(api.post("/municipalities", json={"name": f"Fuzzby {TAG}"}, headers=admin), 201)
        mid = str(municipality["id"])
        _ok(
            api.post(
                f"/municipalities/{mid}/terms",
                headers=finance,
                json={
                    "effective_from": "2026-01-01",
                    "co_financing_rate_ore_per_hour": 5000,
                    "eligibility_threshold_weeks": 52,
                },
            ),
            201,
        )
        company = _ok(
            api.post(
                "/companies",
                headers=consultant,
                json={
                    "name": f"Bager Fuzz {TAG}",
                    "cvr": _random_cvr(),
                    "approvers": [
                        {"email": APPROVER_EMAIL, "name": "Ib"},
                        {"email": SECOND_APPROVER_EMAIL, "name": "Lis"},
                    ],
                    "address": {"street": "Algade 1", "postcode": "9000", "city": "Aalborg"},
                },
            ),
            201,
        )
        cid = str(company["id"])
        # Issue 14 (part A): a staff directory member.
        member = _ok(
            api.post(
                "/staff",
                headers=admin,
                json={
                    "subject": "fuzz-consultant",
                    "name": "Anna",
                    "email": "anna@vikar.example",
                    "role": "consultant",
                },
            ),
            201,
        )
        referral = _ok(
            api.post(
                "/referrals",
                headers=consultant,
                json={
                    "cpr": "010190-1234",
                    "name": "Mette Jensen",
                    "municipality_id": mid,
                    "referred_on": "2026-10-01",
                    "weeks_unemployed": 60,
                },
            ),
            201,
        )
        placement = _ok(
            api.post(
                "/placements",
                headers=consultant,
                json={
                    "referral_id": referral["id"],
                    "company_id": cid,
                    "start_date": "2026-10-01",
                    "bill_rate_ore_per_hour": 18_550,
                },
            ),
            201,
        )
        pid = str(placement["id"])
        _ok(api.post(f"/placements/{pid}/activate", headers=consultant))
        citizen_id = str(_ok(api.get(f"/placements/{pid}", headers=admin))["citizen_id"])
        opening = _ok(
            api.post(
                "/openings",
                headers=consultant,
                json={
                    "company_id": cid,
                    "job_category": "bakery",
                    "tasks": "Pack bread",
                    "hours_per_week_minutes": 480,
                    "contact": {"name": "Ib", "phone": "+45 12 34 56 78"},
                },
            ),
            201,
        )
        _ok(
            api.post(
                f"/citizens/{citizen_id}/activities",
                headers=consultant,
                json={"activity_type": "conversation", "occurred_on": "2026-11-02"},
            ),
            201,
        )

    approver = bearer(Role.COMPANY_APPROVER, sub=APPROVER_EMAIL, company_id=uuid.UUID(cid), email=APPROVER_EMAIL)
    with world.client("timesheet") as api:

        def submit() -> dict[str, Any] | None:
            # Accepted once timesheet has heard of the placement and of its activation (over Kafka).
            response = api.post(
                f"/placements/{pid}/entries",
                headers=consultant,
                json={
                    "entries": [{"work_date": "2026-10-05", "minutes": 240}, {"work_date": "2026-10-06", "minutes": 60}]
                },
            )
            return _ok(response, 201) if response.status_code != 404 and response.status_code != 422 else None

        submitted = _wait("timesheet to accept entries for the active placement", submit)
        entries = [str(e["id"]) for e in submitted["entries"]]
        _ok(api.post(f"/entries/{entries[0]}/approve", headers=approver, json={"expected_version": 1}))

    with world.client("notifications") as api:
        # Issue 14 (part D): finance's webhook endpoint, subscribed to the invoice issued below (its delivery is
        # an object too; nothing listens on the port, so it stays pending and is retried).
        endpoint = _ok(
            api.post(
                "/webhook-endpoints",
                headers=finance,
                json={"url": "http://127.0.0.1:9/hook", "event_types": ["invoicing.invoice_issued"]},
            ),
            201,
        )

    with world.client("invoicing") as api:
        # Issue 9: a close of October drafts the approved entry's invoice (once invoicing has accrued it).
        def drafted() -> dict[str, Any] | None:
            closed = _ok(api.post("/closes", headers=finance, json={"through": "2026-10-31"}), 201)
            return closed if closed["invoices"] else None

        close = _wait("invoicing to accrue the approved entry and draft it", drafted)
        invoice_ids = [str(i["invoice_id"]) for i in close["invoices"]]

        # Issue 9 part 2: the first draft issued, then 30 min taken off its entry: a credit note draft.
        def issued() -> dict[str, Any] | None:
            response = api.post(f"/invoices/{invoice_ids[0]}/issue", headers=finance)
            return None if response.status_code == 409 else _ok(response)  # buyer address not there yet

        _wait("invoicing to know the buyer and issue the draft", issued)

    with world.client("timesheet") as api:
        correction = _ok(
            api.post(
                f"/entries/{entries[0]}/corrections",
                headers=consultant,
                json={"minutes_delta": -30, "reason": "Left early"},
            ),
            201,
        )
        _ok(api.post(f"/entries/{correction['id']}/approve", headers=approver, json={"expected_version": 1}))

    with world.client("invoicing") as api:

        def credited() -> dict[str, Any] | None:
            closed = _ok(api.post("/closes", headers=finance, json={"through": "2026-10-31"}), 201)
            return closed if closed["invoices"] else None

        credit_close = _wait("invoicing to accrue the correction and draft a credit note", credited)
        invoice_ids += [str(i["invoice_id"]) for i in credit_close["invoices"]]

    with world.client("invoicing") as api:
        # Issue 11: a statement run through October drafts the municipality's co-financing statement, if any.
        run = _ok(api.post("/statement-runs", headers=finance, json={"through": "2026-10-31"}), 201)
        statement_ids = [str(s["statement_id"]) for s in run["statements"]] or [str(uuid.uuid4())]

    with world.client("notifications") as api:
        emails = _wait(
            "an e-mail in the notifications log",
            lambda: _ok(api.get("/emails", headers=admin))["items"],
        )
        email_id = str(emails[0]["id"])
        deliveries = _wait(
            "the issued invoice's webhook delivery",
            lambda: _ok(api.get(f"/webhook-endpoints/{endpoint['id']}/deliveries", headers=finance))["items"],
        )

    world.ids = {
        "municipality_id": [mid],
        "company_id": [cid],
        "placement_id": [pid],
        "referral_id": [str(referral["id"])],
        "citizen_id": [citizen_id],
        "entry_id": entries,
        "opening_id": [str(opening["id"])],
        # The second approver, so removing it leaves the approver whose token the fuzzer uses.
        "email": [SECOND_APPROVER_EMAIL],
        "email_id": [email_id],
        "close_id": [str(close["close_id"])],
        "invoice_id": invoice_ids,
        "run_id": [str(run["run_id"])],
        "statement_id": statement_ids,
        # Issue 13 (part A): the employee number of the first citizen placed in a fresh system.
        "employee_number": ["1001"],
        # Issue 13 (part C): a pay period's first day (monthly pay periods; an ended one).
        "period_start": ["2026-10-01"],
        # Issue 14 (part A): a staff directory member.
        "staff_id": [str(member["staff_id"])],
        # Issue 14 (part D): a webhook endpoint and its delivery.
        "endpoint_id": [str(endpoint["id"])],
        "delivery_id": [str(deliveries[0]["id"])],
    }
    world.tokens = {
        "consultant": consultant,
        "finance": finance,
        "admin": admin,
        "company_approver": approver,
        "municipality": bearer(Role.MUNICIPALITY, sub=f"kommune-{TAG}", municipality_id=uuid.UUID(mid)),
        # Issue 14 (part B): another service of the deployment (notifications fetching documents to attach).
        "service": bearer(Role.SERVICE, sub="service:notifications"),
    }
