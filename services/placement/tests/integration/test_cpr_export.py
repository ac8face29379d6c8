"""Issue 13 (part A): the CPR export, the one door a CPR number leaves placement by. Finance only (every other role
403, admin too), every download audited in its transaction with the range, the employee numbers and the row
count (never the CPR number); bad ranges are 422 with nothing written; no CPR number in the outbox or the logs."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest

from vikar_shared.auth import Role
from vikar_shared.testing.plugin import bearer

Api = Any  # conftest.Api
Hiring = Any  # conftest.Hiring
World = Any  # conftest.World
CONSULTANT = bearer(Role.CONSULTANT, sub="anna")
FINANCE = bearer(Role.FINANCE, sub="fie")
URL = "/employees/cpr-export.csv"
NOVEMBER = {"employed_from": "2026-11-01", "employed_to": "2026-11-30"}
NAMES = ("Mette Jensen", "Ole Hansen", "Sara Lund")


@pytest.fixture
async def api(serve_placement: Any) -> AsyncIterator[Api]:
    async with serve_placement(date(2026, 11, 30)) as running:
        yield running


async def _employed(api: Api, hiring: Hiring) -> World:
    """Mette employed 1 November (1001), Ole 30 November (1002, then a second placement), Sara 1 December (1003)."""
    w = await hiring.world(api.client, NAMES)
    await hiring.place(api, w, "Mette Jensen", "2026-11-01")
    await hiring.place(api, w, "Ole Hansen", "2026-11-30")
    await hiring.place(api, w, "Ole Hansen", "2026-10-15", company=1)
    await hiring.place(api, w, "Sara Lund", "2026-12-01")
    return w


async def _audits(api: Api) -> list[dict[str, Any]]:
    rows = await api.sql(
        "select actor, subject, details::text as details from audit_log where action = 'employees.cpr_exported' "
        "order by id"
    )
    return [{"actor": r["actor"], "subject": r["subject"], "details": json.loads(r["details"])} for r in rows]


async def test_finance_downloads_the_newly_employed_with_their_cpr_and_each_download_is_audited(
    hiring: Hiring, api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    w = await _employed(api, hiring)

    r = await api.client.get(URL, headers=FINANCE, params=NOVEMBER)

    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["content-disposition"] == 'attachment; filename="nyansatte-2026-11-01-2026-11-30.csv"'
    assert (
        r.content
        == (
            "\ufeffMedarbejdernummer;Navn;CPR-nummer;Ansat fra\r\n"
            "1001;Mette Jensen;010190-1234;01-11-2026\r\n"
            "1002;Ole Hansen;150285-2345;30-11-2026\r\n"
        ).encode()
    )
    assert await _audits(api) == [
        {
            "actor": "fie",
            "subject": "employees",
            "details": {
                "employed_from": "2026-11-01",
                "employed_to": "2026-11-30",
                "employee_numbers": [1001, 1002],
                "rows": 2,
            },
        }
    ]

    # A re-download is a download: audited again. A range with nobody in it is audited too.
    again = await api.client.get(
        URL, headers=FINANCE, params={"employed_from": "2026-11-01", "employed_to": "2026-12-31"}
    )
    assert again.status_code == 200, again.text
    assert again.text.count("\r\n") == 4 and "1003;Sara Lund;230477-3456;01-12-2026" in again.text
    empty = await api.client.get(
        URL, headers=FINANCE, params={"employed_from": "2025-01-01", "employed_to": "2025-12-31"}
    )
    assert empty.content == "\ufeffMedarbejdernummer;Navn;CPR-nummer;Ansat fra\r\n".encode()
    audits = await _audits(api)
    assert [(a["details"]["employee_numbers"], a["details"]["rows"]) for a in audits] == [
        ([1001, 1002], 2),
        ([1001, 1002, 1003], 3),
        ([], 0),
    ]

    # The CPR numbers left through the file alone: not in the audit log, the outbox or the logs.
    hiring.assert_no_cpr(" ".join(r["t"] for r in await api.sql("select details::text as t from audit_log")))
    hiring.assert_no_cpr(" ".join(r["t"] for r in await api.sql("select envelope::text as t from outbox")))
    assert caplog.records, "the logs were captured"
    hiring.assert_no_cpr(caplog.text)
    assert w.citizens


async def test_a_name_that_starts_like_a_formula_is_exported_as_text(hiring: Hiring, api: Api) -> None:
    w = await hiring.world(api.client, ("Mette Jensen",))
    await hiring.place(api, w, "Mette Jensen", "2026-11-02")
    await api.sql('update citizens set name = \'=HYPERLINK("x";"y")\'')

    r = await api.client.get(URL, headers=FINANCE, params=NOVEMBER)

    assert r.status_code == 200, r.text
    assert r.text.splitlines()[1] == '1001;"\'=HYPERLINK(""x"";""y"")";010190-1234;02-11-2026'


@pytest.mark.parametrize(
    "who",
    [
        bearer(Role.ADMIN, sub="admin-1"),
        CONSULTANT,
        bearer(Role.COMPANY_APPROVER, company_id=uuid.uuid4()),
        bearer(Role.MUNICIPALITY, municipality_id=uuid.uuid4()),
    ],
    ids=["admin", "consultant", "company_approver", "municipality"],
)
async def test_every_role_but_finance_is_refused_and_nothing_is_audited(
    hiring: Hiring, api: Api, who: dict[str, str]
) -> None:
    await _employed(api, hiring)
    before = await api.sql("select count(*) as n from audit_log")

    r = await api.client.get(URL, headers=who, params=NOVEMBER)

    assert r.status_code == 403, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "forbidden"
    hiring.assert_no_cpr(r.text)
    assert "Mette" not in r.text
    assert await api.sql("select count(*) as n from audit_log") == before
    assert (await api.client.get(URL, params=NOVEMBER)).status_code == 401


@pytest.mark.parametrize(
    ("params", "field", "rule"),
    [
        ({"employed_from": "2026-11-31", "employed_to": "2026-12-31"}, "employed_from", "date-format"),
        ({"employed_from": "2026-11-01", "employed_to": "30-11-2026"}, "employed_to", "date-format"),
        ({"employed_from": "2026-11-01", "employed_to": "2026-10-31"}, "employed_to", "range-reversed"),
        ({"employed_from": "2026-01-01", "employed_to": "2027-01-02"}, "employed_to", "range-too-long"),
        ({"employed_from": "2026-11-01"}, "employed_to", "missing"),
    ],
)
async def test_a_bad_range_is_a_422_and_writes_nothing(
    hiring: Hiring, api: Api, params: dict[str, str], field: str, rule: str
) -> None:
    await _employed(api, hiring)
    before = (await api.sql("select count(*) as n from audit_log"))[0]["n"]

    r = await api.client.get(URL, headers=FINANCE, params=params)

    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert [(e["field"], e["rule"]) for e in r.json()["errors"]] == [(field, rule)], r.json()
    hiring.assert_no_cpr(r.text)
    assert (await api.sql("select count(*) as n from audit_log"))[0]["n"] == before


async def test_a_leap_year_fits_in_one_export(hiring: Hiring, api: Api) -> None:
    await _employed(api, hiring)
    leap = await api.client.get(
        URL, headers=FINANCE, params={"employed_from": "2028-01-01", "employed_to": "2028-12-31"}
    )
    assert leap.status_code == 200, leap.text
    days_366 = await api.client.get(
        URL, headers=FINANCE, params={"employed_from": "2026-01-01", "employed_to": "2027-01-01"}
    )
    assert days_366.status_code == 200, days_366.text
