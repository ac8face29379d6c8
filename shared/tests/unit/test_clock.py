"""One clock (issue 7, item 2): the clock itself, its settings, and a scan of the source proving nothing
else reads the machine's time for domain purposes."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from vikar_shared.clock import (
    AGENCY_TIMEZONE,
    SYSTEM_CLOCK,
    Clock,
    FixedClock,
    ShiftedClock,
    SystemClock,
    agency_date,
    configured_clock,
)
from vikar_shared.settings import ServiceSettings
from vikar_shared.testing.identity import own_identity_keys

ROOT = Path(__file__).resolve().parents[3]
SOURCES = [ROOT / "shared" / "src", *sorted((ROOT / "services").glob("*/src"))]


# The only places that may read the machine's time, each with its reason.
@pytest.fixture(autouse=True)
def _no_clock_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("VIKAR_ENVIRONMENT", "VIKAR_CLOCK_START", "VIKAR_CLOCK_ANCHOR", "VIKAR_CLOCK_OFFSET"):
        monkeypatch.delenv(name, raising=False)


ALLOWED = {
    "shared/src/vikar_shared/clock.py": "the clock itself (SystemClock)",
    "shared/src/vikar_shared/auth/tokens.py": (
        "bearer tokens: iat/exp are checked against real time (PyJWT checks exp against the system clock "
        "too); a demo clock must not lengthen or shorten a credential"
    ),
    "shared/src/vikar_shared/events/envelope.py": (
        "occurred_at is the technical commit time that orders events (read models' as_of guards); it must "
        "grow with real time even when a configured clock restarts at its start"
    ),
    "shared/src/vikar_shared/testing/plugin.py": "test support: mints bearer tokens, verified against real time",
}

_TIME_FUNCTIONS = {"time", "time_ns"}


class _Finder(ast.NodeVisitor):
    """Finds ``datetime.now``/``utcnow``/``today``, ``date.today`` and ``time.time``/``time_ns``, called or
    passed (``default_factory=datetime.now``), and ``from time import time``."""

    def __init__(self) -> None:
        self.found: list[tuple[int, str]] = []

    def visit_Attribute(self, node: ast.Attribute) -> None:
        owner = node.value
        owner_name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
        if (owner_name == "datetime" and node.attr in {"now", "utcnow", "today"}) or (
            owner_name == "date" and node.attr == "today"
        ):
            self.found.append((node.lineno, f"{owner_name}.{node.attr}"))
        elif owner_name == "time" and node.attr in _TIME_FUNCTIONS:
            self.found.append((node.lineno, f"time.{node.attr}"))
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module == "time":
            for alias in node.names:
                if alias.name in _TIME_FUNCTIONS:
                    self.found.append((node.lineno, f"from time import {alias.name}"))


def _reads_of_the_machine_time(source: str) -> list[tuple[int, str]]:
    finder = _Finder()
    finder.visit(ast.parse(source))
    return finder.found


def _scan() -> dict[str, list[tuple[int, str]]]:
    found: dict[str, list[tuple[int, str]]] = {}
    for base in SOURCES:
        for path in sorted(base.rglob("*.py")):
            hits = _reads_of_the_machine_time(path.read_text(encoding="utf-8"))
            if hits:
                found[path.relative_to(ROOT).as_posix()] = hits
    return found


def test_the_scan_sees_every_way_of_reading_the_machine_time() -> None:
    source = "\n".join(
        [
            "import datetime as dt, time",
            "from datetime import date, datetime",
            "from time import time_ns",
            "a = datetime.now(UTC)",
            "b = datetime.utcnow()",
            "c = date.today()",
            "d = dt.datetime.now()",
            "e = time.time()",
            "f = Field(default_factory=datetime.now)",
            "g = clock.now(); h = clock.today(); i = other.time",
        ]
    )
    assert [what for _, what in _reads_of_the_machine_time(source)] == [
        "from time import time_ns",
        "datetime.now",
        "datetime.utcnow",
        "date.today",
        "datetime.now",
        "time.time",
        "datetime.now",
    ]


def test_nothing_outside_the_clock_reads_the_machine_time() -> None:
    assert len(SOURCES) >= 5, SOURCES  # shared and the four services
    offending = {path: hits for path, hits in _scan().items() if path not in ALLOWED}
    assert offending == {}, (
        "use the app's clock (vikar_shared.http.deps.Now/Today, app.state.clock, or a Clock passed in); "
        f"found: {offending}"
    )


def test_every_allowed_exception_is_still_needed() -> None:
    assert sorted(_scan()) == sorted(ALLOWED)


def test_the_agency_zone_is_defined_once() -> None:
    defining = [
        path.relative_to(ROOT).as_posix()
        for base in SOURCES
        for path in sorted(base.rglob("*.py"))
        if '"Europe/Copenhagen"' in path.read_text(encoding="utf-8")
    ]
    assert defining == ["shared/src/vikar_shared/clock.py"]


def test_today_is_the_copenhagen_date_across_utc_midnight_and_summer_time() -> None:
    # Winter (UTC+1): 23:30 UTC on 20 November is 00:30 on 21 November in Copenhagen.
    assert FixedClock(datetime(2026, 11, 20, 22, 59, tzinfo=UTC)).today() == date(2026, 11, 20)
    assert FixedClock(datetime(2026, 11, 20, 23, 0, tzinfo=UTC)).today() == date(2026, 11, 21)
    # Summer (UTC+2): the date changes at 22:00 UTC.
    assert FixedClock(datetime(2026, 6, 30, 21, 59, tzinfo=UTC)).today() == date(2026, 6, 30)
    assert FixedClock(datetime(2026, 6, 30, 22, 0, tzinfo=UTC)).today() == date(2026, 7, 1)
    # The night summer time starts (29 March 2026, 02:00 -> 03:00): midnight is still 23:00 UTC before.
    clock = FixedClock(datetime(2026, 3, 28, 22, 59, tzinfo=UTC))
    assert clock.today() == date(2026, 3, 28)
    clock.advance(minutes=1)
    assert clock.today() == date(2026, 3, 29)
    clock.advance(hours=22, minutes=59)  # 21:59 UTC on the 29th is 23:59 summer time
    assert clock.today() == date(2026, 3, 29)
    clock.advance(minutes=1)
    assert clock.today() == date(2026, 3, 30)
    # The night it ends (25 October 2026): that day has 25 hours, from 22:00 UTC to 23:00 UTC.
    clock.set(datetime(2026, 10, 24, 22, 0, tzinfo=UTC))
    assert clock.today() == date(2026, 10, 25)
    clock.advance(hours=24, minutes=59)
    assert clock.today() == date(2026, 10, 25)
    clock.advance(minutes=1)
    assert clock.today() == date(2026, 10, 26)
    assert agency_date(datetime(2026, 10, 25, 23, 0, tzinfo=UTC)) == date(2026, 10, 26)


def test_now_is_aware_utc_and_naive_instants_are_refused() -> None:
    now = SYSTEM_CLOCK.now()
    assert now.tzinfo is UTC
    assert isinstance(SYSTEM_CLOCK, SystemClock) and isinstance(SYSTEM_CLOCK, Clock)
    frozen = FixedClock(datetime(2026, 12, 1, 8, 0, tzinfo=AGENCY_TIMEZONE))
    assert frozen.now() == datetime(2026, 12, 1, 7, 0, tzinfo=UTC) and frozen.now().tzinfo is UTC
    with pytest.raises(ValueError, match="aware"):
        FixedClock(datetime(2026, 12, 1, 8, 0))
    with pytest.raises(ValueError, match="aware"):
        agency_date(datetime(2026, 12, 1, 8, 0))


def test_a_fixed_clock_on_a_day_stands_at_agency_noon_until_moved() -> None:
    clock = FixedClock.on(date(2026, 11, 27))
    assert clock.now() == datetime(2026, 11, 27, 11, 0, tzinfo=UTC)
    assert clock.now() == clock.now()
    clock.set_today(date(2026, 7, 1), at=time(0, 0))
    assert clock.now() == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)
    assert clock.today() == date(2026, 7, 1)


def test_a_fixed_start_then_runs_at_the_real_pace() -> None:
    real = FixedClock(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    start = datetime(2026, 12, 1, 8, 0, tzinfo=AGENCY_TIMEZONE)
    clock = ShiftedClock.starting_at(start, base=real)
    assert clock.now() == start
    assert clock.today() == date(2026, 12, 1)
    real.advance(hours=16)  # 01:00 UTC on 1 December, real time; the shifted clock is 16 h past its start
    assert clock.now() == start + timedelta(hours=16)
    assert clock.today() == date(2026, 12, 2)
    # With an anchor every process agrees, whenever it starts: it showed `start` at the anchor.
    anchored = ShiftedClock.starting_at(start, anchor=datetime(2026, 11, 30, 9, 0, tzinfo=UTC), base=real)
    assert anchored.now() == start + timedelta(hours=16)


def test_an_offset_moves_the_real_time() -> None:
    real = FixedClock(datetime(2026, 11, 30, 22, 30, tzinfo=UTC))  # 23:30 in Copenhagen
    clock = ShiftedClock(timedelta(days=31), base=real)
    assert clock.now() == datetime(2026, 12, 31, 22, 30, tzinfo=UTC)
    assert clock.today() == date(2026, 12, 31)
    real.advance(minutes=30)
    assert clock.today() == date(2027, 1, 1)
    assert ShiftedClock(timedelta(hours=-2), base=real).today() == date(2026, 11, 30)


def test_settings_give_the_system_clock_by_default_and_shifted_when_asked() -> None:
    assert ServiceSettings().clock() is SYSTEM_CLOCK
    assert configured_clock() is SYSTEM_CLOCK
    for given, offset in [
        ("P31D", timedelta(days=31)),
        ("-PT2H", timedelta(hours=-2)),
        ("3600", timedelta(hours=1)),
        ("-86400", timedelta(days=-1)),
    ]:
        clock = ServiceSettings(VIKAR_CLOCK_OFFSET=given).clock()
        assert isinstance(clock, ShiftedClock) and clock.offset == offset
    started = ServiceSettings(
        VIKAR_ENVIRONMENT="demo",
        jwt_keys={"demo": "d" * 40},
        identity_verify_keys=own_identity_keys().verify_keys,
        VIKAR_CLOCK_START="2026-12-01T08:00:00+01:00",
        VIKAR_CLOCK_ANCHOR="2026-11-30T09:00:00Z",
    ).clock()
    assert isinstance(started, ShiftedClock)
    assert started.offset == datetime(2026, 12, 1, 7, 0, tzinfo=UTC) - datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "clock_settings",
    [
        {"VIKAR_CLOCK_OFFSET": "P1D"},
        {"VIKAR_CLOCK_OFFSET": "0"},
        {"VIKAR_CLOCK_START": "2026-12-01T08:00:00+01:00"},
    ],
)
def test_a_settable_clock_is_refused_in_production(clock_settings: dict[str, str]) -> None:
    production = {
        "VIKAR_ENVIRONMENT": "production",
        "jwt_keys": {"prod": "p" * 40},
        "identity_verify_keys": own_identity_keys().verify_keys,
    }
    assert ServiceSettings(**production).clock() is SYSTEM_CLOCK  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="VIKAR_ENVIRONMENT=production refuses a settable clock"):
        ServiceSettings(**production, **clock_settings)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("clock_settings", "rule"),
    [
        ({"VIKAR_CLOCK_START": "2026-12-01T08:00:00"}, "needs a UTC offset"),
        ({"VIKAR_CLOCK_START": "2026-12-01T08:00:00Z", "VIKAR_CLOCK_OFFSET": "P1D"}, "not both"),
        ({"VIKAR_CLOCK_ANCHOR": "2026-11-30T09:00:00Z"}, "VIKAR_CLOCK_ANCHOR anchors VIKAR_CLOCK_START"),
        ({"VIKAR_CLOCK_OFFSET": "a month"}, "VIKAR_CLOCK_OFFSET"),
    ],
)
def test_a_clock_setting_that_means_nothing_clear_is_refused(clock_settings: dict[str, str], rule: str) -> None:
    with pytest.raises(ValidationError, match=rule):
        ServiceSettings(**clock_settings)  # type: ignore[arg-type]
