"""Timesheet settings: the shared base with this service's env prefix and local defaults."""

from __future__ import annotations

from typing import Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from vikar_shared.sealing import DEV_SEALING_KEY_ID, SealingKeys, dev_sealing_keys, development_keys_in
from vikar_shared.settings import ServiceSettings


class TimesheetSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TIMESHEET_", extra="ignore", env_nested_delimiter="__")

    service_name: str = "timesheet"
    http_port: int = 8102
    database_url: str = "postgresql://postgres@127.0.0.1:5433/timesheet"

    # The company approval portal: where its login links point, and how long links and sessions live.
    portal_base_url: str = "http://127.0.0.1:8102"
    portal_login_link_minutes: int = Field(default=15, ge=1, le=60)
    # The login rate limit, per address and per client: a capped backoff, never a lockout (portal/README.md).
    # Accepted requests count for `window` minutes; the first `free_*` pass at once, each further one
    # waits base · 2^n seconds after the previous accepted one, at most `backoff_max_seconds`.
    portal_login_window_minutes: int = Field(default=10, ge=1, le=60)
    portal_login_free_per_email: int = Field(default=3, ge=1, le=100)
    portal_login_free_per_client: int = Field(default=10, ge=1, le=1000)
    portal_login_backoff_seconds: int = Field(default=5, ge=1, le=60)
    portal_login_backoff_max_seconds: int = Field(default=60, ge=1, le=300)
    portal_session_hours: int = Field(default=8, ge=1, le=24 * 30)
    # None: Secure cookies exactly when the request came over https (behind a proxy, set
    # trusted_proxies naming it, so the forwarded scheme is believed); true/false force it.
    portal_cookie_secure: bool | None = None

    # AES-256-GCM keys (base64 of 32 random bytes) by key id, shared with notifications only: login links
    # travel sealed with the key `login_link_sealing_key_id` (vikar_shared.sealing). The default is the
    # public development key, for development and tests only. Rotate: add a key to both services, switch
    # the id here, drop the old key a link lifetime (15 min) later.
    login_link_sealing_keys: dict[str, SecretStr] = Field(default_factory=dev_sealing_keys)
    login_link_sealing_key_id: str = DEV_SEALING_KEY_ID

    def insecure_settings(self) -> list[str]:
        """The shared checks, and the sealing keys: the published development key is refused outside
        development and test."""
        return [
            *super().insecure_settings(),
            *development_keys_in("login_link_sealing_keys", self.login_link_sealing_keys),
        ]

    @model_validator(mode="after")
    def _sealing_keys_usable(self) -> Self:
        SealingKeys(self.login_link_sealing_keys, self.login_link_sealing_key_id)  # ValueError: refuse to start
        return self

    def login_link_sealer(self) -> SealingKeys:
        return SealingKeys(self.login_link_sealing_keys, self.login_link_sealing_key_id)
