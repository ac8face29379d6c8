"""Settings of the notifications service (env prefix ``NOTIFICATIONS_``)."""

from __future__ import annotations

from typing import Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from notifications.reminders.models import Ladder
from vikar_shared.sealing import SealingKeys, dev_sealing_keys, development_keys_in
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

    # Where approvers approve hours; links in e-mails point below it (<base>/portal/pending). Unset: the
    # one origin every page is served from, VIKAR_PUBLIC_BASE_URL.
    portal_base_url: str | None = None

    sender_poll_interval_seconds: float = Field(default=1.0, gt=0)
    sender_max_attempts: int = Field(default=8, ge=1)
    sender_retry_base_seconds: float = Field(default=30.0, ge=0)
    sender_retry_max_seconds: float = Field(default=3600.0, ge=0)

    # AES-256-GCM keys (base64 of 32 random bytes) by key id that open the login links placement (the
    # identity owner) seals (vikar_shared.sealing): the same keys as PLACEMENT_LOGIN_LINK_SEALING_KEYS (and,
    # while timesheet's requests may still be in flight, TIMESHEET_LOGIN_LINK_SEALING_KEYS). The default
    # is the public development key, for development and tests only.
    login_link_sealing_keys: dict[str, SecretStr] = Field(default_factory=dev_sealing_keys)

    # Issue 14: the reminder ladder's defaults, in working days after submission (a company's own ladder, set by
    # consultants, wins). Deemed approval is opt-in per company; this is its deadline when one opts in.
    reminder_working_days: int = Field(default=3, ge=1, le=60)
    reminder_follow_up_working_days: int = Field(default=5, ge=1, le=60)
    reminder_escalation_working_days: int = Field(default=8, ge=1, le=60)
    deemed_approval_working_days: int = Field(default=10, ge=1, le=60)

    # Part C: how often (real seconds) the worker's scheduler looks for a due slot (the reminder run's).
    scheduler_poll_seconds: float = Field(default=15.0, gt=0)
    # Issue 14 (part B): where the sender fetches a mail's attachments, by service name (an attachment names its
    # service and path; the document is fetched with a short-lived service token, never stored). Env e.g.
    # NOTIFICATIONS_SERVICE_BASE_URLS='{"invoicing": "http://127.0.0.1:8103"}'.
    service_base_urls: dict[str, str] = Field(default_factory=lambda: {"invoicing": "http://127.0.0.1:8103"})
    document_fetch_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    # Issue 14 (part A): the consultant digest. Placement's API (GET /consultant-digest, read with a 5-minute
    # service token); a failed fetch is retried after base, 2·base, 4·base … seconds, at most max.
    placement_base_url: str = "http://127.0.0.1:8101"
    digest_fetch_timeout_seconds: float = Field(default=10.0, gt=0)
    digest_poll_seconds: float = Field(default=5.0, gt=0)
    digest_retry_base_seconds: float = Field(default=60.0, ge=0)
    digest_retry_max_seconds: float = Field(default=3600.0, ge=0)

    def default_ladder(self) -> Ladder:
        """The ladder of a company whose consultants set none (deemed approval off)."""
        return Ladder(
            reminder=self.reminder_working_days,
            follow_up=self.reminder_follow_up_working_days,
            escalation=self.reminder_escalation_working_days,
        )

    @model_validator(mode="after")
    def _ladder_in_order(self) -> Self:
        if not (
            self.reminder_working_days
            < self.reminder_follow_up_working_days
            < self.reminder_escalation_working_days
            < self.deemed_approval_working_days
        ):
            raise ValueError("the reminder ladder must rise: reminder < follow-up < escalation < deemed approval")
        return self

    def insecure_settings(self) -> list[str]:
        """The shared checks, and the sealing keys: the published development key is refused outside
        development and test."""
        return [
            *super().insecure_settings(),
            *development_keys_in("login_link_sealing_keys", self.login_link_sealing_keys),
            *self._webhook_insecure_settings(),  # issue 14, part D
        ]

    @model_validator(mode="after")
    def _sealing_keys_usable(self) -> Self:
        SealingKeys(self.login_link_sealing_keys)  # ValueError: refuse to start
        return self

    def login_link_sealer(self) -> SealingKeys:
        return SealingKeys(self.login_link_sealing_keys)

    # Issue 14, part D: signed webhooks for finance systems (notifications.webhooks).
    # AES-256-GCM keys (base64 of 32 random bytes) by key id that seal the endpoints' signing secrets at rest; the
    # first seals, all open (rotate by putting a new id first). The default is the public development key,
    # refused outside development and test.
    webhook_secret_sealing_keys: dict[str, SecretStr] = Field(default_factory=dev_sealing_keys)
    # http:// URLs and loopback/private/link-local/reserved addresses: None = allowed only in development and
    # test; true is refused outside them (insecure_settings).
    webhook_allow_insecure_urls: bool | None = None
    # Seconds to wait after the 1st, 2nd, … failed attempt; after the last the delivery is given up ("failed",
    # replayable). The default covers 31.6 hours; less than 24 hours is refused outside development and test.
    webhook_retry_schedule_seconds: list[float] = Field(
        default_factory=lambda: [5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 50400.0], min_length=1
    )
    # An endpoint whose attempts have failed for this long with no success in between is disabled (finance mailed).
    webhook_disable_after_days: float = Field(default=5.0, gt=0)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_poll_interval_seconds: float = Field(default=1.0, gt=0)

    @model_validator(mode="after")
    def _webhook_settings_usable(self) -> Self:
        SealingKeys(self.webhook_secret_sealing_keys)  # ValueError: refuse to start
        if any(delay < 0 for delay in self.webhook_retry_schedule_seconds):
            raise ValueError("webhook_retry_schedule_seconds must not hold a negative delay")
        return self

    def webhook_sealer(self) -> SealingKeys:
        return SealingKeys(self.webhook_secret_sealing_keys)

    def webhooks_allow_insecure_urls(self) -> bool:
        """Whether http:// and non-public addresses may be registered and connected to."""
        if self.webhook_allow_insecure_urls is None:
            return self.environment.allows_development_secrets
        return self.webhook_allow_insecure_urls

    def _webhook_insecure_settings(self) -> list[str]:
        found = development_keys_in("webhook_secret_sealing_keys", self.webhook_secret_sealing_keys)
        if self.webhook_allow_insecure_urls:
            found.append("webhook_allow_insecure_urls lets webhooks reach http:// and private addresses")
        if sum(self.webhook_retry_schedule_seconds) < 24 * 3600:
            found.append("webhook_retry_schedule_seconds retries for less than 24 hours")
        return found
