"""GET /emails and /emails/{id}: admins only (issue 14: finance the invoicing mails in the list); others 403, no token 401; problems for bad input."""

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
            # Issue 14 (part B): finance reads the log of the invoicing parties' mails (GET /emails), not one mail.
            finance = (await client.get(path, headers=bearer(Role.FINANCE))).status_code
            assert finance == (200 if path == "/emails" else 403)
            approver = bearer(Role.COMPANY_APPROVER, company_id=uuid.uuid4())
            assert (await client.get(path, headers=approver)).status_code == 403
        denied = await client.get("/emails", headers=bearer(Role.CONSULTANT))
        assert denied.headers["content-type"] == "application/problem+json"
        assert (await client.get("/emails", headers=bearer(Role.ADMIN))).json() == {"items": []}


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
