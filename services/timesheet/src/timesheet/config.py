"""Timesheet settings: the shared base with this service's env prefix and local defaults."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from vikar_shared.settings import ServiceSettings


class TimesheetSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TIMESHEET_", extra="ignore", env_nested_delimiter="__")

    service_name: str = "timesheet"
    http_port: int = 8102
    database_url: str = "postgresql://postgres@127.0.0.1:5433/timesheet"

    # The company approval portal: where its login links point, and how long links and sessions live.
    portal_base_url: str = "http://127.0.0.1:8102"
    portal_login_link_minutes: int = Field(default=15, ge=1, le=60)
    portal_login_window_minutes: int = Field(default=15, ge=1)
    portal_login_max_per_email: int = Field(default=5, ge=1)
    portal_login_max_per_client: int = Field(default=20, ge=1)
    portal_session_hours: int = Field(default=8, ge=1, le=24 * 30)
    # None: Secure cookies exactly when the request came over https (behind a proxy, run uvicorn with
    # --proxy-headers so the scheme is right); true/false force it.
    portal_cookie_secure: bool | None = None
