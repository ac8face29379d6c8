"""The read model of companies and their approvers, from CompanyRegistered and CompanyUpdated."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from vikar_shared.events.placement import Approver, CompanyRegistered, CompanyUpdated

if TYPE_CHECKING:
    from conftest import Harness


def _registered(company_id: uuid.UUID, name: str, approvers: list[tuple[str, str]]) -> CompanyRegistered:
    return CompanyRegistered(
        company_id=company_id,
        name=name,
        cvr="12345678",
        approvers=[Approver(email=e, name=n) for e, n in approvers],
    )


def _updated(company_id: uuid.UUID, name: str, approvers: list[tuple[str, str]]) -> CompanyUpdated:
    return CompanyUpdated(
        company_id=company_id,
        name=name,
        cvr="12345678",
        approvers=[Approver(email=e, name=n) for e, n in approvers],
    )


async def _approvers(h: Harness, company_id: uuid.UUID) -> list[tuple[str, str]]:
    rows = await h.pool.fetch(
        "select email, name from company_approvers where company_id = $1 order by email", company_id
    )
    return [(r["email"], r["name"]) for r in rows]


async def test_a_registered_company_is_stored_with_its_approvers_lower_cased_once_each(timesheet: Harness) -> None:
    h = timesheet
    company_id = h.placement.company_id
    event = _registered(
        company_id,
        "Bageriet ApS",
        [(" Bo@Bageriet.DK ", "Bo Hansen"), ("bo@bageriet.dk", "Bo again"), ("lis@bageriet.dk", "Lis"), ("  ", "x")],
    )

    await h.publish_and_wait([(event, company_id)], what="CompanyRegistered")

    assert await h.pool.fetchval("select name from companies where company_id = $1", company_id) == "Bageriet ApS"
    assert await _approvers(h, company_id) == [("bo@bageriet.dk", "Bo Hansen"), ("lis@bageriet.dk", "Lis")]
    queue = await h.client.get(f"/companies/{company_id}/pending", headers=h.approver)
    assert queue.json()["company_name"] == "Bageriet ApS"


async def test_company_updated_replaces_the_name_and_the_whole_approver_list(timesheet: Harness) -> None:
    h = timesheet
    company_id = h.placement.company_id
    other = uuid.uuid4()
    await h.publish_and_wait(
        [
            (_registered(company_id, "Bageriet", [("bo@b.dk", "Bo"), ("lis@b.dk", "Lis")]), company_id),
            (_registered(other, "Other", [("eve@o.dk", "Eve")]), other),
        ],
        what="two companies",
    )

    await h.publish_and_wait(
        [(_updated(company_id, "Bageriet ApS", [("lis@b.dk", "Lis Berg"), ("mia@b.dk", "Mia")]), company_id)],
        what="CompanyUpdated",
    )

    assert await h.pool.fetchval("select name from companies where company_id = $1", company_id) == "Bageriet ApS"
    assert await _approvers(h, company_id) == [("lis@b.dk", "Lis Berg"), ("mia@b.dk", "Mia")]
    assert await _approvers(h, other) == [("eve@o.dk", "Eve")]


async def test_an_older_company_event_replayed_late_does_not_undo_a_newer_one(timesheet: Harness) -> None:
    h = timesheet
    company_id = h.placement.company_id
    now = datetime.now(UTC)

    await h.publish_and_wait(
        [
            (_updated(company_id, "Bageriet ApS", [("mia@b.dk", "Mia")]), company_id),
            (_registered(company_id, "Bageriet", [("bo@b.dk", "Bo")]), company_id),
        ],
        what="update, then the older registration",
        occurred_at=[now, now - timedelta(minutes=5)],
    )

    assert await h.pool.fetchval("select name from companies where company_id = $1", company_id) == "Bageriet ApS"
    assert await _approvers(h, company_id) == [("mia@b.dk", "Mia")]
