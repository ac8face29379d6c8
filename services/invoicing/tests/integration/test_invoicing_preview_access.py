"""Who may see which preview (404 for other companies and municipalities), 401 without a token, 422 bad month."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from vikar_shared.auth import Role
from vikar_shared.testing.plugin import bearer

AALBORG = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
HJORRING = uuid.UUID("00000000-0000-4000-8000-0000000000a2")
BAGER = uuid.UUID("00000000-0000-4000-8000-0000000000c1")
SMED = uuid.UUID("00000000-0000-4000-8000-0000000000c2")
MONTH = {"month": "2026-11"}


@pytest.fixture
async def two_of_each(invoicing: Any, build: Any) -> Any:
    """Two municipalities with terms and two companies with a placement each, read models in place."""
    await invoicing.publish_placement_events(
        build.terms(AALBORG, date(2026, 1, 1), 10_000, name="Aalborg"),
        build.terms(HJORRING, date(2026, 1, 1), 9_000, name="Hjørring"),
        build.placement(company_id=BAGER, municipality_id=AALBORG, citizen_name="Anna Jensen", bill_rate=17_999),
        build.placement(company_id=SMED, municipality_id=HJORRING, citizen_name="Bo Nielsen", bill_rate=12_345),
    )
    await invoicing.wait_for_count("select count(*) from placements", expected=2, what="placements read model")
    await invoicing.wait_for_count("select count(*) from municipality_terms", expected=2, what="terms read model")
    return invoicing


def _invoice(company_id: uuid.UUID) -> str:
    return f"/companies/{company_id}/invoice-preview"


def _statement(municipality_id: uuid.UUID) -> str:
    return f"/municipalities/{municipality_id}/co-financing-preview"


@pytest.mark.parametrize("role", [Role.FINANCE, Role.ADMIN, Role.CONSULTANT])
async def test_agency_staff_see_every_preview(two_of_each: Any, role: Role) -> None:
    for path in (_invoice(BAGER), _invoice(SMED), _statement(AALBORG), _statement(HJORRING)):
        response = await two_of_each.client.get(path, params=MONTH, headers=bearer(role))
        assert response.status_code == 200, (path, response.text)


async def test_company_approver_sees_own_invoice_preview_and_gets_404_for_another_company(two_of_each: Any) -> None:
    own = await two_of_each.client.get(
        _invoice(BAGER), params=MONTH, headers=bearer(Role.COMPANY_APPROVER, company_id=BAGER)
    )
    assert own.status_code == 200
    assert own.json()["company_id"] == str(BAGER)
    other = await two_of_each.client.get(
        _invoice(SMED), params=MONTH, headers=bearer(Role.COMPANY_APPROVER, company_id=BAGER)
    )
    assert other.status_code == 404
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["code"] == "company-not-found"


async def test_company_approver_gets_404_for_a_co_financing_preview(two_of_each: Any) -> None:
    response = await two_of_each.client.get(
        _statement(AALBORG), params=MONTH, headers=bearer(Role.COMPANY_APPROVER, company_id=BAGER)
    )
    assert response.status_code == 404
    assert response.json()["code"] == "municipality-not-found"


async def test_municipality_user_sees_own_statement_and_gets_404_for_another_municipality(two_of_each: Any) -> None:
    own = await two_of_each.client.get(
        _statement(AALBORG), params=MONTH, headers=bearer(Role.MUNICIPALITY, municipality_id=AALBORG)
    )
    assert own.status_code == 200
    assert own.json()["municipality_name"] == "Aalborg"
    other = await two_of_each.client.get(
        _statement(HJORRING), params=MONTH, headers=bearer(Role.MUNICIPALITY, municipality_id=AALBORG)
    )
    assert other.status_code == 404
    assert other.json()["code"] == "municipality-not-found"


async def test_municipality_user_gets_404_for_a_company_invoice_preview(two_of_each: Any) -> None:
    response = await two_of_each.client.get(
        _invoice(BAGER), params=MONTH, headers=bearer(Role.MUNICIPALITY, municipality_id=AALBORG)
    )
    assert response.status_code == 404
    assert response.json()["code"] == "company-not-found"


async def test_unknown_company_and_municipality_are_404_even_for_staff(two_of_each: Any) -> None:
    nobody = uuid.uuid4()
    for path in (_invoice(nobody), _statement(nobody)):
        response = await two_of_each.client.get(path, params=MONTH, headers=bearer(Role.FINANCE))
        assert response.status_code == 404, path


@pytest.mark.parametrize("path", [_invoice(BAGER), _statement(AALBORG)])
async def test_no_token_is_401(two_of_each: Any, path: str) -> None:
    response = await two_of_each.client.get(path, params=MONTH)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["code"] == "unauthenticated"


@pytest.mark.parametrize("path", [_invoice(BAGER), _statement(AALBORG)])
@pytest.mark.parametrize("month", ["2026-13", "abc", "2026-00", "2026-1"])
async def test_bad_month_is_422_naming_month(two_of_each: Any, path: str, month: str) -> None:
    response = await two_of_each.client.get(path, params={"month": month}, headers=bearer(Role.FINANCE))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {
            "field": "month",
            "rule": "month-format",
            "message": "month must be a calendar month written YYYY-MM, e.g. 2026-11",
        }
    ]


@pytest.mark.parametrize("path", [_invoice(BAGER), _statement(AALBORG)])
async def test_missing_month_is_422_naming_month(two_of_each: Any, path: str) -> None:
    response = await two_of_each.client.get(path, headers=bearer(Role.FINANCE))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["month"]


async def test_an_id_that_is_not_a_uuid_is_422_naming_it(two_of_each: Any) -> None:
    response = await two_of_each.client.get(
        "/companies/not-a-uuid/invoice-preview", params=MONTH, headers=bearer(Role.FINANCE)
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["company_id"]


@pytest.mark.parametrize("path", [_invoice(BAGER), _statement(AALBORG)])
@pytest.mark.parametrize("month", ["9999-12", "1999-12", "2101-01"])
async def test_a_month_outside_2000_to_2100_is_422_naming_month_not_500(
    two_of_each: Any, path: str, month: str
) -> None:
    response = await two_of_each.client.get(path, params={"month": month}, headers=bearer(Role.FINANCE))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [("month", "month-out-of-range")]


@pytest.mark.parametrize("path", [_invoice(BAGER), _statement(AALBORG)])
async def test_a_month_with_a_nul_or_foreign_digits_is_422_and_full_width_digits_are_the_same_month(
    two_of_each: Any, path: str
) -> None:
    for month in ("2026-1\x001", "٢٠٢٦-11"):
        bad = await two_of_each.client.get(path, params={"month": month}, headers=bearer(Role.FINANCE))
        assert bad.status_code == 422, bad.text
        assert [(e["field"], e["rule"]) for e in bad.json()["errors"]] == [("month", "month-format")]
    wide = await two_of_each.client.get(path, params={"month": "２０２６-１１"}, headers=bearer(Role.FINANCE))
    assert (wide.status_code, wide.json()["month"]) == (200, "2026-11")


async def test_a_token_whose_sub_holds_a_nul_is_401(two_of_each: Any) -> None:
    response = await two_of_each.client.get(_invoice(BAGER), params=MONTH, headers=bearer(Role.FINANCE, sub="f\x00ie"))
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
