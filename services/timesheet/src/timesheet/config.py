"""Timesheet settings: the shared base with this service's env prefix and local defaults."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from vikar_shared.settings import ServiceSettings


class TimesheetSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TIMESHEET_", extra="ignore", env_nested_delimiter="__")

    service_name: str = "timesheet"
    http_port: int = 8102
    database_url: str = "postgresql://postgres@127.0.0.1:5433/timesheet"
