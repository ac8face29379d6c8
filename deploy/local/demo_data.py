"""Seeds a little demo data through the public HTTP APIs and prints tokens to explore with.

Aalborg Kommune (50 kr./hour and 52 weeks until 14 Oct 2026, then 65 kr. and 26 weeks; statement terms:
monthly, citizens by case number, outside the scope of VAT, paid by SEPA transfer to an IBAN), a bakery
with one approver, two referred citizens placed there, and a week of hours: some approved, some
waiting (so an e-mail sits in Mailpit).

Everything goes through the one origin (``VIKAR_PROXY_URL``, default http://127.0.0.1:8100): the APIs
under ``/api/<service>/``, the approval portal at ``/portal/pending`` (log in at ``/auth/login`` as the
demo approver; the link arrives in Mailpit).

Tokens are signed with the key deploy/local/up generated (``VIKAR_JWT_SECRET``/``VIKAR_JWT_KID`` from
.stack/demo.env) and live 12 hours, the longest the services accept: a demo session. The seeded ids
are kept in .stack/services/demo.json, so a later run prints fresh tokens for the same records.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import httpx

from vikar_shared.auth import Role
from vikar_shared.auth.cli import TokenCliSettings
from vikar_shared.auth.tokens import MAX_LIFETIME, mint_token
from vikar_shared.settings import ServiceSettings

MARKER = Path(__file__).resolve().parents[2] / ".stack" / "services" / "demo.json"
# Everything through the one origin (deploy/local/stack's nginx; deploy/local/up exports VIKAR_PROXY_URL):
# the APIs under /api/<service>/, as a visitor of the demo reaches them.
ORIGIN = os.environ.get("VIKAR_PROXY_URL", "http://127.0.0.1:8100").rstrip("/")
PLACEMENT, TIMESHEET, INVOICING, NOTIFICATIONS = (
    f"{ORIGIN}/api/{s}" for s in ("placement", "timesheet", "invoicing", "notifications")
)
DEMO_APPROVER = "ib@bagerhansen.example"
# The job centre's address the agency registered for Aalborg Kommune (issue 12): logs in at /auth/login and sees the
# municipality's statements and progress at /municipality/.
DEMO_MUNICIPALITY_USER = "lene.holm@jobcenter-aalborg.example"
TOKEN_HOURS = int(MAX_LIFETIME.total_seconds() // 3600)
# What a co-financing statement and its Peppol document need from the agreement (issue 11), on both versions of
# the demo terms. A demo choice, not tax advice: whether a per-hour contribution carries VAT is each agency's
# question (momsloven § 27, stk. 1); the demo states it outside the scope of VAT. The EAN/GLN is a made-up one
# with a valid GS1 check digit; the IBAN is a well-formed example (its check digits pass).
STATEMENT_TERMS = {
    "target_unique_citizens": 170,
    "ean": "5798000991002",
    "person_reference": "Jobcenter Aalborg, att. Lene Holm",
    "statement_period": "monthly",
    "citizen_reference": "case_number",
    "address": {"street": "Boulevarden 13", "postcode": "9000", "city": "Aalborg"},
    "rate_excludes_vat": True,
    "vat_category": "O",
    "vat_exemption_reason": "Tilskud uden direkte sammenhæng med prisen (momsloven § 27, stk. 1)",
    "payment_means_code": "58",
    "payee_iban": "DK5000400440116243",
}


def token(role: Role, **claims: uuid.UUID | str) -> str:
    key = TokenCliSettings()  # VIKAR_JWT_SECRET / VIKAR_JWT_KID, as the vikar-token CLI reads them
    return mint_token(
        secret=key.jwt_secret.get_secret_value(),
        kid=key.jwt_kid,
        subject=f"demo-{role.value}",
        role=role,
        ttl=MAX_LIFETIME,
        **claims,  # type: ignore[arg-type]
    )


def auth(t: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {t}"}


def post(url: str, t: str, body: object) -> dict[str, object]:
    for _ in range(100):  # the timesheet learns of a new or activated placement from Kafka a moment later
        r = httpx.post(url, json=body, headers=auth(t), timeout=10)
        if r.status_code != 404 and "placement-not-active" not in r.text:
            break
        time.sleep(0.2)
    if r.status_code >= 300:
        raise SystemExit(f"demo data: {url} answered {r.status_code}: {r.text}")
    result: dict[str, object] = r.json()
    return result


# Issue 14 (part A): the staff directory names the demo tokens' subjects (demo-consultant, demo-finance, demo-admin),
# so notifications can mail them (the consultant's Monday digest, finance's payment mails).
DEMO_STAFF = (
    ("demo-consultant", "Anna Konsulent", "anna.konsulent@vikarmodel.example", "consultant", "da"),
    ("demo-finance", "Finn Økonomi", "finn.oekonomi@vikarmodel.example", "finance", "da"),
    ("demo-admin", "Alma Admin", "alma.admin@vikarmodel.example", "admin", "en"),
)
DEMO_STATEMENT_CONTACTS = [
    {"name": "Aalborg Kommune, Jobcenter økonomi", "email": "oekonomi@jobcenter-aalborg.example"}
]


def seed() -> dict[str, str]:
    """Creates the demo records; returns the ids the printed tokens and examples need."""
    admin, consultant = token(Role.ADMIN), token(Role.CONSULTANT)
    for subject, name, email, role, language in DEMO_STAFF:
        post(
            f"{PLACEMENT}/staff",
            admin,
            {"subject": subject, "name": name, "email": email, "role": role, "language": language},
        )
    m = post(
        f"{PLACEMENT}/municipalities",
        admin,
        {"name": "Aalborg Kommune", "users": [{"email": DEMO_MUNICIPALITY_USER, "name": "Lene Holm"}]},
    )
    for effective_from, rate, weeks in (("2026-01-01", 5000, 52), ("2026-10-15", 6500, 26)):
        post(
            f"{PLACEMENT}/municipalities/{m['id']}/terms",
            admin,
            {
                "effective_from": effective_from,
                "co_financing_rate_ore_per_hour": rate,
                "eligibility_threshold_weeks": weeks,
                "statement_contacts": DEMO_STATEMENT_CONTACTS,  # issue 14 (part A)
            }
            | STATEMENT_TERMS,
        )
    c = post(
        f"{PLACEMENT}/companies",
        consultant,
        {
            "name": "Bager Hansen ApS",
            "cvr": "12345674",
            "approvers": [{"email": DEMO_APPROVER, "name": "Ib Hansen"}],
            # Billed every ISO week, so last week's approved hours can be closed and invoiced today.
            "billing_period": "weekly",
            "address": {"street": "Vesterbro 12", "postcode": "9000", "city": "Aalborg"},
            "billing_contact": {"name": "Ib Hansen", "email": DEMO_APPROVER},
            # Issue 14 (part A): told when hours stay pending past the reminder ladder's escalation step.
            "backup_approvers": [
                {"email": "lone@bagerhansen.example", "name": "Lone Hansen", "valid_from": "2026-01-01"}
            ],
        },
    )
    approver = token(Role.COMPANY_APPROVER, company_id=uuid.UUID(str(c["id"])), email=DEMO_APPROVER)
    # "Last week" by the services' clock (the same VIKAR_CLOCK_* variables; this script holds no service
    # secret, hence the environment given here only for reading them).
    today = ServiceSettings(VIKAR_ENVIRONMENT="development").clock().today()
    monday = today - timedelta(days=today.weekday() + 7)
    # Two days in the calendar month before this one, so its co-financing statement can be drafted today (a
    # statement period is a calendar month, stated once it has ended).
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    last_month_days = [last_month + timedelta(days=d) for d in (14, 15)]
    start = min(monday - timedelta(days=7), last_month)
    for cpr, name, weeks, case_number in (
        ("010190-1234", "Mette Jensen", 60, "AAL-2026-004711"),
        ("150285-2345", "Jonas Berg", 30, "AAL-2026-004712"),
    ):
        r = post(
            f"{PLACEMENT}/referrals",
            consultant,
            {
                "cpr": cpr,
                "name": name,
                "municipality_id": m["id"],
                "referred_on": (start - timedelta(days=14)).isoformat(),
                "weeks_unemployed": weeks,
                "case_number": case_number,
            },
        )
        p = post(
            f"{PLACEMENT}/placements",
            consultant,
            {
                "referral_id": r["id"],
                "company_id": c["id"],
                "start_date": start.isoformat(),
                "bill_rate_ore_per_hour": 18_550,
                # The citizen's hourly wage (the agency employs them; issue 13's pay side).
                "wage_rate_ore_per_hour": 13_850,
            },
        )
        post(f"{PLACEMENT}/placements/{p['id']}/activate", consultant, {})
        earlier = [{"work_date": day.isoformat(), "minutes": 240} for day in last_month_days]
        before = post(f"{TIMESHEET}/placements/{p['id']}/entries", consultant, {"entries": earlier})["entries"]
        assert isinstance(before, list)
        # Last month's hours are approved for both (they are on last month's co-financing statement).
        for entry in before:
            post(f"{TIMESHEET}/entries/{entry['id']}/approve", approver, {"expected_version": 1})
        entries = [{"work_date": (monday + timedelta(days=d)).isoformat(), "minutes": 180 + 15 * d} for d in range(3)]
        s = post(f"{TIMESHEET}/placements/{p['id']}/entries", consultant, {"entries": entries})
        submitted = s["entries"]
        assert isinstance(submitted, list)
        if name == "Mette Jensen":
            for e in submitted:
                post(f"{TIMESHEET}/entries/{e['id']}/approve", approver, {"expected_version": 1})
    stated_through = seed_history(str(m["id"]), str(c["id"]), approver, today)
    paid_through = close_pay_periods(today)
    return {
        "stated_through": stated_through,
        "paid_through": paid_through,
        "municipality": str(m["id"]),
        "company": str(c["id"]),
        "month": monday.strftime("%Y-%m"),
        "week_end": (monday + timedelta(days=6)).isoformat(),
        "last_month_end": (today.replace(day=1) - timedelta(days=1)).isoformat(),
    }


def month_start(day: date, back: int) -> date:
    """The first day of the month ``back`` calendar months before ``day``'s."""
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


