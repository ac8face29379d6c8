"""One clock for every service of a system (issue 7, item 2): the same unprefixed ``VIKAR_CLOCK_*``
variables reach every service, a service prefix does not, and production refuses them everywhere."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from invoicing.config import InvoicingSettings
from notifications.config import NotificationsSettings
from placement.config import PlacementSettings
from timesheet.config import TimesheetSettings
from vikar_shared.clock import SYSTEM_CLOCK, ShiftedClock
from vikar_shared.settings import ServiceSettings

SERVICES: dict[str, type[ServiceSettings]] = {
    "PLACEMENT": PlacementSettings,
    "TIMESHEET": TimesheetSettings,
    "INVOICING": InvoicingSettings,
    "NOTIFICATIONS": NotificationsSettings,
}


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.startswith(("VIKAR_", *(p + "_" for p in SERVICES))):
            monkeypatch.delenv(name)
    return monkeypatch


def test_every_service_reads_the_same_offset(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("VIKAR_CLOCK_OFFSET", "P31D")
    for settings_class in SERVICES.values():
        clock = settings_class().clock()
        assert isinstance(clock, ShiftedClock), settings_class
        assert clock.offset == timedelta(days=31), settings_class


def test_every_service_reads_the_same_anchored_start(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("VIKAR_CLOCK_START", "2026-12-01T08:00:00+01:00")
    clean_env.setenv("VIKAR_CLOCK_ANCHOR", "2026-11-30T09:00:00Z")
    expected = datetime(2026, 12, 1, 7, tzinfo=UTC) - datetime(2026, 11, 30, 9, tzinfo=UTC)
    offsets = set()
    for settings_class in SERVICES.values():
        clock = settings_class().clock()
        assert isinstance(clock, ShiftedClock), settings_class
        offsets.add(clock.offset)
    assert offsets == {expected}


@pytest.mark.parametrize("prefix", sorted(SERVICES))
def test_a_service_prefix_does_not_set_the_clock(clean_env: pytest.MonkeyPatch, prefix: str) -> None:
    clean_env.setenv(f"{prefix}_CLOCK_OFFSET", "P31D")
    assert SERVICES[prefix]().clock() is SYSTEM_CLOCK


@pytest.mark.parametrize("prefix", sorted(SERVICES))
def test_production_refuses_the_clock_in_every_service(clean_env: pytest.MonkeyPatch, prefix: str) -> None:
    clean_env.setenv("VIKAR_ENVIRONMENT", "production")
    clean_env.setenv("VIKAR_CLOCK_OFFSET", "P1D")
    with pytest.raises(ValidationError, match="refuses a settable clock: VIKAR_CLOCK_OFFSET"):
        SERVICES[prefix]()


@pytest.mark.parametrize("prefix", sorted(SERVICES))
def test_demo_and_test_systems_may_set_it(clean_env: pytest.MonkeyPatch, prefix: str) -> None:
    clean_env.setenv("VIKAR_ENVIRONMENT", "test")
    clean_env.setenv("VIKAR_CLOCK_START", "2026-12-01T08:00:00+01:00")
    clock = SERVICES[prefix]().clock()
    assert isinstance(clock, ShiftedClock)
    assert clock.today() >= datetime(2026, 12, 1, tzinfo=UTC).date()


def test_every_service_app_carries_the_configured_clock(clean_env: pytest.MonkeyPatch) -> None:
    """Invoicing reads no domain time today (its months are explicit), but its app gets the clock too."""
    from invoicing.app import create_app as invoicing_app
    from notifications.app import create_app as notifications_app
    from placement.app import create_app as placement_app
    from timesheet.app import create_app as timesheet_app

    clean_env.setenv("VIKAR_CLOCK_OFFSET", "P2D")
    apps = {
        "placement": placement_app(PlacementSettings()),
        "timesheet": timesheet_app(TimesheetSettings()),
        "invoicing": invoicing_app(InvoicingSettings()),
        "notifications": notifications_app(NotificationsSettings()),
    }
    for name, app in apps.items():
        clock = app.state.clock
        assert isinstance(clock, ShiftedClock), name
        assert clock.offset == timedelta(days=2), name
