"""The one clock of the system: the agency's time zone, "now" and "today".

Every endpoint, handler and background job asks a :class:`Clock` for domain time; nothing else calls
``datetime.now``/``date.today``/``time.time`` (``shared/tests/unit/test_clock.py`` scans the source and
lists the few justified exceptions). This module is pure (no FastAPI, no database), so domain models may
import it; the FastAPI dependencies ``Now`` and ``Today`` live in :mod:`vikar_shared.http.deps` and read
the clock from ``app.state.clock``, which ``create_service_app`` sets from the settings.

- ``now()``: an aware datetime in UTC.
- ``today()``: the agency's calendar date (``Europe/Copenhagen``, whatever zone the server runs in).

Clocks:

- :class:`SystemClock`: the real time (production).
- :class:`ShiftedClock`: the real time moved by a fixed offset; it runs. Built from the shared settings
  ``VIKAR_CLOCK_OFFSET`` (e.g. ``P31D``) or ``VIKAR_CLOCK_START`` (an instant, e.g.
  ``2026-12-01T08:00:00+01:00``, that the clock shows at ``VIKAR_CLOCK_ANCHOR``, a real instant,
  default: when the settings were read) for demo, training and acceptance systems; refused in
  production (see :mod:`vikar_shared.settings`).
- :class:`FixedClock`: stands still until a test sets or advances it.
"""

from __future__ import annotations

import abc
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

AGENCY_TIMEZONE = ZoneInfo("Europe/Copenhagen")
"""The agency's calendar: work dates, "today", months to invoice and times shown to people."""


def agency_date(instant: datetime) -> date:
    """The agency's calendar date at an aware ``instant`` (Copenhagen, summer time included)."""
    if instant.tzinfo is None:
        raise ValueError("agency_date needs an aware datetime")
    return instant.astimezone(AGENCY_TIMEZONE).date()


def _utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("a clock works with aware datetimes only")
    return instant.astimezone(UTC)


class Clock(abc.ABC):
    """Domain time. Subclasses give :meth:`now`; :meth:`today` follows from it."""

    @abc.abstractmethod
    def now(self) -> datetime:
        """The current instant, aware, in UTC."""

    def today(self) -> date:
        """The agency's calendar date now (``Europe/Copenhagen``)."""
        return agency_date(self.now())


class SystemClock(Clock):
    """The real time of the machine."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


SYSTEM_CLOCK = SystemClock()


class ShiftedClock(Clock):
    """The real time moved by ``offset`` (positive: the future); it runs at the real pace."""

    def __init__(self, offset: timedelta, base: Clock = SYSTEM_CLOCK) -> None:
        self.offset = offset
        self._base = base

    @classmethod
    def starting_at(
        cls, start: datetime, *, anchor: datetime | None = None, base: Clock = SYSTEM_CLOCK
    ) -> ShiftedClock:
        """A clock that shows ``start`` at the real instant ``anchor`` (default: now) and runs from there."""
        return cls(_utc(start) - (_utc(anchor) if anchor is not None else base.now()), base)

    def now(self) -> datetime:
        return self._base.now() + self.offset

    def __repr__(self) -> str:
        return f"ShiftedClock(offset={self.offset!r})"


class FixedClock(Clock):
    """A clock that stands still until it is set or advanced: for tests (nothing sleeps)."""

    def __init__(self, instant: datetime) -> None:
        self._now = _utc(instant)

    @classmethod
    def on(cls, day: date, at: time = time(12)) -> FixedClock:
        """Frozen at ``at`` (agency time, default noon) on the agency's ``day``."""
        return cls(datetime.combine(day, at, tzinfo=AGENCY_TIMEZONE))

    def now(self) -> datetime:
        return self._now

    def set(self, instant: datetime) -> None:
        """Moves the clock to an aware ``instant``."""
        self._now = _utc(instant)

    def set_today(self, day: date, at: time = time(12)) -> None:
        """Moves the clock to ``at`` (agency time, default noon) on the agency's ``day``."""
        self.set(datetime.combine(day, at, tzinfo=AGENCY_TIMEZONE))

    def advance(self, **delta: float) -> None:
        """Moves the clock by ``timedelta(**delta)``, e.g. ``advance(minutes=15)``."""
        self._now += timedelta(**delta)

    def __repr__(self) -> str:
        return f"FixedClock({self._now.isoformat()})"


def configured_clock(
    *, start: datetime | None = None, anchor: datetime | None = None, offset: timedelta | None = None
) -> Clock:
    """The clock the settings ask for: shifted by ``offset``, or showing ``start`` at ``anchor`` and
    running; without either, the system clock. Raises ValueError when both are given."""
    if start is not None and offset is not None:
        raise ValueError("set either a clock start or a clock offset, not both")
    if start is not None:
        return ShiftedClock.starting_at(start, anchor=anchor)
    if offset is not None:
        return ShiftedClock(offset)
    return SYSTEM_CLOCK
