"""A municipality's progress figures (issue 12): the read model fed by placement's events through Kafka, the
figures of ``GET /municipalities/{id}/kpis`` checked against a hand-computed scenario (today and a date in the
past), who may see them, bad dates, redelivered events and merged citizens."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest

from invoicing.municipality_kpis.handlers import on_activity_logged, on_placement_status_changed
from invoicing.municipality_kpis.models import END_REASONS
from invoicing.worker import on_placement_created
from vikar_shared.auth import Role
from vikar_shared.clock import FixedClock
from vikar_shared.db import transaction
from vikar_shared.events.envelope import Envelope
from vikar_shared.events.placement import (
    ActivityLogged,
    CitizensMerged,
    MunicipalityTermsSet,
    PlacementCreated,
    PlacementStatusChanged,
)
from vikar_shared.testing.plugin import bearer, publish_events

AALBORG = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
HJORRING = uuid.UUID("00000000-0000-4000-8000-0000000000a2")
BAGER = uuid.UUID("00000000-0000-4000-8000-0000000000c1")
TODAY = date(2026, 11, 30)
FINANCE = bearer(Role.FINANCE)


def _terms(municipality_id: uuid.UUID, effective_from: date, target: int | None, name: str) -> MunicipalityTermsSet:
    return MunicipalityTermsSet(
        municipality_id=municipality_id,
        municipality_name=name,
        terms_id=uuid.uuid4(),
        effective_from=effective_from,
        co_financing_rate_ore_per_hour=10_000,
        eligibility_threshold_weeks=52,
        target_unique_citizens=target,
    )


def _placement(
    municipality_id: uuid.UUID, citizen_id: uuid.UUID, start: date, name: str = "Borger"
) -> PlacementCreated:
    return PlacementCreated(
        placement_id=uuid.uuid4(),
        citizen_id=citizen_id,
        citizen_name=name,
        referral_id=uuid.uuid4(),
        municipality_id=municipality_id,
        co_financing_eligible=True,
        company_id=BAGER,
        start_date=start,
        end_date=None,
        bill_rate_ore_per_hour=17_999,
        status="planned",
    )


def _status(
    of: PlacementCreated, status: str, end: date | None = None, reason: str | None = None
) -> PlacementStatusChanged:
    return PlacementStatusChanged(
        placement_id=of.placement_id,
        company_id=of.company_id,
        citizen_id=of.citizen_id,
        status=status,
        start_date=of.start_date,
        end_date=end,
        end_reason=reason,
    )


def _activity(
    citizen_id: uuid.UUID, on: date, of: PlacementCreated | None, kind: str = "first_day_accompanied"
) -> ActivityLogged:
    return ActivityLogged(
        activity_id=uuid.uuid4(),
        citizen_id=citizen_id,
        activity_type=kind,
        occurred_on=on,
        logged_by="konsulent@vikar.dk",
        placement_id=None if of is None else of.placement_id,
    )


async def _publish(invoicing: Any, *events: Any) -> None:
    """As placement's relay does: a placement's events keyed by the placement, others by the citizen."""
    keyed = [
        (e, getattr(e, "placement_id", None) or getattr(e, "citizen_id", None) or e.municipality_id) for e in events
    ]
    await publish_events(invoicing.kafka, invoicing.namespace, keyed)


async def _kpis(invoicing: Any, municipality_id: uuid.UUID = AALBORG, **params: str) -> dict[str, Any]:
    invoicing.app.state.clock = FixedClock.on(TODAY)
    response = await invoicing.client.get(f"/municipalities/{municipality_id}/kpis", params=params, headers=FINANCE)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _reasons(**counts: int) -> dict[str, int]:
    return {reason: counts.get(reason, 0) for reason in END_REASONS}


def _months(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (
            m["month"],
            m["unique_citizens_cumulative"],
            m["new_citizens"],
            m["co_financed_minutes"],
            m["placements_started"],
            m["placements_ended"],
            {k: v for k, v in m["end_reasons"].items() if v},
        )
        for m in body["months"]
    ]


@pytest.fixture
async def scenario(invoicing: Any, build: Any) -> dict[str, Any]:
    """Aalborg from 1 July 2026 (target 10; from 1 October a version with target 12), citizens A, B, C and E;
    Hjørring's citizen D must not count for Aalborg.

    A: PA1 08-10 → ended 09-20 hired_directly; first day logged 08-12; 120 min on 08-11, 240 min on 09-02.
    B: PB1 09-01 → ended 10-15 dropped_out; PB2 10-20 → ended 11-20 ended_by_company; no first day logged;
       60 min on 09-03 corrected to 0 (−60), 90 min on 10-21.
    C: PC1 11-02, active; first day logged 11-03 (and a follow-up, ignored); 180 min on 11-04; PC2 planned 12-01.
    E: PE planned 10-01 (never started); 30 min on 10-05 corrected to 0 (−30): never reached.
    D (Hjørring): PD 08-10 active; first day 08-10; 60 min on 08-11.
    A at Hjørring too: PA0 planned 06-01 with a first day logged 06-01 (Hjørring's, not Aalborg's first day of A)."""
    a, b, c, d, e = (uuid.uuid4() for _ in range(5))
    pa1 = _placement(AALBORG, a, date(2026, 8, 10), "Anna")
    pb1 = _placement(AALBORG, b, date(2026, 9, 1), "Bo")
    pb2 = _placement(AALBORG, b, date(2026, 10, 20), "Bo")
    pc1 = _placement(AALBORG, c, date(2026, 11, 2), "Carl")
    pc2 = _placement(AALBORG, c, date(2026, 12, 1), "Carl")
    pe = _placement(AALBORG, e, date(2026, 10, 1), "Eva")
    pd = _placement(HJORRING, d, date(2026, 8, 10), "Dan")
    pa0 = _placement(HJORRING, a, date(2026, 6, 1), "Anna")
    await _publish(
        invoicing,
        _terms(AALBORG, date(2026, 7, 1), 10, "Aalborg Kommune"),
        _terms(HJORRING, date(2026, 1, 1), 5, "Hjørring Kommune"),
    )
    await invoicing.wait_for_count("select count(*) from municipality_terms", expected=2, what="terms")
    await _publish(invoicing, _terms(AALBORG, date(2026, 10, 1), 12, "Aalborg Kommune"))
    await _publish(
        invoicing,
        pa1,
        _status(pa1, "active"),
        _status(pa1, "ended", date(2026, 9, 20), "hired_directly"),
        pb1,
        _status(pb1, "active"),
        _status(pb1, "ended", date(2026, 10, 15), "dropped_out"),
        pb2,
        _status(pb2, "active"),
        _status(pb2, "ended", date(2026, 11, 20), "ended_by_company"),
        pc1,
        _status(pc1, "active"),
        pc2,
        pe,
        pd,
        _status(pd, "active"),
        pa0,
        _activity(a, date(2026, 6, 1), pa0),
        _activity(a, date(2026, 8, 12), pa1),
        _activity(c, date(2026, 11, 3), pc1),
        _activity(c, date(2026, 11, 10), pc1, kind="follow_up_call"),
        _activity(d, date(2026, 8, 10), pd),
    )
    b_sep = build.approval(pb1, date(2026, 9, 3), 60)
    e_oct = build.approval(pe, date(2026, 10, 5), 30)
    await invoicing.wait_for_count("select count(*) from municipality_terms", expected=3, what="terms")
    await invoicing.wait_for_count("select count(*) from kpi_placements", expected=8, what="kpi placements")
    await invoicing.publish_approvals(
        build.approval(pa1, date(2026, 8, 11), 120),
        build.approval(pa1, date(2026, 9, 2), 240),
        b_sep,
        build.approval(pb1, date(2026, 9, 3), -60, corrects=b_sep),
        build.approval(pb2, date(2026, 10, 21), 90),
        build.approval(pc1, date(2026, 11, 4), 180),
        e_oct,
        build.approval(pe, date(2026, 10, 5), -30, corrects=e_oct),
        build.approval(pd, date(2026, 8, 11), 60),
    )
    await invoicing.wait_for_count("select count(*) from co_financing_lines", expected=9, what="co-financing lines")
    await invoicing.wait_for_count(
        "select count(*) from kpi_placements where status = 'ended'", expected=3, what="ended placements"
    )
    await invoicing.wait_for_count(
        "select count(*) from kpi_placements where status = 'active'", expected=2, what="active placements"
    )
    await invoicing.wait_for_count("select count(*) from kpi_first_days", expected=4, what="first days")
    return {"a": a, "b": b, "c": c, "d": d, "pa1": pa1, "pb1": pb1, "pc1": pc1}


async def test_the_figures_today_match_the_hand_computed_scenario(scenario: Any, invoicing: Any) -> None:
    body = await _kpis(invoicing)  # as_of defaults to today, 2026-11-30
    assert (body["municipality_name"], body["as_of"], body["target_unique_citizens"]) == (
        "Aalborg Kommune",
        "2026-11-30",
        12,  # the version from 1 October is in force
    )
    assert body["agreement_from"] == "2026-07-01", "the first version's effective_from"
    # Months from the agreement's first month (July) through November.
    # Minutes: Aug 120 (A); Sep 240 (A) + 60 − 60 (B) = 240; Oct 90 (B) + 30 − 30 (E) = 90; Nov 180 (C).
    # Reached: A in Aug; B nets 0 in Sep, first reached in Oct; C in Nov; E nets 0: never. Cumulative 0,1,1,2,3.
    # Started (active or ended): Aug PA1, Sep PB1, Oct PB2, Nov PC1 (PC2 and PE planned: not started).
    # Ended: Sep PA1 hired_directly, Oct PB1 dropped_out, Nov PB2 ended_by_company.
    assert _months(body) == [
        ("2026-07", 0, 0, 0, 0, 0, {}),
        ("2026-08", 1, 1, 120, 1, 0, {}),
        ("2026-09", 1, 0, 240, 1, 1, {"hired_directly": 1}),
        ("2026-10", 2, 1, 90, 1, 1, {"dropped_out": 1}),
        ("2026-11", 3, 1, 180, 1, 1, {"ended_by_company": 1}),
    ]
    assert all(list(m["end_reasons"]) == list(END_REASONS) for m in body["months"])
    assert (body["unique_citizens"], body["co_financed_minutes"]) == (3, 120 + 240 + 90 + 180)
    assert (body["placements_started"], body["placements_ended"]) == (4, 3)
    assert body["end_reasons"] == _reasons(hired_directly=1, dropped_out=1, ended_by_company=1)
    # First days: A 08-12 (logged), B 09-01 (PB1's start, none logged), C 11-03 (logged).
    # 30 days: A 09-11 in PA1 (ends 09-20): in; B 10-01 in PB1 (ends 10-15): in; C 12-03 after as_of: not measured.
    # 90 days: A 11-10, PA1 ended 09-20 hired_directly (lasting work): in; B 11-30, PB1 ended 10-15 dropped_out and
    # PB2 ended 11-20 ended_by_company: out. 1 of 2 = 500 ‰.
    assert body["retention"] == [
        {"days": 30, "measured": 2, "in_work": 2, "share_permille": 1000},
        {"days": 90, "measured": 2, "in_work": 1, "share_permille": 500},
    ]


async def test_the_figures_as_of_a_date_in_the_past(scenario: Any, invoicing: Any) -> None:
    body = await _kpis(invoicing, as_of="2026-10-10")
    assert (body["as_of"], body["target_unique_citizens"]) == ("2026-10-10", 12)
    early = await _kpis(invoicing, as_of="2026-09-30")
    assert early["target_unique_citizens"] == 10  # the first version was in force then
    before = await _kpis(invoicing, as_of="2026-06-30")
    assert (before["agreement_from"], before["target_unique_citizens"]) == ("2026-07-01", None), (
        "as of a day before the agreement began: no target in force, and the day it begins"
    )
    # Lines worked by 10-10: A 120 (Aug) + 240 (Sep); B 60 − 60 (Sep); E 30 − 30 (Oct 5). B's Oct line is later.
    # Started by 10-10: PA1 (Aug), PB1 (Sep); PB2 starts 10-20. Ended by 10-10: PA1 only (PB1 ends 10-15).
    assert _months(body) == [
        ("2026-07", 0, 0, 0, 0, 0, {}),
        ("2026-08", 1, 1, 120, 1, 0, {}),
        ("2026-09", 1, 0, 240, 1, 1, {"hired_directly": 1}),
        ("2026-10", 1, 0, 0, 0, 0, {}),
    ]
    assert (body["unique_citizens"], body["co_financed_minutes"]) == (1, 360)
    assert (body["placements_started"], body["placements_ended"]) == (2, 1)
    assert body["end_reasons"] == _reasons(hired_directly=1)
    # 30 days: A 09-11 in (PA1 until 09-20); B 10-01 in (PB1 ended only 10-15, after that day). 90: nobody yet.
    assert body["retention"] == [
        {"days": 30, "measured": 2, "in_work": 2, "share_permille": 1000},
        {"days": 90, "measured": 0, "in_work": 0, "share_permille": None},
    ]


async def test_another_municipalitys_citizens_do_not_count(scenario: Any, invoicing: Any) -> None:
    body = await _kpis(invoicing, HJORRING)
    assert (body["municipality_name"], body["target_unique_citizens"]) == ("Hjørring Kommune", 5)
    assert (body["unique_citizens"], body["co_financed_minutes"]) == (1, 60)
    assert (body["placements_started"], body["placements_ended"]) == (1, 0)
    assert [m["month"] for m in body["months"]] == [f"2026-{m:02d}" for m in range(1, 12)]
    # D's first day 08-10; PD active: in work at 30 (09-09) and 90 days (11-08). A's first day at Hjørring 06-01
    # (PA0, still planned): measured at 30 (07-01) and 90 (08-30) days, in work at neither (Aalborg's PA1 does not
    # count for Hjørring).
    assert [(r["measured"], r["in_work"]) for r in body["retention"]] == [(2, 1), (2, 1)]


# --- who may see the figures ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        bearer(Role.FINANCE),
        bearer(Role.ADMIN),
        bearer(Role.CONSULTANT),
        bearer(Role.MUNICIPALITY, municipality_id=AALBORG),
    ],
    ids=["finance", "admin", "consultant", "own-municipality"],
)
async def test_agency_staff_and_the_municipalitys_own_users_see_the_figures(invoicing: Any, headers: Any) -> None:
    await _publish(invoicing, _terms(AALBORG, date(2026, 7, 1), 10, "Aalborg Kommune"))
    await invoicing.wait_for_count("select count(*) from municipality_terms", expected=1, what="terms")
    response = await invoicing.client.get(f"/municipalities/{AALBORG}/kpis", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["municipality_name"] == "Aalborg Kommune"


@pytest.mark.parametrize(
    "headers",
    [
        bearer(Role.MUNICIPALITY, municipality_id=HJORRING),
        bearer(Role.COMPANY_APPROVER, company_id=BAGER),
    ],
    ids=["other-municipality", "company-approver"],
)
async def test_other_municipalities_and_company_approvers_get_404(invoicing: Any, headers: Any) -> None:
    await _publish(invoicing, _terms(AALBORG, date(2026, 7, 1), 10, "Aalborg Kommune"))
    await invoicing.wait_for_count("select count(*) from municipality_terms", expected=1, what="terms")
    response = await invoicing.client.get(f"/municipalities/{AALBORG}/kpis", headers=headers)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "municipality-not-found"
    assert "Aalborg" not in response.text


async def test_an_unknown_municipality_is_404_even_for_finance(invoicing: Any) -> None:
    response = await invoicing.client.get(f"/municipalities/{uuid.uuid4()}/kpis", headers=FINANCE)
    assert response.status_code == 404
    assert response.json()["code"] == "municipality-not-found"


async def test_no_token_is_401(invoicing: Any) -> None:
    response = await invoicing.client.get(f"/municipalities/{AALBORG}/kpis")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


async def test_as_of_after_today_is_422_naming_as_of(invoicing: Any) -> None:
    await _publish(invoicing, _terms(AALBORG, date(2026, 7, 1), 10, "Aalborg Kommune"))
    await invoicing.wait_for_count("select count(*) from municipality_terms", expected=1, what="terms")
    invoicing.app.state.clock = FixedClock.on(TODAY)
    response = await invoicing.client.get(
        f"/municipalities/{AALBORG}/kpis", params={"as_of": "2026-12-01"}, headers=FINANCE
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [("as_of", "as-of-future")]
    # Today itself is fine.
    assert (await _kpis(invoicing, as_of="2026-11-30"))["as_of"] == "2026-11-30"


@pytest.mark.parametrize("as_of", ["2026-13-01", "30-11-2026", "abc", "2026-02-30", "1999-12-31"])
async def test_a_malformed_as_of_is_422_naming_as_of(invoicing: Any, as_of: str) -> None:
    response = await invoicing.client.get(f"/municipalities/{AALBORG}/kpis", params={"as_of": as_of}, headers=FINANCE)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["as_of"]
    assert errors[0]["rule"] in {"date-format", "date-out-of-range"}


# --- the read model: redeliveries and merges ----------------------------------------------------------------


def _envelope(data: Any) -> Envelope:
    return Envelope.wrap(data, source="placement", subject=uuid.uuid4())


async def _rows(invoicing: Any) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    placements = await invoicing.pool.fetch(
        "select placement_id, citizen_id, status, start_date, end_date, end_reason from kpi_placements "
        "order by start_date, placement_id"
    )
    first_days = await invoicing.pool.fetch(
        "select activity_id, citizen_id, placement_id, occurred_on from kpi_first_days order by occurred_on"
    )
    return [tuple(r) for r in placements], [tuple(r) for r in first_days]


async def test_handlers_delivered_again_under_new_event_ids_change_nothing(invoicing: Any) -> None:
    citizen = uuid.uuid4()
    created = _placement(AALBORG, citizen, date(2026, 9, 1))
    events: list[tuple[Any, Any]] = [
        (on_placement_created, created),
        (on_placement_status_changed, _status(created, "active")),
        (on_placement_status_changed, _status(created, "ended", date(2026, 10, 15), "education")),
        (on_activity_logged, _activity(citizen, date(2026, 9, 2), created)),
        (on_activity_logged, _activity(citizen, date(2026, 9, 9), created, kind="follow_up_call")),
    ]
    for handler, data in events:
        async with transaction(invoicing.pool) as conn:
            await handler(conn, _envelope(data), data)
    once = await _rows(invoicing)
    assert once == (
        [(created.placement_id, citizen, "ended", date(2026, 9, 1), date(2026, 10, 15), "education")],
        [(events[3][1].activity_id, citizen, created.placement_id, date(2026, 9, 2))],
    )
    # All of them again (a replay: new event ids, so the inbox lets them through), the created one last.
    for handler, data in [*events[1:], events[0]]:
        async with transaction(invoicing.pool) as conn:
            await handler(conn, _envelope(data), data)
    assert await _rows(invoicing) == once
    # The worker's created handler also fed accruals' placements read model (one row, not two).
    assert await invoicing.count("select count(*) from placements where placement_id = $1", created.placement_id) == 1


async def test_a_status_change_of_a_placement_created_before_the_read_model_existed(invoicing: Any) -> None:
    """Its created event was consumed before this read model: the municipality comes from accruals' placements."""
    older = _placement(AALBORG, uuid.uuid4(), date(2026, 6, 1))
    async with transaction(invoicing.pool) as conn:
        await on_placement_created(conn, _envelope(older), older)
        await conn.execute("delete from kpi_placements")
        changed = _status(older, "active")
        await on_placement_status_changed(conn, _envelope(changed), changed)
        unknown = _status(_placement(AALBORG, uuid.uuid4(), date(2026, 6, 1)), "active")
        await on_placement_status_changed(conn, _envelope(unknown), unknown)  # logged, not counted
    assert (await _rows(invoicing))[0] == [
        (older.placement_id, older.citizen_id, "active", date(2026, 6, 1), None, None)
    ]