# Three more citizens Aalborg referred, placed at the bakery over the months before last, for the municipality's
# progress pages (issue 12): (CPR, name, start (months back, day), hours (months back, days), end (months back, day,
# reason) or None, whether the consultant logged the first day).
HISTORY = (
    (
        "120388-3456",
        "Sofie Nielsen",
        (4, 2),
        [(4, (6, 20)), (3, (4, 18)), (2, (3, 10))],
        (2, 20, "hired_directly"),
        True,
    ),
    ("250779-4567", "Karen Madsen", (4, 9), [(4, (13, 27))], (3, 5, "dropped_out"), True),
    ("030592-5678", "Ali Hassan", (3, 1), [(3, (7, 21)), (2, (5, 19))], None, False),
)


def seed_history(municipality_id: str, company_id: str, approver: str, today: date) -> str:
    """Seeds :data:`HISTORY` (hours approved, placements ended with their reasons, first days logged), then drafts
    and issues the co-financing statements of those months (the month before last at the latest), so the
    municipality's user finds statements and progress at /municipality/. Returns the last day stated."""
    consultant, finance = token(Role.CONSULTANT), token(Role.FINANCE)
    expected: dict[str, int] = {}
    for number, (cpr, name, (start_back, start_day), hours, end, first_day_logged) in enumerate(HISTORY, start=4713):
        start = month_start(today, start_back) + timedelta(days=start_day - 1)
        referral = {
            "cpr": cpr,
            "name": name,
            "municipality_id": municipality_id,
            "referred_on": (month_start(today, 4) - timedelta(days=14)).isoformat(),
            "weeks_unemployed": 60,
            # The agreement names citizens on statements by the job centre's case number.
            "case_number": f"AAL-2026-00{number}",
        }
        r = post(f"{PLACEMENT}/referrals", consultant, referral)
        placement = {
            "referral_id": r["id"],
            "company_id": company_id,
            "start_date": start.isoformat(),
            "bill_rate_ore_per_hour": 18_550,
            "wage_rate_ore_per_hour": 13_850,
        }
        p = post(f"{PLACEMENT}/placements", consultant, placement)
        post(f"{PLACEMENT}/placements/{p['id']}/activate", consultant, {})
        if first_day_logged:
            first_day = {
                "activity_type": "first_day_accompanied",
                "occurred_on": start.isoformat(),
                "placement_id": p["id"],
            }
            post(f"{PLACEMENT}/citizens/{r['citizen_id']}/activities", consultant, first_day)
        days = [month_start(today, back) + timedelta(days=d - 1) for back, pair in hours for d in pair]
        worked = [{"work_date": d.isoformat(), "minutes": 240} for d in days]
        submitted = post(f"{TIMESHEET}/placements/{p['id']}/entries", consultant, {"entries": worked})["entries"]
        assert isinstance(submitted, list)
        for entry in submitted:
            post(f"{TIMESHEET}/entries/{entry['id']}/approve", approver, {"expected_version": 1})
        for d in days:
            expected[d.strftime("%Y-%m")] = expected.get(d.strftime("%Y-%m"), 0) + 240
        if end is not None:
            back, day, reason = end
            ended = {"end_date": (month_start(today, back) + timedelta(days=day - 1)).isoformat(), "reason": reason}
            post(f"{PLACEMENT}/placements/{p['id']}/end", consultant, ended)
    through = month_start(today, 1) - timedelta(days=1)
    # Every approval travels timesheet → Kafka → invoicing: a run before the last one arrived would state a month
    # without it (the rest would wait, late, for the next statement).
    for month, minutes in sorted(expected.items()):
        url = f"{INVOICING}/municipalities/{municipality_id}/co-financing-preview?month={month}"
        for _ in range(300):
            preview = httpx.get(url, headers=auth(finance), timeout=10)
            if preview.status_code == 200 and preview.json()["total_minutes"] == minutes:
                break
            time.sleep(0.2)
        else:
            raise SystemExit(f"demo data: invoicing did not accrue {minutes} minutes of {month}: {preview.text}")
    run = post(f"{INVOICING}/statement-runs", finance, {"through": through.isoformat()})
    drafts = run["statements"]
    assert isinstance(drafts, list)
    for draft in sorted(drafts, key=lambda d: str(d["period_start"])):
        post(f"{INVOICING}/statements/{draft['statement_id']}/issue", finance, {})
    return through.isoformat()


