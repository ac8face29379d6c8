"""Settings of the notifications service (env prefix ``NOTIFICATIONS_``)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from vikar_shared.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore", env_nested_delimiter="__")

    service_name: str = "notifications"
    http_port: int = 8104
    database_url: str = "postgresql://postgres@127.0.0.1:5433/notifications"

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_from: str = "Vikarmodellen <noreply@vikarmodel.dk>"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)

    # Where approvers approve hours; links in e-mails point below it.
    portal_base_url: str = "http://127.0.0.1:8102"

    sender_poll_interval_seconds: float = Field(default=1.0, gt=0)
    sender_max_attempts: int = Field(default=8, ge=1)
    sender_retry_base_seconds: float = Field(default=30.0, ge=0)
    sender_retry_max_seconds: float = Field(default=3600.0, ge=0)