async def _rows_of(invoicing: Any, citizen_id: uuid.UUID) -> int:
    return int(
        await invoicing.count(
            "select (select count(*) from kpi_placements where citizen_id = $1)"
            " + (select count(*) from kpi_first_days where citizen_id = $1)",
            citizen_id,
        )
    )


async def test_a_merge_repoints_the_read_model_and_later_events_follow_it(invoicing: Any) -> None:
    kept, merged = uuid.uuid4(), uuid.uuid4()
    first = _placement(AALBORG, kept, date(2026, 8, 3))
    second = _placement(AALBORG, merged, date(2026, 9, 7))
    await _publish(
        invoicing,
        _terms(AALBORG, date(2026, 7, 1), 10, "Aalborg Kommune"),
        first,
        _status(first, "active"),
        second,
        _status(second, "active"),
        _activity(merged, date(2026, 9, 7), second),
    )
    await invoicing.wait_for_count(
        "select count(*) from kpi_placements where status = 'active'", expected=2, what="active placements"
    )
    await invoicing.wait_for_count("select count(*) from kpi_first_days", expected=1, what="first day")
    before = await _kpis(invoicing)
    assert [(r["days"], r["measured"]) for r in before["retention"]] == [(30, 2), (90, 1)]

    event = CitizensMerged(kept_citizen_id=kept, merged_citizen_id=merged, merged_at=datetime.now(UTC))
    [envelope] = await publish_events(invoicing.kafka, invoicing.namespace, [(event, kept)])
    await invoicing.wait_for_count(
        "select count(*) from inbox where event_id = $1", envelope.id, expected=1, what="merge"
    )
    assert await _rows_of(invoicing, merged) == 0
    # Events still carrying the merged id, delivered after the merge.
    late = _activity(merged, date(2026, 8, 4), first)
    await _publish(invoicing, _status(second, "ended", date(2026, 11, 2), "other_job"), late)
    await invoicing.wait_for_count("select count(*) from kpi_first_days", expected=2, what="late first day")
    await invoicing.wait_for_count(
        "select count(*) from kpi_placements where status = 'ended'", expected=1, what="late status change"
    )

    assert await _rows_of(invoicing, merged) == 0
    assert await _rows_of(invoicing, kept) == 4  # two placements, two first days
    after = await _kpis(invoicing)
    # One person now: first day 08-04 (the earliest logged of either id); 30 → 09-03, in `first` (active): in;
    # 90 → 11-02: in (`first` still active).
    assert after["retention"] == [
        {"days": 30, "measured": 1, "in_work": 1, "share_permille": 1000},
        {"days": 90, "measured": 1, "in_work": 1, "share_permille": 1000},
    ]
