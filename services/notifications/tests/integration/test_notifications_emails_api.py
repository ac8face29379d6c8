"""GET /emails and /emails/{id}: admins; finance the invoicing parties' mails only (issue 14; another mail is 404 to
finance); others 403, no token 401; problems for bad input."""

from __future__ import annotations

import uuid
from typing import Any

from notifications.app import create_app
from vikar_shared.auth.principal import Role
from vikar_shared.testing.plugin import bearer, serve_in_process


async def test_emails_are_for_admins_only(make_settings: Any) -> None:
    app = create_app(await make_settings())
    async with serve_in_process(app) as client:
        for path in ("/emails", "/emails/1"):
            assert (await client.get(path)).status_code == 401
            assert (await client.get(path, headers=bearer(Role.CONSULTANT))).status_code == 403
            # Issue 14: finance reads the invoicing parties' mails, as a list and one by one (none here: 404).
            finance = (await client.get(path, headers=bearer(Role.FINANCE))).status_code
            assert finance == (200 if path == "/emails" else 404)
            approver = bearer(Role.COMPANY_APPROVER, company_id=uuid.uuid4())
            assert (await client.get(path, headers=approver)).status_code == 403
        denied = await client.get("/emails", headers=bearer(Role.CONSULTANT))
        assert denied.headers["content-type"] == "application/problem+json"
        assert (await client.get("/emails", headers=bearer(Role.ADMIN))).json() == {"items": []}
        # One invoice mail and one approval mail: finance reads the first and is told the second is not there.
        ids = {}
        for kind in ("invoice_issued", "hours_submitted"):
            ids[kind] = await app.state.pool.fetchval(
                """insert into outgoing_emails (kind, event_id, recipient, recipient_name, subject, body, message_id)
                   values ($1, $2, 'bogholderi@bager.example', 'Hanne', 'Emne', 'Tekst', $3) returning id""",
                kind,
                uuid.uuid4(),
                f"<{uuid.uuid4()}@vikarmodel.dk>",
            )
        finance = bearer(Role.FINANCE)
        invoice_mail = await client.get(f"/emails/{ids['invoice_issued']}", headers=finance)
        assert invoice_mail.status_code == 200 and invoice_mail.json()["kind"] == "invoice_issued"
        approval_mail = await client.get(f"/emails/{ids['hours_submitted']}", headers=finance)
        assert (approval_mail.status_code, approval_mail.json()["code"]) == (404, "email-not-found")
        assert (await client.get(f"/emails/{ids['hours_submitted']}", headers=bearer(Role.ADMIN))).status_code == 200


async def test_bad_status_unknown_and_out_of_range_ids_are_4xx_problems(make_settings: Any) -> None:
    app = create_app(await make_settings())
    admin = bearer(Role.ADMIN)
    async with serve_in_process(app) as client:
        bad_status = await client.get("/emails", params={"status": "lost"}, headers=admin)
        assert bad_status.status_code == 422
        assert bad_status.json()["errors"][0]["field"] == "status"
        missing = await client.get("/emails/123456", headers=admin)
        assert missing.status_code == 404
        assert missing.json()["code"] == "email-not-found"
        for bad_id, rule in (
            ("0", "email-id-range"),
            ("-1", "email-id-format"),
            (str(2**63), "email-id-range"),
            ("abc", "email-id-format"),
            ("123456.0", "email-id-format"),  # a whole number is written in digits only
            ("+123456", "email-id-format"),
        ):
            r = await client.get(f"/emails/{bad_id}", headers=admin)
            assert r.status_code == 422, r.text
            assert [(e["field"], e["rule"]) for e in r.json()["errors"]] == [("email_id", rule)], r.text
