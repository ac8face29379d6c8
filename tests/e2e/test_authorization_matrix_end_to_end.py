"""Every HTTP endpoint of every service, from the outside: without a token 401; for a company
approver or municipality user of someone else, every endpoint that takes an id answers 403 or 404
and the body gives nothing of the object away; lists show them nothing of others.

The routes come from each running service's OpenAPI document, so a new endpoint is covered the day
it is added; an id parameter this test does not know fails the test until it is taught.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest

from e2e.slice import ADMIN, CONSULTANT, FINANCE, ok, register_world
from e2e.system import SERVICES, System
from e2e.test_slice_end_to_end import approve_all, submit
from e2e.test_statements_end_to_end import STATED_TERMS
from vikar_shared.auth import Role
from vikar_shared.identity.tokens import COOKIE_NAME
from vikar_shared.testing.identity import page_session_cookie
from vikar_shared.testing.plugin import bearer, wait_until

pytestmark = pytest.mark.e2e

PUBLIC = {"/healthz", "/readyz"}
# Issue 10: routes authenticated by a signature instead of a bearer token (service, path): checked on their own
# below (test_stripe_s_webhook_is_authenticated_by_its_signature_alone).
SIGNED = {("invoicing", "/stripe/webhook")}

# A body that passes validation for each mutating route, so the object check is what answers.
BODIES: dict[tuple[str, str], object] = {
    ("POST", "/municipalities/{municipality_id}/terms"): {
        "effective_from": "2027-01-01",
        "co_financing_rate_ore_per_hour": 1,
        "eligibility_threshold_weeks": 1,
    },
    ("PATCH", "/companies/{company_id}"): {"name": "Taken Over ApS"},
    ("POST", "/companies/{company_id}/approvers"): {"email": "intruder@example.org", "name": "Intruder"},
    # Issue 12: the addresses that may log in for a municipality.
    ("PUT", "/municipalities/{municipality_id}/users"): {"email": "intruder@example.org", "name": "Intruder"},
    ("POST", "/placements/{placement_id}/end"): {"end_date": "2026-12-31", "reason": "other_job"},
    ("POST", "/placements/{placement_id}/rates"): {
        "effective_from": "2027-01-01",
        "bill_rate_ore_per_hour": 100,
        "wage_rate_ore_per_hour": 100,
    },
    ("POST", "/openings/{opening_id}/follow-ups"): {"note": "x"},
    ("POST", "/openings/{opening_id}/hand-over"): {"reason": "no_candidate"},
    ("POST", "/citizens/{citizen_id}/activities"): {"activity_type": "conversation", "occurred_on": "2026-11-02"},
    ("POST", "/placements/{placement_id}/entries"): {"entries": [{"work_date": "2026-10-05", "minutes": 60}]},
    ("PUT", "/entries/{entry_id}"): {"work_date": "2026-10-05", "minutes": 60},
    ("POST", "/entries/{entry_id}/approve"): {"expected_version": 1},
    ("POST", "/entries/{entry_id}/reject"): {"reason": "not my hours", "expected_version": 1},
    ("POST", "/entries/{entry_id}/corrections"): {"minutes_delta": 15, "reason": "more"},
    ("POST", "/companies/{company_id}/approvals"): {"all_pending": True, "seen": []},
    ("POST", "/closes"): {"through": "2026-10-31"},
    # Issue 10: payments and reminders.
    ("POST", "/invoices/{invoice_id}/payments"): {"amount_ore": 1, "paid_on": "2026-11-01", "payer_reference": "x"},
    ("POST", "/invoices/{invoice_id}/reminders"): {"sent_on": "2026-11-01", "fee_ore": 0},
    # Issue 11: a statement's delivery (helper "statement documents").
    ("POST", "/statements/{statement_id}/deliveries"): {
        "channel": "peppol",
        "reference": "x",
        "sent_at": "2026-11-01T00:00:00+00:00",
    },
}
# Required query parameters of paths that take no month (issue 9 part 2: the reconciliation; issue 10: the
# bookkeeping export).
QUERIES: dict[str, dict[str, str]] = {
    "/reconciliation": {"through": "2026-10-31"},
    "/exports/bookkeeping.csv": {"from": "2026-11-01", "to": "2026-11-30"},
    # Issue 12: a municipality's progress figures (as_of defaults to today; a past day here).
    "/municipalities/{municipality_id}/kpis": {"as_of": "2026-10-31"},
    # Issue 13 (part A): the CPR export (finance only).
    "/employees/cpr-export.csv": {"employed_from": "2026-10-01", "employed_to": "2026-10-31"},
}


@dataclass(frozen=True)
class Route:
    service: str
    method: str
    template: str


async def routes(system: System) -> list[Route]:
    found = []
    async with httpx.AsyncClient(timeout=10) as http:
        for service in SERVICES:
            spec = ok(await http.get(f"{system.url(service)}/openapi.json"))
            paths = spec["paths"]
            assert isinstance(paths, dict)
            for template, operations in paths.items():
                if template in PUBLIC or (service, template) in SIGNED:
                    continue
                found += [Route(service, method.upper(), template) for method in operations]
    return found


def fill(template: str, ids: dict[str, str]) -> str:
    unknown = [p for p in re.findall(r"{(\w+)}", template) if p not in ids]
    assert not unknown, f"teach this test an id for {unknown} in {template}"
    return re.sub(r"{(\w+)}", lambda m: ids[m.group(1)], template)


async def call(system: System, route: Route, ids: dict[str, str], headers: dict[str, str]) -> httpx.Response:
    body = BODIES.get((route.method, route.template), {} if route.method in ("POST", "PUT", "PATCH") else None)
    async with httpx.AsyncClient(base_url=system.url(route.service), timeout=10) as http:
        return await http.request(
            route.method,
            fill(route.template, ids),
            headers=headers,
            json=body,
            params=QUERIES.get(route.template, {"month": "2026-10"} if "preview" in route.template else None),
        )


async def world_ids(system: System) -> tuple[dict[str, str], list[str]]:
    """Ids of one real object of each kind, and the strings that must not leak."""
    world = await register_world(system)
    submission = await submit(system, world.eligible_placement, [("2026-10-07", 60)])
    entries = submission["entries"]
    assert isinstance(entries, list)
    async with httpx.AsyncClient(base_url=system.url("placement"), timeout=10) as placement:
        p = ok(await placement.get(f"/placements/{world.eligible_placement}", headers=ADMIN))
        opening = ok(
            await placement.post(
                "/openings",
                headers=CONSULTANT,
                json={
                    "company_id": world.company_id,
                    "job_category": "bakery",
                    "tasks": "Pack bread",
                    "hours_per_week_minutes": 480,
                    "contact": {"name": "Ib", "phone": "+45 12 34 56 78"},
                },
            ),
            201,
        )
        # Issue 14 (part A): a staff directory member (admins change it, agency staff read it).
        member = ok(
            await placement.post(
                "/staff",
                headers=ADMIN,
                json={
                    "subject": f"matrix-{uuid.uuid4().hex[:8]}",
                    "name": "Anna Matrix",
                    "email": "anna.matrix@vikar.example",
                    "role": "consultant",
                },
            ),
            201,
        )
    # Issue 9: the entry approved and closed into a draft invoice (the close and the draft are objects too).
    await approve_all(system, world, [str(entries[0]["id"])])
    async with httpx.AsyncClient(base_url=system.url("invoicing"), timeout=10) as invoicing:

        async def drafted() -> bool:
            closed = ok(await invoicing.post("/closes", headers=FINANCE, json={"through": "2026-10-31"}), 201)
            return any(i["company_id"] == world.company_id for i in closed["invoices"])  # type: ignore[union-attr]

        await wait_until(drafted, what="invoicing to accrue the approved entry and draft its invoice")
        drafts = ok(
            await invoicing.get(
                "/invoices", headers=FINANCE, params={"status": "draft", "company_id": world.company_id}
            )
        )["items"]
        assert isinstance(drafts, list)
        [draft] = drafts
        # Issue 11: the same (eligible) entry stated: the statement run and its draft statement are objects too.
        statements: list[dict[str, object]] = []
        runs: list[str] = []

        async def stated() -> bool:
            run = ok(await invoicing.post("/statement-runs", headers=FINANCE, json={"through": "2026-10-31"}), 201)
            runs.append(str(run["run_id"]))
            made = run["statements"]
            assert isinstance(made, list)
            statements.extend(s for s in made if s["municipality_id"] == world.municipality_id)
            return bool(statements)

        await wait_until(stated, what="invoicing to draft the municipality's October statement")
    async with httpx.AsyncClient(base_url=system.url("notifications"), timeout=10) as notifications:

        async def mailed() -> bool:
            return bool((await notifications.get("/emails", headers=ADMIN)).json()["items"])

        await wait_until(mailed, what="an e-mail in the notifications log")
        emails = (await notifications.get("/emails", headers=ADMIN)).json()
        email_id = str(emails["items"][0]["id"])
        # Issue 14 (part D): finance's webhook endpoint (the world issues no invoice, so it has no delivery:
        # a made-up delivery id stands in; every webhook route is finance's and admin's, refused to outsiders).
        endpoint = ok(
            await notifications.post(
                "/webhook-endpoints",
                headers=FINANCE,
                json={"url": "http://127.0.0.1:9/hook", "event_types": ["invoicing.invoice_issued"]},
            ),
            201,
        )
    ids = {
        "municipality_id": world.municipality_id,
        "company_id": world.company_id,
        "placement_id": world.eligible_placement,
        "referral_id": str(p["referral_id"]),
        "citizen_id": str(p["citizen_id"]),
        "entry_id": str(entries[0]["id"]),
        "opening_id": str(opening["id"]),
        "email": world.approver_emails[1],
        "email_id": email_id,
        "close_id": str(draft["close_id"]),
        "invoice_id": str(draft["invoice_id"]),
        "statement_id": str(statements[0]["statement_id"]),
        "run_id": runs[-1],
        # Issue 13 (part A): an employee number (the first citizen placed in a fresh system).
        "employee_number": "1001",
        # Issue 13 (part C): a pay period's first day (monthly pay periods; an ended one).
        "period_start": "2026-10-01",
        # Issue 14 (part A): a staff directory member.
        "staff_id": str(member["staff_id"]),
        "endpoint_id": str(endpoint["id"]),
        "delivery_id": "1",
    }
    secrets = [
        str(p["citizen_name"]),
        world.approver_emails[0],
        world.approver_emails[1],
        "Bager Hansen",
        "anna.matrix@vikar.example",
    ]
    return ids, secrets


async def test_every_endpoint_without_a_token_answers_401(system: System) -> None:
    ids = {
        name: str(uuid.uuid4())
        for name in (
            "municipality_id",
            "company_id",
            "placement_id",
            "referral_id",
            "citizen_id",
            "entry_id",
            "opening_id",
            "email_id",
            "close_id",
            "invoice_id",
            "statement_id",
            "run_id",
            "staff_id",  # issue 14 (part A)
            "endpoint_id",  # issue 14 (part D)
        )
    } | {"email": "someone@example.org", "employee_number": "1001", "period_start": "2026-10-01", "delivery_id": "1"}
    checked = 0
    for route in await routes(system):
        r = await call(system, route, ids, {})
        assert r.status_code == 401, f"{route}: {r.status_code} {r.text[:200]}"
        assert r.headers["content-type"] == "application/problem+json"
        checked += 1
    assert checked >= 40


# Issue 14 (part B): a service token (notifications) too: it reads only issued invoices' and statements' documents,
# and the world's invoice and statement are drafts, so every object is refused to it here as well.
@pytest.mark.parametrize("outsider", ["company_approver", "municipality", "service"])
async def test_outsiders_get_403_or_404_on_every_object_and_learn_nothing(system: System, outsider: str) -> None:
    ids, secrets = await world_ids(system)
    headers = {
        "company_approver": bearer(Role.COMPANY_APPROVER, company_id=uuid.uuid4(), email="other@elsewhere.example"),
        "municipality": bearer(Role.MUNICIPALITY, municipality_id=uuid.uuid4()),
        "service": bearer(Role.SERVICE, sub="service:notifications"),
    }[outsider]
    with_ids, lists = 0, 0
    for route in await routes(system):
        r = await call(system, route, ids, headers)
        leaked = [s for s in secrets if s in r.text]
        assert not leaked, f"{route} showed {leaked} to an outsider"
        if "{" in route.template:
            assert r.status_code in (403, 404), f"{route}: {r.status_code} {r.text[:300]}"
            with_ids += 1
        else:
            assert r.status_code in (200, 403, 404, 422), f"{route}: {r.status_code} {r.text[:300]}"
            lists += 1
    assert with_ids >= 30
    assert lists >= 5


# Issue 10: Stripe webhooks.
async def test_stripe_s_webhook_is_authenticated_by_its_signature_alone(system: System) -> None:
    """Without a signature, or with a wrong one, 400 ``webhook-signature-invalid`` whoever calls (a bearer token
    of any role does not replace it); nothing of the body is echoed."""
    body = b'{"id": "evt_matrix", "type": "invoice.paid", "created": 1, "data": {"object": {"id": "in_x"}}}'
    async with httpx.AsyncClient(base_url=system.url("invoicing"), timeout=10) as invoicing:
        for headers in (
            {},
            FINANCE,
            bearer(Role.ADMIN),
            {"Stripe-Signature": "t=1,v1=" + "0" * 64},
            {**ADMIN, "Stripe-Signature": "t=1,v1=" + "0" * 64},
        ):
            r = await invoicing.post("/stripe/webhook", content=body, headers=headers)
            assert r.status_code == 400, f"{headers.keys()}: {r.status_code} {r.text[:200]}"
            assert r.headers["content-type"] == "application/problem+json"
            assert r.json()["code"] == "webhook-signature-invalid"
            assert "evt_matrix" not in r.text
    assert {(s, p) for s, p in SIGNED} == {("invoicing", "/stripe/webhook")}


# Issue 10: the approval portal's pages are not in any OpenAPI document (HTML for people, behind a page
# session, not a bearer token); each is listed here and checked through the one origin with page sessions.
PORTAL_PAGES = ("/portal/invoices", "/portal/invoices/{invoice_id}/pdf")


def _page_session(
    email: str,
    role: Role = Role.COMPANY_APPROVER,
    *,
    company_id: str | None = None,
    municipality_id: uuid.UUID | None = None,
) -> dict[str, str]:
    """A ``vikar_session`` cookie as placement mints it at login (the development key, as in ``test``)."""
    company = None if company_id is None else uuid.UUID(company_id)
    minted = page_session_cookie(
        email=email, now=datetime.now(UTC), role=role, company_id=company, municipality_id=municipality_id
    )
    return {COOKIE_NAME: minted.token}


async def test_portal_pages_show_an_approver_only_its_own_company_and_refuse_everyone_else(system: System) -> None:
    ids, _ = await world_ids(system)
    company, approver = ids["company_id"], ids["email"]
    async with httpx.AsyncClient(base_url=system.url("placement"), timeout=10) as placement:
        address = {"street": "Algade 1", "postcode": "9000", "city": "Aalborg"}
        ok(await placement.patch(f"/companies/{company}", headers=CONSULTANT, json={"address": address}))
    issued: dict[str, object] = {}
    async with httpx.AsyncClient(base_url=system.url("invoicing"), timeout=10) as invoicing:

        async def issue() -> bool:
            # The address travels placement → Kafka → invoicing: wait for it.
            r = await invoicing.post(f"/invoices/{ids['invoice_id']}/issue", headers=FINANCE)
            if r.status_code == 409 and r.json()["code"] == "buyer-incomplete":
                return False
            issued.update(ok(r))
            return True

        await wait_until(issue, what="the invoice issued once invoicing knows the buyer's address")
    number, invoice_id = str(issued["number"]), ids["invoice_id"]
    # What of company A's invoice must never reach anyone else (its id only in the address they typed).
    secrets = [number, "Mette Jensen", approver]
    other = await register_world(system)
    pdf = fill(PORTAL_PAGES[1], ids)

    async with httpx.AsyncClient(base_url=system.origin, timeout=10) as browser:
        # No session: to the identity owner's login, back to the page afterwards.
        for page in (PORTAL_PAGES[0], pdf):
            r = await browser.get(page)
            assert r.status_code == 303 and r.headers["location"].startswith("/auth/login?next="), page

        # Company A's approver: its invoice listed, its PDF downloaded (once the worker rendered it).
        browser.cookies.update(_page_session(approver, company_id=company))
        listed = await browser.get(PORTAL_PAGES[0])
        assert (
            listed.status_code == 200 and number in listed.text and f"/portal/invoices/{invoice_id}/pdf" in listed.text
        )

        async def downloaded() -> bool:
            r = await browser.get(pdf)
            return r.status_code == 200 and r.headers["content-type"] == "application/pdf"

        await wait_until(downloaded, what="company A's approver downloading its invoice PDF", timeout=30)

    outsiders: list[tuple[str, dict[str, str], int]] = [
        # Another company's listed approver: its own (empty) list; A's PDF is the 404 page.
        ("other company's approver", _page_session(other.approver_emails[0], company_id=other.company_id), 404),
        # An address not listed for A, a municipality's and a consultant's sessions: the no-access page.
        ("unlisted", _page_session("intruder@elsewhere.example", company_id=company), 403),
        ("approver of A naming B", _page_session(approver, company_id=other.company_id), 403),
        (
            "municipality",
            _page_session("sagsbehandler@aalborg.example", Role.MUNICIPALITY, municipality_id=uuid.uuid4()),
            403,
        ),
        ("consultant", _page_session("konsulent@fokus.example", Role.CONSULTANT), 403),
    ]
    for who, cookies, pdf_status in outsiders:
        async with httpx.AsyncClient(base_url=system.origin, timeout=10, cookies=cookies) as browser:
            for page, status in ((PORTAL_PAGES[0], 200 if pdf_status == 404 else 403), (pdf, pdf_status)):
                r = await browser.get(page)
                assert r.status_code == status, f"{who} {page}: {r.status_code} {r.text[:300]}"
                assert r.headers["content-type"].startswith("text/html"), f"{who} {page}"
                leaked = [s for s in secrets + ([invoice_id] if page != pdf else []) if s in r.text]
                assert not leaked, f"{page} showed {leaked} to {who}"


# Issue 12: the municipality's pages (HTML behind a page session of role municipality, not in any OpenAPI
# document); each is listed here and checked through the one origin.
MUNICIPALITY_PAGES = (
    "/municipality/progress?as_of=2026-10-31",
    "/municipality/statements",
    "/municipality/statements/{statement_id}",
    "/municipality/statements/{statement_id}/pdf",
    "/municipality/statements/{statement_id}/csv",
    "/municipality/statements/{statement_id}/xml",
)


async def test_municipality_pages_show_a_user_only_its_own_municipality_and_refuse_everyone_else(
    system: System,
) -> None:
    ids, _ = await world_ids(system)
    municipality, statement_id = ids["municipality_id"], ids["statement_id"]
    async with httpx.AsyncClient(base_url=system.url("placement"), timeout=10) as placement:
        ok(await placement.post(f"/municipalities/{municipality}/terms", headers=FINANCE, json=STATED_TERMS), 201)
        named = ok(await placement.get(f"/municipalities/{municipality}", headers=ADMIN))
    issued: dict[str, object] = {}
    async with httpx.AsyncClient(base_url=system.url("invoicing"), timeout=10) as invoicing:

        async def issue() -> bool:
            # The stated terms travel placement → Kafka → invoicing: wait for them.
            r = await invoicing.post(f"/statements/{statement_id}/issue", headers=FINANCE)
            if r.status_code == 409 and r.json()["code"] == "agreement-terms-incomplete":
                return False
            issued.update(ok(r))
            return True

        await wait_until(issue, what="the statement issued once invoicing knows the stated terms")
    number, name = str(issued["number"]), str(named["name"])
    # What of municipality A's statement must never reach anyone else.
    secrets = [number, "Mette Jensen", name]
    other = await register_world(system)
    own = _page_session("lene@aalborg.example", Role.MUNICIPALITY, municipality_id=uuid.UUID(municipality))
    pages = [fill(p, ids) for p in MUNICIPALITY_PAGES]

    async with httpx.AsyncClient(base_url=system.origin, timeout=10) as browser:
        # No session: to the identity owner's login, back to the page afterwards.
        for page in pages:
            r = await browser.get(page)
            assert r.status_code == 303 and r.headers["location"].startswith("/auth/login?next="), page
        # A's user: its statement listed and opened, every document downloaded (once the worker stored them).
        browser.cookies.update(own)
        listed = await browser.get(pages[1])
        assert listed.status_code == 200 and number in listed.text, listed.text[:300]
        progress = await browser.get(pages[0])
        assert progress.status_code == 200 and name in progress.text, progress.text[:300]
        opened = await browser.get(pages[2])
        assert opened.status_code == 200 and number in opened.text and "Mette Jensen" in opened.text
        for page, media_type in zip(pages[3:], ("application/pdf", "text/csv", "application/xml"), strict=True):

            async def downloaded(page: str = page, media_type: str = media_type) -> bool:
                r = await browser.get(page)
                return r.status_code == 200 and r.headers["content-type"].startswith(media_type)

            await wait_until(downloaded, what=f"A's user downloading {page}", timeout=30)

    outsiders: list[tuple[str, dict[str, str], int, int]] = [
        # Another municipality's user: its own pages; A's statement is the 404 page.
        (
            "other municipality's user",
            _page_session("lis@other.example", Role.MUNICIPALITY, municipality_id=uuid.UUID(other.municipality_id)),
            200,
            404,
        ),
        # A company's approver and a consultant's session: the no-access page everywhere.
        ("approver", _page_session(other.approver_emails[0], company_id=other.company_id), 403, 403),
        ("consultant", _page_session("konsulent@fokus.example", Role.CONSULTANT), 403, 403),
    ]
    for who, cookies, list_status, object_status in outsiders:
        async with httpx.AsyncClient(base_url=system.origin, timeout=10, cookies=cookies) as browser:
            for page in pages:
                status = list_status if page in pages[:2] else object_status
                r = await browser.get(page)
                assert r.status_code == status, f"{who} {page}: {r.status_code} {r.text[:300]}"
                assert r.headers["content-type"].startswith("text/html"), f"{who} {page}"
                # The id is in the path they typed (the language links repeat it): only the other pages must not name it.
                leaked = [s for s in [*secrets, *([] if statement_id in page else [statement_id])] if s in r.text]
                assert not leaked, f"{page} showed {leaked} to {who}"
    # A's user on the company portal: the no-access page, nothing of any company.
    async with httpx.AsyncClient(base_url=system.origin, timeout=10, cookies=own) as browser:
        for page in ("/portal/pending", "/portal/invoices"):
            r = await browser.get(page)
            assert r.status_code == 403, f"{page}: {r.status_code} {r.text[:300]}"
