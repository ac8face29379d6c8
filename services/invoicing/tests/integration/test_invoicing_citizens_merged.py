"""One person, two citizen ids (issue 6, item 7): ``placement.citizens_merged`` moves the merged id's
placement and lines to the kept id, so a co-financing statement counts the person once; a placement
still carrying the merged id, arriving after the merge, is accrued under the kept id."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from vikar_shared.auth import Role
from vikar_shared.events.placement import CitizensMerged
from vikar_shared.testing.plugin import bearer, publish_events

AALBORG = uuid.UUID("00000000-0000-4000-8000-0000000000a2")
BAGER = uuid.UUID("00000000-0000-4000-8000-0000000000c2")
KIOSK = uuid.UUID("00000000-0000-4000-8000-0000000000c3")
LINES = "select (select count(*) from billable_lines) + (select count(*) from co_financing_lines)"


async def _merge(invoicing: Any, kept: uuid.UUID, merged: uuid.UUID) -> uuid.UUID:
    """Publishes the merge as placement's repair does (keyed by the kept citizen); waits until handled."""
    event = CitizensMerged(kept_citizen_id=kept, merged_citizen_id=merged, merged_at=datetime.now(UTC))
    [envelope] = await publish_events(invoicing.kafka, invoicing.namespace, [(event, kept)])
    await invoicing.wait_for_count(
        "select count(*) from inbox where event_id = $1", envelope.id, expected=1, what="citizens merged"
    )
    return envelope.id


async def _statement(invoicing: Any) -> dict[str, Any]:
    response = await invoicing.client.get(
        f"/municipalities/{AALBORG}/co-financing-preview",
        params={"month": "2026-11"},
        headers=bearer(Role.MUNICIPALITY, municipality_id=AALBORG),
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _rows_with(invoicing: Any, citizen_id: uuid.UUID) -> int:
    return int(
        await invoicing.count(
            """select (select count(*) from placements where citizen_id = $1)
                    + (select count(*) from billable_lines where citizen_id = $1)
                    + (select count(*) from co_financing_lines where citizen_id = $1)""",
            citizen_id,
        )
    )


async def test_a_merge_counts_the_person_once_among_a_statements_unique_citizens(invoicing: Any, build: Any) -> None:
    first = build.placement(company_id=BAGER, municipality_id=AALBORG, citizen_name="Mette Jensen", bill_rate=18_000)
    # The same person, stored a second time by placement before the fix, placed at another company.
    second = build.placement(company_id=KIOSK, municipality_id=AALBORG, citizen_name="Mette Holm", bill_rate=15_000)
    other = build.placement(company_id=KIOSK, municipality_id=AALBORG, citizen_name="Ole Hansen", bill_rate=15_000)
    await invoicing.publish_placement_events(build.terms(AALBORG, date(2026, 1, 1), 10_000), first, second, other)
    await invoicing.wait_for_count("select count(*) from placements", expected=3, what="placements read model")
    await invoicing.publish_approvals(
        build.approval(first, date(2026, 11, 3), 60),
        build.approval(second, date(2026, 11, 4), 90),
        build.approval(other, date(2026, 11, 4), 30),
    )
    await invoicing.wait_for_count(LINES, expected=6, what="three billable and three co-financing lines")
    before = await _statement(invoicing)
    assert before["unique_citizens"] == 3

    event_id = await _merge(invoicing, first.citizen_id, second.citizen_id)

    after = await _statement(invoicing)
    assert [(c["citizen_id"], c["citizen_name"], c["minutes"], c["amount_ore"]) for c in after["citizens"]] == [
        (str(first.citizen_id), "Mette Holm", 150, 25_000),
        (str(other.citizen_id), "Ole Hansen", 30, 5_000),
    ]
    assert (after["unique_citizens"], after["total_minutes"], after["total_ore"]) == (2, 180, 30_000)
    assert (before["total_minutes"], before["total_ore"]) == (180, 30_000)
    assert await _rows_with(invoicing, second.citizen_id) == 0
    assert await _rows_with(invoicing, first.citizen_id) == 6  # two placements, two billable, two co-financing
    # The amounts and names on the lines are kept as accrued.
    billed = await invoicing.pool.fetch(
        "select citizen_name, amount_ore from billable_lines where citizen_id = $1 order by work_date", first.citizen_id
    )
    assert [(b["citizen_name"], b["amount_ore"]) for b in billed] == [("Mette Jensen", 18_000), ("Mette Holm", 22_500)]

    # Delivered again under a new event id (a replay): nothing changes.
    await _merge(invoicing, first.citizen_id, second.citizen_id)
    aliases = await invoicing.pool.fetch("select merged_citizen_id, kept_citizen_id, event_id from citizen_aliases")
    assert [(a["merged_citizen_id"], a["kept_citizen_id"], a["event_id"]) for a in aliases] == [
        (second.citizen_id, first.citizen_id, event_id)
    ]
    assert (await _statement(invoicing))["citizens"] == after["citizens"]
    assert await invoicing.count(LINES) == 6


async def test_a_placement_with_the_merged_id_arriving_after_the_merge_is_accrued_under_the_kept_id(
    invoicing: Any, build: Any
) -> None:
    first = build.placement(company_id=BAGER, municipality_id=AALBORG, citizen_name="Mette Jensen", bill_rate=18_000)
    late = build.placement(company_id=KIOSK, municipality_id=AALBORG, citizen_name="Mette Holm", bill_rate=15_000)
    await invoicing.publish_placement_events(build.terms(AALBORG, date(2026, 1, 1), 10_000), first)
    await invoicing.wait_for_count("select count(*) from placements", expected=1, what="placements read model")
    await _merge(invoicing, first.citizen_id, late.citizen_id)

    # Published by placement before the merge, delivered after it; its approval even before it.
    await invoicing.publish_approvals(
        build.approval(first, date(2026, 11, 3), 60), build.approval(late, date(2026, 11, 4), 90)
    )
    await invoicing.publish_placement_events(late)
    await invoicing.wait_for_count(LINES, expected=4, what="two billable and two co-financing lines")

    statement = await _statement(invoicing)
    assert [(c["citizen_id"], c["minutes"]) for c in statement["citizens"]] == [(str(first.citizen_id), 150)]
    assert statement["unique_citizens"] == 1
    assert await _rows_with(invoicing, late.citizen_id) == 0
