"""Issue 13, part B: what the pay side reads besides approved hours, through real Kafka. Employees from placement's
``employee_registered`` (idempotent; a number another citizen holds is dead-lettered; merges), the hours submitted,
changed or rejected but never approved from timesheet's events (an older event never overwrites a newer one), and
the wage rates accruals keeps from placement's events (``wage_rates_changed_seq`` raised only when a wage version
changes; a negative wage dead-lettered)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaConsumer

from invoicing.pay_inputs.models import UnapprovedEntry, UnapprovedStatus
from invoicing.pay_inputs.service import unapproved_in
from vikar_shared.events.envelope import Envelope, EventData
from vikar_shared.events.placement import CitizensMerged, EmployeeRegistered, PlacementRatesChanged, RateVersion
from vikar_shared.events.timesheet import EntryChanged, EntryRejected, HoursSubmitted, SubmittedEntry
from vikar_shared.messaging.kafka import make_producer

AALBORG = uuid.UUID("00000000-0000-4000-8000-0000000000a2")
BAGER = uuid.UUID("00000000-0000-4000-8000-0000000000c2")
T0 = datetime(2026, 11, 20, 8, tzinfo=UTC)


async def _send(invoicing: Any, *events: tuple[EventData, uuid.UUID, datetime | None]) -> list[Envelope]:
    """Publishes ``(data, key, occurred_at)`` as the owner's relay does (subject and key the given id)."""
    producer = make_producer(invoicing.kafka, "test-pay-inputs")
    await producer.start()
    sent: list[Envelope] = []
    try:
        for data, key, occurred_at in events:
            envelope = Envelope.wrap(data, source=data.topic.split(".")[0], subject=key, occurred_at=occurred_at)
            await producer.send_and_wait(
                invoicing.namespace + data.topic, value=envelope.model_dump_json().encode(), key=str(key).encode()
            )
            sent.append(envelope)
    finally:
        await producer.stop()
    return sent


async def _handled(invoicing: Any, envelopes: list[Envelope], what: str) -> None:
    await invoicing.wait_for_count(
        "select count(*) from inbox where event_id = any($1::uuid[])",
        [e.id for e in envelopes],
        expected=len(envelopes),
        what=what,
    )


