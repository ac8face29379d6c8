"""One person, two citizen ids (issue 6, item 7): ``placement.citizens_merged`` moves the merged id's
placements and entries to the kept id, so the 12-hour day counts both former identities together; an
event that still carries the merged id, arriving later, is stored under the kept id."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import asyncpg

from timesheet.citizens.handlers import on_citizens_merged
from vikar_shared.events.envelope import Envelope
from vikar_shared.events.placement import CitizensMerged, PlacementStatusChanged
from vikar_shared.messaging.kafka import make_producer
from vikar_shared.testing.plugin import wait_until

if TYPE_CHECKING:
    from conftest import Harness


def merged(kept: uuid.UUID, merged: uuid.UUID) -> tuple[CitizensMerged, uuid.UUID]:
    """The event as placement's repair publishes it: keyed by the kept citizen."""
    return CitizensMerged(kept_citizen_id=kept, merged_citizen_id=merged, merged_at=datetime.now(UTC)), kept


async def _citizens_of(h: Harness, table: str, placement_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    rows = await h.pool.fetch(f"select citizen_id from {table} where placement_id = any($1::uuid[])", placement_ids)
    return {r["citizen_id"] for r in rows}


async def _rows_with(h: Harness, citizen_id: uuid.UUID) -> int:
    total = await h.pool.fetchval(
        """select (select count(*) from placements where citizen_id = $1)
                + (select count(*) from entries where citizen_id = $1)""",
        citizen_id,
    )
    return int(total)


async def test_the_twelve_hour_day_counts_both_former_identities_after_the_merge(timesheet: Harness) -> None:
    h = timesheet
    kept = h.placement.citizen_id
    twin = uuid.uuid4()  # the same person, stored a second time by placement before the fix
    other_company = await h.placement_for(citizen_id=twin)
    same_company_later = await h.placement_for(citizen_id=twin, company_id=uuid.uuid4())

    # Before the merge the two identities each get 12 hours of the same day: 16 hours for one person.
    before = [
        await h.submit([{"work_date": h.day(4), "minutes": 480}]),
        await h.submit([{"work_date": h.day(4), "minutes": 480}], placement_id=other_company.placement_id),
    ]
    assert [r.status_code for r in before] == [201, 201]

    await h.publish_and_wait([merged(kept, twin)], what="citizens merged")

    placements = [h.placement.placement_id, other_company.placement_id, same_company_later.placement_id]
    assert await _citizens_of(h, "placements", placements) == {kept}
    assert await _citizens_of(h, "entries", placements) == {kept}
    assert await _rows_with(h, twin) == 0
    alias = await h.pool.fetchrow(
        "select kept_citizen_id, event_id from citizen_aliases where merged_citizen_id = $1", twin
    )
    assert alias is not None and alias["kept_citizen_id"] == kept

    # Now one person: 8 hours through the first identity's placement leave 4 for the second's.
    first = await h.submit([{"work_date": h.day(2), "minutes": 480}])
    over = await h.submit([{"work_date": h.day(2), "minutes": 255}], placement_id=other_company.placement_id)
    fits = await h.submit([{"work_date": h.day(2), "minutes": 240}], placement_id=same_company_later.placement_id)
    assert (first.status_code, over.status_code, fits.status_code) == (201, 422, 201), over.text
    assert [(e["field"], e["rule"]) for e in over.json()["errors"]] == [
        ("entries.0.minutes", "citizen-day-over-12-hours")
    ]
    # The day that got 16 hours before the merge takes nothing more.
    more = await h.submit([{"work_date": h.day(4), "minutes": 15}], placement_id=same_company_later.placement_id)
    assert more.status_code == 422, more.text


async def test_a_duplicate_delivery_of_the_merge_changes_nothing(timesheet: Harness) -> None:
    h = timesheet
    kept, twin = h.placement.citizen_id, uuid.uuid4()
    twins_placement = await h.placement_for(citizen_id=twin)
    await h.entry_for(1, 120, placement=twins_placement)
    event, key = merged(kept, twin)
    envelope = Envelope.wrap(event, source="placement", subject=key)
    sentinel, _ = merged(kept, uuid.uuid4())
    sentinel_envelope = Envelope.wrap(sentinel, source="placement", subject=key)

    # The same record twice (a redelivery), the same merge under a new event id (a replay), then a
    # sentinel on the same partition: once it is handled, the three before it are too.
    producer = make_producer(h.kafka, "test-publisher")
    await producer.start()
    try:
        again = Envelope.wrap(event, source="placement", subject=key)
        for each in (envelope, envelope, again, sentinel_envelope):
            await producer.send_and_wait(
                h.namespace + event.topic, value=each.model_dump_json().encode(), key=str(key).encode()
            )
    finally:
        await producer.stop()

    async def sentinel_handled() -> bool:
        return bool(await h.pool.fetchval("select count(*) from inbox where event_id = $1", sentinel_envelope.id))

    await wait_until(sentinel_handled, what="the sentinel merge")
    aliases = await h.pool.fetch("select merged_citizen_id, kept_citizen_id, event_id from citizen_aliases")
    assert {(a["merged_citizen_id"], a["kept_citizen_id"]) for a in aliases} == {
        (twin, kept),
        (sentinel.merged_citizen_id, kept),
    }
    assert next(a["event_id"] for a in aliases if a["merged_citizen_id"] == twin) == envelope.id
    assert await _rows_with(h, twin) == 0
    assert await _citizens_of(h, "entries", [twins_placement.placement_id]) == {kept}
    assert await h.pool.fetchval("select count(*) from inbox where event_id = $1", envelope.id) == 1
    assert (
        await h.pool.fetchval("select count(*) from entries where placement_id = $1", twins_placement.placement_id) == 1
    )


async def test_a_placement_event_with_the_merged_id_arriving_after_the_merge_is_stored_under_the_kept_id(
    timesheet: Harness,
) -> None:
    h = timesheet
    kept, twin = h.placement.citizen_id, uuid.uuid4()
    await h.publish_and_wait([merged(kept, twin)], what="citizens merged")

    # Published by placement before the merge, delivered after it (another aggregate, another partition).
    late = await h.placement_for(citizen_id=twin)
    assert await _citizens_of(h, "placements", [late.placement_id]) == {kept}
    status = PlacementStatusChanged(
        placement_id=late.placement_id,
        company_id=late.company_id,
        citizen_id=twin,
        status="active",
        start_date=late.start_date,
        end_date=late.end_date,
    )
    nameless = PlacementStatusChanged(
        placement_id=uuid.uuid4(),
        company_id=uuid.uuid4(),
        citizen_id=twin,
        status="planned",
        start_date=late.start_date,
        end_date=None,
    )
    await h.publish_and_wait(
        [(status, late.placement_id), (nameless, nameless.placement_id)], what="late status changes"
    )
    assert await _citizens_of(h, "placements", [late.placement_id, nameless.placement_id]) == {kept}

    # Its hours count towards the kept citizen's day.
    await h.entry_for(3, 600)
    refused = await h.submit([{"work_date": h.day(3), "minutes": 135}], placement_id=late.placement_id)
    assert refused.status_code == 422, refused.text
    entry = await h.entry_for(3, 120, placement=late)
    assert (await h.entry_row(entry["id"]))["citizen_id"] == kept
    assert await _rows_with(h, twin) == 0


async def test_merges_arriving_out_of_order_end_at_the_last_kept_id(timesheet: Harness) -> None:
    """A → B then B → C, delivered B → C first (keyed by C and by B: two partitions): A's rows end at C."""
    h = timesheet
    a, b, c = uuid.uuid4(), h.placement.citizen_id, uuid.uuid4()
    a_placement = await h.placement_for(citizen_id=a)
    await h.entry_for(5, 60, placement=a_placement)
    await h.entry_for(5, 60)

    await h.publish_and_wait([merged(c, b)], what="B merged into C")
    await h.publish_and_wait([merged(b, a)], what="A merged into B")

    assert await _citizens_of(h, "placements", [a_placement.placement_id, h.placement.placement_id]) == {c}
    assert await _citizens_of(h, "entries", [a_placement.placement_id, h.placement.placement_id]) == {c}
    aliases = await h.pool.fetch("select merged_citizen_id, kept_citizen_id from citizen_aliases")
    assert {(r["merged_citizen_id"], r["kept_citizen_id"]) for r in aliases} == {(a, c), (b, c)}

    # And in order (D → C after E → D was recorded): E's alias follows to C.
    d, e = uuid.uuid4(), uuid.uuid4()
    await h.publish_and_wait([merged(d, e)], what="E merged into D")
    await h.publish_and_wait([merged(c, d)], what="D merged into C")
    late = await h.placement_for(citizen_id=e)
    assert await _citizens_of(h, "placements", [late.placement_id]) == {c}


async def _insert_placement(conn: asyncpg.Connection, citizen_id: uuid.UUID) -> uuid.UUID:
    placement_id = uuid.uuid4()
    await conn.execute(
        """insert into placements (placement_id, company_id, citizen_id, citizen_name, start_date)
           values ($1, $2, $3, 'Mette Holm', current_date)""",
        placement_id,
        uuid.uuid4(),
        citizen_id,
    )
    return placement_id


async def test_a_row_written_while_a_merge_runs_is_moved_or_mapped_never_left_behind(timesheet: Harness) -> None:
    h = timesheet
    kept = h.placement.citizen_id

    # A merge in progress (not committed): a placement written meanwhile waits for it, then sees the alias.
    twin = uuid.uuid4()
    event, key = merged(kept, twin)
    async with h.pool.acquire() as merging, h.pool.acquire() as writing:
        async with merging.transaction():
            await on_citizens_merged(merging, Envelope.wrap(event, source="placement", subject=key), event)
            insert = asyncio.create_task(_insert_placement(writing, twin))
            await asyncio.sleep(0.3)
            assert not insert.done(), "the write did not wait for the merge"
        during = await insert
    assert await _citizens_of(h, "placements", [during]) == {kept}

    # A write in progress (not committed) when the merge starts: the merge waits for it, then moves it.
    other_twin = uuid.uuid4()
    event, key = merged(kept, other_twin)
    async with h.pool.acquire() as merging, h.pool.acquire() as writing:
        async with writing.transaction():
            before = await _insert_placement(writing, other_twin)

            async def merge() -> None:
                async with merging.transaction():
                    await on_citizens_merged(merging, Envelope.wrap(event, source="placement", subject=key), event)

            merging_task = asyncio.create_task(merge())
            await asyncio.sleep(0.3)
            assert not merging_task.done(), "the merge did not wait for the write"
        await merging_task
    assert await _citizens_of(h, "placements", [before]) == {kept}
    assert await _rows_with(h, twin) + await _rows_with(h, other_twin) == 0