def close_pay_periods(today: date) -> str:
    """Closes the (monthly) pay periods of :data:`HISTORY`'s months, months back 4 to 2, so finance finds closed
    pay periods with their wage basis, and last month open to close (issue 13). Every employee must be known to
    invoicing first (placement's employee numbers travel through Kafka): a close before would block them.
    Returns the last day paid."""
    finance = token(Role.FINANCE)
    for back in (4, 3, 2):
        start = month_start(today, back).isoformat()
        for _ in range(300):
            preview = httpx.get(f"{INVOICING}/pay-periods/{start}", headers=auth(finance), timeout=10)
            body = preview.json()
            if preview.status_code == 200 and not (
                body["unnumbered"] or body["waiting_entries"] or body["totals"]["blocked_employees"]
            ):
                break
            time.sleep(0.2)
        else:
            raise SystemExit(f"demo data: the pay period from {start} is not ready to close: {preview.text[:300]}")
        post(f"{INVOICING}/pay-periods/{start}/close", finance, {})
    return (month_start(today, 1) - timedelta(days=1)).isoformat()


def instructions(ids: dict[str, str]) -> str:
    """Fresh tokens for the seeded records, and what to try with them."""
    company, municipality_id, month = ids["company"], ids["municipality"], ids["month"]
    week_end = ids.get("week_end", "<last Sunday>")  # a .stack seeded before the ledger lacks it
    last_month_end = ids.get("last_month_end", "<last day of last month>")  # seeded before issue 11: lacks it
    paid_through = ids.get("paid_through", "<last day of the month before last>")  # seeded before issue 13: lacks it
    last_month_start = last_month_end[:8] + "01"
    # Everyone the demo employed started within the five months before last month's end.
    employed_from = month_start(date.fromisoformat(last_month_end), 5) if "<" not in last_month_end else "<a date>"
    approver = token(Role.COMPANY_APPROVER, company_id=uuid.UUID(company), email=DEMO_APPROVER)
    municipality = token(Role.MUNICIPALITY, municipality_id=uuid.UUID(municipality_id))
    return f"""The approval portal: {ORIGIN}/portal/pending (log in at {ORIGIN}/auth/login as {DEMO_APPROVER};
the login link arrives in Mailpit, http://127.0.0.1:8025). Three days of Jonas Berg's hours are waiting.

The municipality's pages: {ORIGIN}/municipality/ (log in at {ORIGIN}/auth/login as {DEMO_MUNICIPALITY_USER}, the job
centre; the link arrives in Mailpit): progress against the target as of any date, with charts, and the issued
co-financing statements (PDF, CSV, Peppol XML). The same figures as JSON:
  curl -H "Authorization: Bearer $MUNICIPALITY" '{INVOICING}/municipalities/{municipality_id}/kpis?as_of=<a date>'

Demo tokens, valid {TOKEN_HOURS} hours (paste these lines into your shell):
  export CONSULTANT={token(Role.CONSULTANT)}
  export ADMIN={token(Role.ADMIN)}
  export APPROVER={approver}
  export MUNICIPALITY={municipality}
  export FINANCE={token(Role.FINANCE)}
Try:
  curl -H "Authorization: Bearer $APPROVER" '{TIMESHEET}/companies/{company}/entries?status=submitted'
  curl -H "Authorization: Bearer $ADMIN" '{INVOICING}/companies/{company}/invoice-preview?month={month}'
  curl -H "Authorization: Bearer $MUNICIPALITY" \\
    '{INVOICING}/municipalities/{municipality_id}/co-financing-preview?month={month}'
Close last week (Mette Jensen's approved hours become a draft invoice), then issue it:
  curl -X POST -H "Authorization: Bearer $FINANCE" -H 'content-type: application/json' \
    -d '{{"through": "{week_end}"}}' '{INVOICING}/closes'
  curl -H "Authorization: Bearer $FINANCE" '{INVOICING}/invoices?status=draft&company_id={company}'
  curl -X POST -H "Authorization: Bearer $FINANCE" '{INVOICING}/invoices/<id of the draft>/issue'
  curl -H "Authorization: Bearer $FINANCE" '{INVOICING}/reconciliation?through={week_end}'
The issued invoice goes to Stripe (stripe-mock behind the recording proxy) with our number within seconds;
see its Stripe state, payments and history, then play Stripe's part (stripe-mock sends no webhooks) or
record a bank transfer, and look at it as the company does ({ORIGIN}/portal/invoices) and as bookkeeping does:
  curl -H "Authorization: Bearer $FINANCE" '{INVOICING}/invoices/<id>'
  (set -a; . .stack/demo.env; uv run vikar-invoicing stripe-event invoice.paid <number, e.g. 2026-000001>)
  curl -X POST -H "Authorization: Bearer $FINANCE" -H 'content-type: application/json' \\
    -d '{{"amount_ore": 10000, "paid_on": "<today>", "payer_reference": "FIK 71 demo"}}' \\
    '{INVOICING}/invoices/<id>/payments'
  curl -H "Authorization: Bearer $FINANCE" '{INVOICING}/invoices/overdue'
  curl -H "Authorization: Bearer $FINANCE" '{INVOICING}/exports/bookkeeping.csv?from={week_end}&to=<today>'
Last month's co-financing statement for Aalborg Kommune (Mette Jensen's approved hours, by case number; Jonas
Berg was referred while the threshold was 52 weeks, so his hours are not co-financed):
draft it, issue it, then fetch its PDF and its Peppol BIS 3 e-invoice (validated by the official rules before it
is stored), and look at it as the municipality does:
  curl -X POST -H "Authorization: Bearer $FINANCE" -H 'content-type: application/json' \
    -d '{{"through": "{last_month_end}"}}' '{INVOICING}/statement-runs'
  curl -H "Authorization: Bearer $FINANCE" '{INVOICING}/statements?status=draft&municipality_id={municipality_id}'
  curl -X POST -H "Authorization: Bearer $FINANCE" '{INVOICING}/statements/<id of the draft>/issue'
  curl -o statement.pdf -H "Authorization: Bearer $FINANCE" '{INVOICING}/statements/<id>/statement.pdf'
  curl -H "Authorization: Bearer $MUNICIPALITY" '{INVOICING}/statements/<id>/peppol.xml'
  curl -H "Authorization: Bearer $FINANCE" '{INVOICING}/reconciliation?through={last_month_end}'
  (uv run vikar-invoicing peppol-validate <a saved peppol.xml> checks a file by the same official rules)
The pay side (finance): the pay periods through {paid_through} are closed; last month's is open. Preview it,
close it, download the wage basis for payroll (by employee number), see what each placement earns, and fetch
the new employees' CPR numbers through placement's one audited door (finance only):
  curl -H "Authorization: Bearer $FINANCE" '{INVOICING}/pay-periods'
  curl -H "Authorization: Bearer $FINANCE" '{INVOICING}/pay-periods/{last_month_start}'
  curl -X POST -H "Authorization: Bearer $FINANCE" '{INVOICING}/pay-periods/{last_month_start}/close'
  curl -H "Authorization: Bearer $FINANCE" '{INVOICING}/pay-periods/{last_month_start}/wage-basis.csv'
  curl -H "Authorization: Bearer $FINANCE" '{INVOICING}/economics?month={last_month_start[:7]}'
  curl -H "Authorization: Bearer $FINANCE" \
    '{PLACEMENT}/employees/cpr-export.csv?employed_from={employed_from}&employed_to={last_month_end}'
Notifications (issue 14). Issuing the invoice above mails its PDF to the company's billing contact (Mailpit);
finance registers a signed webhook for its finance system (the secret is shown once; demo mode wants https to a
public address); consultants set a company's reminder ladder (working days; deemed approval is opt-in), ask for
their weekly digest now, and see addresses that fail; admins keep the staff directory:
  curl -X POST -H "Authorization: Bearer $FINANCE" -H 'content-type: application/json' \
    -d '{{"url": "https://finance.example/hooks", "event_types": ["invoicing.invoice_issued"]}}' \
    '{NOTIFICATIONS}/webhook-endpoints'
  curl -X PUT -H "Authorization: Bearer $CONSULTANT" -H 'content-type: application/json' \
    -d '{{"reminder_working_days": 2, "follow_up_working_days": 4, "escalation_working_days": 6}}' \
    '{NOTIFICATIONS}/companies/{company}/reminder-settings'
  curl -X POST -H "Authorization: Bearer $CONSULTANT" -H 'content-type: application/json' -d '{{}}' \
    '{NOTIFICATIONS}/digests'
  curl -H "Authorization: Bearer $CONSULTANT" '{NOTIFICATIONS}/email-addresses?status=failing'
  curl -H "Authorization: Bearer $FINANCE" '{NOTIFICATIONS}/emails?kind=invoice_issued'
  curl -H "Authorization: Bearer $ADMIN" '{PLACEMENT}/staff'
"""


def main() -> None:
    if MARKER.exists():
        ids = json.loads(MARKER.read_text())
    else:
        ids = seed()
        MARKER.parent.mkdir(parents=True, exist_ok=True)
        MARKER.write_text(json.dumps(ids))
    print(instructions(ids))


if __name__ == "__main__":
    main()