async def _dead_letters(invoicing: Any, group: str, expected: int) -> list[tuple[uuid.UUID, bytes]]:
    """The (event id, x-error header) of the first ``expected`` records of ``group``'s dead-letter topic."""
    consumer = AIOKafkaConsumer(
        f"{invoicing.namespace}{group}.dlq",
        bootstrap_servers=invoicing.kafka,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    letters: list[tuple[uuid.UUID, bytes]] = []
    try:
        for _ in range(30):
            batch = await consumer.getmany(timeout_ms=1_000)
            for records in batch.values():
                for r in records:
                    letters.append((Envelope.model_validate_json(r.value or b"").id, dict(r.headers)["x-error"]))
            if len(letters) >= expected:
                break
    finally:
        await consumer.stop()
    return letters


async def _employees(invoicing: Any) -> list[tuple[uuid.UUID, int, date]]:
    rows = await invoicing.pool.fetch(
        "select citizen_id, employee_number, employed_from from employees order by employee_number"
    )
    return [(r["citizen_id"], r["employee_number"], r["employed_from"]) for r in rows]


def _registered(citizen_id: uuid.UUID, number: int, employed_from: date = date(2026, 11, 2)) -> EmployeeRegistered:
    return EmployeeRegistered(citizen_id=citizen_id, employee_number=number, employed_from=employed_from)


async def test_an_employee_registered_is_recorded_and_a_redelivery_changes_nothing(invoicing: Any) -> None:
    anna, ole = uuid.uuid4(), uuid.uuid4()
    event = _registered(anna, 1001)
    sent = await _send(invoicing, (event, anna, None), (_registered(ole, 1002, date(2026, 11, 16)), ole, None))
    await _handled(invoicing, sent, "two employees registered")
    first = await invoicing.pool.fetchrow(
        "select recorded_at, xmin::text as version from employees where citizen_id = $1", anna
    )

    # The same fact published again (a new envelope, so not the inbox's duplicate): no row written.
    await _handled(invoicing, await _send(invoicing, (event, anna, None)), "registered again")

    assert await _employees(invoicing) == [(anna, 1001, date(2026, 11, 2)), (ole, 1002, date(2026, 11, 16))]
    again = await invoicing.pool.fetchrow(
        "select recorded_at, xmin::text as version from employees where citizen_id = $1", anna
    )
    assert dict(again) == dict(first)
    rows = await invoicing.pool.fetch(
        "select citizen_id, employee_number, employed_from from employees where citizen_id = any($1::uuid[])",
        [anna, uuid.uuid4()],
    )
    assert {r["citizen_id"]: (r["employee_number"], r["employed_from"]) for r in rows} == {
        anna: (1001, date(2026, 11, 2))
    }


async def test_an_employee_number_another_citizen_holds_is_dead_lettered_and_writes_nothing(invoicing: Any) -> None:
    anna, ole = uuid.uuid4(), uuid.uuid4()
    await _handled(invoicing, await _send(invoicing, (_registered(anna, 4711), anna, None)), "anna registered")

    [bad] = await _send(invoicing, (_registered(ole, 4711, date(2026, 12, 1)), ole, None))
    # A later event on the same topic is handled: the bad one did not block the consumer.
    later = uuid.uuid4()
    await _handled(invoicing, await _send(invoicing, (_registered(later, 4712), later, None)), "a later registration")

    letters = await _dead_letters(invoicing, "invoicing.placements", expected=1)
    assert [event_id for event_id, _ in letters] == [bad.id]
    assert b"employee-number-taken" in letters[0][1]
    assert await _employees(invoicing) == [(anna, 4711, date(2026, 11, 2)), (later, 4712, date(2026, 11, 2))]


def _submitted(placement_id: uuid.UUID, *entries: SubmittedEntry) -> HoursSubmitted:
    return HoursSubmitted(
        submission_id=uuid.uuid4(),
        placement_id=placement_id,
        company_id=BAGER,
        citizen_name="Anna Jensen",
        submitted_by="konsulent@vikar.dk",
        entries=list(entries),
    )


def _changed(placement_id: uuid.UUID, entry_id: uuid.UUID, work_date: date, minutes: int) -> EntryChanged:
    return EntryChanged(
        entry_id=entry_id,
        submission_id=uuid.uuid4(),
        placement_id=placement_id,
        company_id=BAGER,
        version=2,
        work_date=work_date,
        minutes=minutes,
        previous_work_date=work_date,
        previous_minutes=minutes,
        changed_by="konsulent@vikar.dk",
        changed_at=T0,
    )


def _rejected(placement_id: uuid.UUID, entry_id: uuid.UUID, work_date: date, minutes: int) -> EntryRejected:
    return EntryRejected(
        entry_id=entry_id,
        placement_id=placement_id,
        company_id=BAGER,
        work_date=work_date,
        minutes=minutes,
        reason="Forkert dato, hun var syg",
        rejected_by="approver@bager.dk",
        rejected_at=T0,
    )


async def test_only_submitted_and_rejected_entries_are_listed_with_their_latest_facts(
    invoicing: Any, build: Any
) -> None:
    anna = build.placement(company_id=BAGER, municipality_id=AALBORG, citizen_name="Anna Jensen", bill_rate=30_000)
    placement = anna.placement_id
    changed, rejected, resubmitted, approved, correction, december = (uuid.uuid4() for _ in range(6))
    at = [T0 + timedelta(minutes=i) for i in range(4)]
    sent = await _send(
        invoicing,
        (
            _submitted(
                placement,
                SubmittedEntry(entry_id=changed, work_date=date(2026, 11, 3), minutes=60),
                SubmittedEntry(entry_id=rejected, work_date=date(2026, 11, 4), minutes=120),
                SubmittedEntry(entry_id=resubmitted, work_date=date(2026, 11, 5), minutes=90),
                SubmittedEntry(entry_id=approved, work_date=date(2026, 11, 6), minutes=30),
                SubmittedEntry(entry_id=december, work_date=date(2026, 12, 1), minutes=45),
            ),
            placement,
            at[0],
        ),
        (_changed(placement, changed, date(2026, 11, 10), 75), placement, at[1]),
        (_rejected(placement, rejected, date(2026, 11, 4), 120), placement, at[1]),
        (_rejected(placement, resubmitted, date(2026, 11, 5), 90), placement, at[1]),
        (build.approval(anna, date(2026, 11, 6), 30).model_copy(update={"entry_id": approved}), placement, at[1]),
        # The rejected entry submitted again with other minutes (same entry id), and a correction of the approved.
        (
            _submitted(
                placement,
                SubmittedEntry(entry_id=resubmitted, work_date=date(2026, 11, 5), minutes=100),
                SubmittedEntry(
                    entry_id=correction, work_date=date(2026, 11, 6), minutes=-15, corrects_entry_id=approved
                ),
            ),
            placement,
            at[2],
        ),
    )
    await _handled(invoicing, sent, "the timesheet events")

    async with invoicing.pool.acquire() as conn:
        listed = await unapproved_in(conn, date(2026, 11, 1), date(2026, 11, 30))
    submitted, rejected_status = UnapprovedStatus.SUBMITTED, UnapprovedStatus.REJECTED
    assert listed == [
        UnapprovedEntry(rejected, placement, BAGER, date(2026, 11, 4), 120, None, rejected_status),
        UnapprovedEntry(resubmitted, placement, BAGER, date(2026, 11, 5), 100, None, submitted),
        UnapprovedEntry(correction, placement, BAGER, date(2026, 11, 6), -15, approved, submitted),
        UnapprovedEntry(changed, placement, BAGER, date(2026, 11, 10), 75, None, submitted),
    ]
    # The approved entry stays in the table but is never listed; the rejection reason is nowhere.
    assert await invoicing.count("select count(*) from unapproved_entries where entry_id = $1", approved) == 1
    stored = await invoicing.pool.fetchval("select string_agg(to_jsonb(u)::text, ' ') from unapproved_entries u")
    assert "Forkert" not in stored
    async with invoicing.pool.acquire() as conn:
        assert [e.entry_id for e in await unapproved_in(conn, date(2026, 12, 1), date(2026, 12, 31))] == [december]
        assert await unapproved_in(conn, date(2026, 11, 11), date(2026, 11, 30)) == []


async def test_an_older_event_never_overwrites_a_newer_one(invoicing: Any) -> None:
    placement, entry = uuid.uuid4(), uuid.uuid4()
    first = _submitted(placement, SubmittedEntry(entry_id=entry, work_date=date(2026, 11, 3), minutes=60))
    sent = await _send(
        invoicing,
        (first, placement, T0),
        (_rejected(placement, entry, date(2026, 11, 3), 60), placement, T0 + timedelta(hours=2)),
    )
    await _handled(invoicing, sent, "submitted and rejected")

    # Replays of older events (a dead letter sent again): a change and the submission itself.
    replays = await _send(
        invoicing,
        (_changed(placement, entry, date(2026, 11, 9), 480), placement, T0 + timedelta(hours=1)),
        (first, placement, T0),
    )
    await _handled(invoicing, replays, "the replays")

    row = await invoicing.pool.fetchrow(
        "select work_date, minutes, status, status_at from unapproved_entries where entry_id = $1", entry
    )
    assert (row["work_date"], row["minutes"], row["status"], row["status_at"]) == (
        date(2026, 11, 3),
        60,
        "rejected",
        T0 + timedelta(hours=2),
    )


async def test_a_citizen_merge_moves_or_drops_the_merged_citizens_employee_row(invoicing: Any) -> None:
    kept_numbered, merged_numbered = uuid.uuid4(), uuid.uuid4()  # both have a number: the merged row goes
    kept_bare, merged_moved = uuid.uuid4(), uuid.uuid4()  # only the merged one has: it moves to the kept
    kept_late, merged_late = uuid.uuid4(), uuid.uuid4()  # the merged one's number arrives after the merge
    sent = await _send(
        invoicing,
        (_registered(kept_numbered, 5001), kept_numbered, None),
        (_registered(merged_numbered, 5002), merged_numbered, None),
        (_registered(merged_moved, 5003), merged_moved, None),
    )
    await _handled(invoicing, sent, "three employees")

    now = datetime.now(UTC)
    merges = await _send(
        invoicing,
        *(
            (CitizensMerged(kept_citizen_id=kept, merged_citizen_id=merged, merged_at=now), kept, None)
            for kept, merged in [(kept_numbered, merged_numbered), (kept_bare, merged_moved), (kept_late, merged_late)]
        ),
    )
    await _handled(invoicing, merges, "three merges")
    assert await _employees(invoicing) == [
        (kept_numbered, 5001, date(2026, 11, 2)),
        (kept_bare, 5003, date(2026, 11, 2)),
    ]

    # Events still naming a merged citizen, arriving after its merge (another partition): recorded under the kept
    # citizen unless that one has a number already (it keeps its own).
    late = await _send(
        invoicing,
        (_registered(merged_late, 5004), merged_late, None),
        (_registered(merged_numbered, 5002), merged_numbered, None),
        # Placement announces the kept citizen again with the number it took over: nothing changes.
        (_registered(kept_bare, 5003), kept_bare, None),
    )
    await _handled(invoicing, late, "late registrations")
    assert await _employees(invoicing) == [
        (kept_numbered, 5001, date(2026, 11, 2)),
        (kept_bare, 5003, date(2026, 11, 2)),
        (kept_late, 5004, date(2026, 11, 2)),
    ]


# --- Wage rates kept by invoicing.accruals (groundwork on main), checked here -------------------------------------


def _rates(of: Any, *versions: tuple[date, int, int | None]) -> PlacementRatesChanged:
    return PlacementRatesChanged(
        placement_id=of.placement_id,
        company_id=of.company_id,
        rates=[
            RateVersion(effective_from=d, bill_rate_ore_per_hour=b, wage_rate_ore_per_hour=w) for d, b, w in versions
        ],
    )


async def _wages(
    invoicing: Any, placement_id: uuid.UUID
) -> tuple[int | None, int | None, list[tuple[date, int, int | None]]]:
    row = await invoicing.pool.fetchrow(
        "select wage_rate_ore_per_hour, wage_rates_changed_seq from placements where placement_id = $1", placement_id
    )
    versions = await invoicing.pool.fetch(
        """select effective_from, bill_rate_ore_per_hour, wage_rate_ore_per_hour from placement_bill_rates
           where placement_id = $1 order by position""",
        placement_id,
    )
    return (
        row["wage_rate_ore_per_hour"],
        row["wage_rates_changed_seq"],
        [(v["effective_from"], v["bill_rate_ore_per_hour"], v["wage_rate_ore_per_hour"]) for v in versions],
    )


async def test_wage_rates_are_stored_and_only_a_wage_change_raises_the_change_sequence(
    invoicing: Any, build: Any
) -> None:
    anna = build.placement(company_id=BAGER, municipality_id=AALBORG, citizen_name="Anna Jensen", bill_rate=30_000)
    anna = anna.model_copy(update={"wage_rate_ore_per_hour": 13_000})
    await _handled(invoicing, await invoicing.publish_placement_events(anna), "placement created")
    assert await _wages(invoicing, anna.placement_id) == (13_000, None, [])

    nov1, nov16 = date(2026, 11, 1), date(2026, 11, 16)
    await _handled(
        invoicing,
        await invoicing.publish_placement_events(_rates(anna, (nov1, 30_000, 13_000), (nov16, 30_000, 14_250))),
        "a wage version from the 16th",
    )
    wage, first_seq, versions = await _wages(invoicing, anna.placement_id)
    assert (wage, versions) == (13_000, [(nov1, 30_000, 13_000), (nov16, 30_000, 14_250)])
    assert first_seq is not None

    # Bill rates only: the wage versions are the same, so the sequence stays.
    await _handled(
        invoicing,
        await invoicing.publish_placement_events(_rates(anna, (nov1, 30_000, 13_000), (nov16, 32_500, 14_250))),
        "a bill-only change",
    )
    assert await _wages(invoicing, anna.placement_id) == (
        13_000,
        first_seq,
        [(nov1, 30_000, 13_000), (nov16, 32_500, 14_250)],
    )

    # The wage from the 16th removed (null: no wage rate in force from then): raised.
    await _handled(
        invoicing,
        await invoicing.publish_placement_events(_rates(anna, (nov1, 30_000, 13_000), (nov16, 32_500, None))),
        "a wage removed",
    )
    _, last_seq, versions = await _wages(invoicing, anna.placement_id)
    assert versions == [(nov1, 30_000, 13_000), (nov16, 32_500, None)]
    assert last_seq is not None and last_seq > first_seq


async def test_a_negative_wage_rate_is_dead_lettered_and_writes_nothing(invoicing: Any, build: Any) -> None:
    anna = build.placement(company_id=BAGER, municipality_id=AALBORG, citizen_name="Anna Jensen", bill_rate=30_000)
    anna = anna.model_copy(update={"wage_rate_ore_per_hour": 13_000})
    ole = build.placement(company_id=BAGER, municipality_id=AALBORG, citizen_name="Ole Hansen", bill_rate=30_000)
    ole = ole.model_copy(update={"wage_rate_ore_per_hour": -1})
    await _handled(invoicing, await invoicing.publish_placement_events(anna), "placement created")

    bad = await invoicing.publish_placement_events(
        ole, _rates(anna, (date(2026, 11, 1), 30_000, 13_000), (date(2026, 11, 16), 30_000, -100))
    )
    letters = await _dead_letters(invoicing, "invoicing.placements", expected=2)
    assert sorted(event_id for event_id, _ in letters) == sorted(e.id for e in bad)
    assert all(b"wage-rate-negative" in error for _, error in letters)
    assert await invoicing.count("select count(*) from placements where placement_id = $1", ole.placement_id) == 0
    assert await _wages(invoicing, anna.placement_id) == (13_000, None, [])
