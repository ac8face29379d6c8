"""Timesheet settings: the shared base with this service's env prefix and local defaults."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from vikar_shared.settings import ServiceSettings


class TimesheetSettings(ServiceSettings):
    """Page sessions are verified with the shared ``identity_verify_keys`` (the identity owner's public
    keys); logging in (links, their sealing keys, the rate limit) is the owner's (placement)."""

    model_config = SettingsConfigDict(env_prefix="TIMESHEET_", extra="ignore", env_nested_delimiter="__")

    service_name: str = "timesheet"
    http_port: int = 8102
    database_url: str = "postgresql://postgres@127.0.0.1:5433/timesheet"

    # The portal's own cookies (language, one-shot message). None: Secure exactly when the request came
    # over https (behind a proxy, set trusted_proxies naming it, so the forwarded scheme is believed);
    # true/false force it.
    portal_cookie_secure: bool | None = None
