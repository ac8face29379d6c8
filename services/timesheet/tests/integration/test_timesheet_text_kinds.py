"""Issue 6 (items 3, 7, 8, 2), second round in timesheet: a reason that shows nothing or reorders itself,
token dates that are not numbers, an empty Idempotency-Key, and approvers' addresses in one ASCII form."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from timesheet.companies.models import normalised_email
from vikar_shared.auth.principal import Role
from vikar_shared.events.placement import Approver, CompanyUpdated
from vikar_shared.testing.plugin import bearer_with_claims
from vikar_shared.testing.problems import field_errors

if TYPE_CHECKING:
    from conftest import Harness


@pytest.mark.parametrize(
    ("reason", "rule"),
    [
        ("\u200b", "not-blank"),
        ("\ufeff", "not-blank"),
        ("\u200b\u200b\u200b", "not-blank"),
        ("Syg\u202e den dag", "text-bidi-control"),
    ],
)
async def test_a_reason_that_shows_nothing_or_reorders_itself_is_422(
    timesheet: Harness, reason: str, rule: str
) -> None:
    h = timesheet
    entry = await h.entry_for(2, 60)
    response = await h.client.post(
        f"/entries/{entry['id']}/reject",
        json={"reason": reason, "expected_version": entry["version"]},
        headers=h.approver,
    )
    assert response.status_code == 422, response.text
    assert field_errors(response) == [("reason", rule)]
    assert (await h.get(entry["id"]))["status"] == "submitted"


@pytest.mark.parametrize(
    "claims",
    [{"exp": str(int(datetime.now(UTC).timestamp()) + 3600)}, {"iat": str(int(datetime.now(UTC).timestamp()))}],
    ids=["exp-string", "iat-string"],
)
async def test_a_token_whose_dates_are_strings_is_401_claim_invalid(
    timesheet: Harness, claims: dict[str, object]
) -> None:
    h = timesheet
    path = f"/companies/{h.placement.company_id}/pending"
    company = str(h.placement.company_id)
    ok = await h.client.get(path, headers=bearer_with_claims(Role.COMPANY_APPROVER, company_id=company))
    assert ok.status_code == 200, ok.text
    response = await h.client.get(path, headers=bearer_with_claims(Role.COMPANY_APPROVER, company_id=company, **claims))
    assert response.status_code == 401, response.text
    assert field_errors(response) == [("Authorization", "claim-invalid")]


async def test_an_empty_idempotency_key_is_422_and_nothing_is_stored(timesheet: Harness) -> None:
    h = timesheet
    response = await h.submit([{"work_date": h.day(2), "minutes": 60}], headers=h.consultant | {"Idempotency-Key": ""})
    assert response.status_code == 422, response.text
    assert field_errors(response) == [("Idempotency-Key", "idempotency-key-invalid")]
    assert await h.pool.fetchval("select count(*) from entries") == 0


async def test_full_width_and_ascii_addresses_are_one_approver_in_the_read_model(timesheet: Harness) -> None:
    h = timesheet
    company = h.placement.company_id
    event = CompanyUpdated(
        company_id=company,
        name="Bager Hansen",
        cvr="10150817",
        approvers=[Approver(email="ａｐｐｒ@example.com", name="A"), Approver(email="Appr@Example.com", name="B")],
        billing_period="monthly",
        payment_terms_days=30,
    )
    await h.publish_and_wait([(event, company)], what="CompanyUpdated")
    rows = await h.pool.fetch("select email, name from company_approvers where company_id = $1", company)
    assert [(r["email"], r["name"]) for r in rows] == [("appr@example.com", "A")]


def test_a_session_address_in_full_width_finds_the_ascii_approver() -> None:
    # The portal compares the page session's address with the read model's in this form (portal.service).
    assert normalised_email(" ａｐｐｒ＠Example.com ") == "appr@example.com"
    assert normalised_email("a@bæk.dk") == "a@xn--bk-1ia.dk"
