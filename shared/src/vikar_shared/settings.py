"""Settings base every service extends; the only place configuration is read from the environment.

Where it runs: ``environment`` (one variable for every service, ``VIKAR_ENVIRONMENT``; default
``development``). ``development`` and ``test`` may use the published development secrets; ``demo``
and ``production`` refuse to start with them, with no JWT key, with a JWT key shorter than 32
characters, or with one holding the example placeholder ``CHANGE-ME``: constructing the settings
raises a ``ValidationError`` naming each offending setting. A service adds its own secrets by
extending :meth:`ServiceSettings.insecure_settings`. Any later setting that must never be on in
production (a settable clock, a test hook) checks the same ``environment`` value, e.g.
``environment.allows_development_secrets``; nothing reads another variable.

The clock (:mod:`vikar_shared.clock`), also one set of variables for every service, so all services of
one system agree on the time: without them the real time. For demo, training and acceptance systems,
where a month or a month's close is played through the public APIs on any day:

- ``VIKAR_CLOCK_OFFSET``: the real time moved by an ISO 8601 duration (``P31D``, ``-PT2H``) or a number of
  seconds; it runs.
- ``VIKAR_CLOCK_START``: an aware instant (``2026-12-01T08:00:00+01:00``) the clock shows at
  ``VIKAR_CLOCK_ANCHOR`` (an aware real instant; default: when the service starts) and runs from there.
  Give several services (or a restarted one) the same anchor so they agree to the second.

Start and offset together, an anchor without a start, or a naive instant are a ``ValidationError``;
so is any of them when ``VIKAR_ENVIRONMENT=production`` (a settable clock never runs in production).
"""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Self

from cryptography.hazmat.primitives import serialization
from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from vikar_shared.calendar import DEFAULT_CLOSED_DAYS, ClosedDay, WorkingDayCalendar
from vikar_shared.clock import Clock, configured_clock
from vikar_shared.identity.tokens import DEV_KEY_ID, DEV_PUBLIC_KEY_PEM, load_public_key

DEV_JWT_SECRET = "vikarmodel-development-secret-change-me-0123456789"
# deploy/k8s/secrets.example.yaml's placeholders: a secret containing it was copied, not generated.
PLACEHOLDER = "CHANGE-ME"
ENVIRONMENT_VARIABLE = "VIKAR_ENVIRONMENT"
CLOCK_START_VARIABLE = "VIKAR_CLOCK_START"
CLOCK_ANCHOR_VARIABLE = "VIKAR_CLOCK_ANCHOR"
CLOCK_OFFSET_VARIABLE = "VIKAR_CLOCK_OFFSET"
MIN_JWT_KEY_LENGTH = 32


def _raw_public(pem: str) -> bytes:
    """The 32 bytes of an Ed25519 public key, to compare keys whatever their PEM spelling."""
    return load_public_key(pem).public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


class Environment(StrEnum):
    """Where a service runs. Read from ``VIKAR_ENVIRONMENT`` by every service (no service prefix)."""

    DEVELOPMENT = "development"
    TEST = "test"
    DEMO = "demo"
    PRODUCTION = "production"

    @property
    def allows_development_secrets(self) -> bool:
        """True only in development and test: published secrets and test hooks are allowed."""
        return self in (Environment.DEVELOPMENT, Environment.TEST)

    @property
    def allows_settable_clock(self) -> bool:
        """False only in production: a clock set by configuration (start or offset) is refused there."""
        return self is not Environment.PRODUCTION


class ServiceSettings(BaseSettings):
    """Common settings. Each service subclasses this with its own ``env_prefix``.

    Defaults point at the local stack started by ``deploy/local/stack up``.
    """

    model_config = SettingsConfigDict(extra="ignore", env_nested_delimiter="__")

    # The alias puts the same variable, without the service's prefix, behind every service's settings.
    # Set it in code as ``ServiceSettings(VIKAR_ENVIRONMENT="test")``.
    environment: Environment = Field(default=Environment.DEVELOPMENT, validation_alias=ENVIRONMENT_VARIABLE)
    # The settable clock, the same variables for every service (see the module docstring); never in production.
    clock_start: datetime | None = Field(default=None, validation_alias=CLOCK_START_VARIABLE)
    clock_anchor: datetime | None = Field(default=None, validation_alias=CLOCK_ANCHOR_VARIABLE)
    clock_offset: timedelta | None = Field(default=None, validation_alias=CLOCK_OFFSET_VARIABLE)
    service_name: str = "service"
    # The one origin the reverse proxy serves every service's pages and APIs under (no trailing slash);
    # problem types resolve there: {public_base_url}/problems/{service_name}/{code}. One variable for every
    # service, VIKAR_PUBLIC_BASE_URL (in code: public_base_url=...).
    public_base_url: str = Field(
        default="http://127.0.0.1:8100", validation_alias=AliasChoices("VIKAR_PUBLIC_BASE_URL", "public_base_url")
    )
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    database_url: str = "postgresql://postgres@127.0.0.1:5433/postgres"
    # Connections opened at start. None (the default): the `api` role opens its whole pool (`db_pool_max`),
    # so no request waits while a connection is opened and set up (bench/api's p99 at 300/s: ~90 ms with
    # a pool grown on demand, ~20 ms opened at start); the other roles open one and grow on demand.
    # A number: every role opens that many.
    db_pool_min: int | None = Field(default=None, ge=0)
    # A request holds its connection for each of its round trips (an approval: begin, decide, outbox,
    # commit), so under load the pool bounds the request rate (Little's law: rate x holding time); 10
    # capped approvals at ~150-220/s on a busy 2-core machine, 20 or more kept up with 300/s (bench/api).
    # Connections are opened only as concurrent requests need them.
    db_pool_max: int = 20
    kafka_bootstrap: str = "127.0.0.1:9092"
    # Prepended to every topic and consumer group name; lets test runs share one broker in isolation.
    kafka_namespace: str = ""
    # HS256 keys by key id; tokens name their key in the `kid` header. Rotate by adding a key.
    jwt_keys: dict[str, SecretStr] = Field(default_factory=lambda: {"dev": SecretStr(DEV_JWT_SECRET)})
    jwt_issuer: str = "vikarmodel"
    jwt_audience: str = "vikarmodel"
    # Longest lifetime (exp - iat) a bearer token may have: a working day for people.
    jwt_max_lifetime_minutes: int = Field(default=12 * 60, ge=1, le=7 * 24 * 60)
    # Clock skew tolerated for a token issued "in the future" (iat); expiry gets none.
    jwt_leeway_seconds: int = Field(default=60, ge=0, le=600)
    # Whether a starting process applies the migrations first (vikar_shared.runtime, README "Runtime roles").
    # None (the default): the `migrate` and `all` roles do; `api`, `worker` and `relay` do outside
    # production only (one command less in development, test and demo; migrate() takes an advisory lock,
    # so racing replicas apply each file once), never in production, where the migrate Job runs first.
    # true/false decide for every role but `migrate` (which always migrates).
    run_migrations_on_start: bool | None = None
    # Switches within a role that runs them (`worker`/`all`: consumers; `relay`/`all`: the outbox relay).
    run_consumers: bool = True
    run_relay: bool = True
    # Issue 14: days many workplaces close although they are not public holidays, counted as no working day
    # by every deadline in working days (vikar_shared.calendar): constitution_day, christmas_eve, new_years_eve.
    # Env: a JSON list, e.g. VIKAR_WORKING_DAY_CLOSED_DAYS='["christmas_eve"]'; [] counts public holidays only.
    working_day_closed_days: list[ClosedDay] = Field(
        default_factory=lambda: sorted(DEFAULT_CLOSED_DAYS),
        validation_alias=AliasChoices("VIKAR_WORKING_DAY_CLOSED_DAYS", "working_day_closed_days"),
    )
    # The relay role's leadership: one relay per database publishes (it holds a PostgreSQL session
    # advisory lock); another replica tries to take the lock every `relay_standby_seconds` and the
    # leader checks its lock connection as often, stopping at once when it is lost.
    relay_standby_seconds: float = Field(default=2.0, gt=0, le=60)
    relay_batch_size: int = 500
    relay_idle_seconds: float = 0.05
    consumer_max_attempts: int = 3
    consumer_retry_backoff_seconds: float = 0.2
    # Recovery (issue 8). A consumer retries an event whose handling fails on a dependency that is down
    # (vikar_shared.transient) for `consumer_transient_retry_seconds`, then seeks back and fetches it
    # again; readiness reports it once it has made no progress for `consumer_stall_seconds`, and the
    # leading relay once it has published nothing for `relay_stall_seconds` while a row older than
    # that waits. Seconds; raise them where a dependency's planned restarts take longer.
    consumer_transient_retry_seconds: float = Field(default=30.0, gt=0, le=3600)
    consumer_stall_seconds: float = Field(default=30.0, gt=0, le=3600)
    relay_stall_seconds: float = Field(default=30.0, gt=0, le=3600)
    # Consumers handle what one fetch returns, at most this many records, in one transaction
    # (vikar_shared.messaging.subscriber); a fetch waits up to the timeout (ms) when nothing has arrived.
    consumer_batch_max_records: int = Field(default=500, ge=1, le=10_000)
    consumer_batch_timeout_ms: int = Field(default=50, ge=1, le=10_000)
    log_level: str = "INFO"
    # Traces (vikar_shared.tracing): the OTLP/HTTP collector's base URL, e.g. http://otel-collector:4318 (spans
    # go to <base>/v1/traces). One variable for every service, the OpenTelemetry standard
    # OTEL_EXPORTER_OTLP_ENDPOINT (in code: otlp_endpoint=...). Unset (the default): no spans are recorded
    # or exported, and nothing is added to the request path. The exporter's other OTEL_* variables
    # (OTEL_EXPORTER_OTLP_HEADERS, _TIMEOUT, _COMPRESSION, OTEL_TRACES_SAMPLER, OTEL_RESOURCE_ATTRIBUTES) apply.
    otlp_endpoint: str | None = Field(
        default=None, validation_alias=AliasChoices("OTEL_EXPORTER_OTLP_ENDPOINT", "otlp_endpoint")
    )
    # Page sessions (vikar_shared.identity.tokens): the identity owner's Ed25519 public keys (PEM) by key
    # id, with which every page-serving service verifies the ``vikar_session`` cookie locally. Rotate by
    # adding the new key everywhere before the owner signs with it. The default is the published
    # development key, refused outside development and test.
    identity_verify_keys: dict[str, str] = Field(default_factory=lambda: {DEV_KEY_ID: DEV_PUBLIC_KEY_PEM})
    # Peers (IPs or CIDRs, e.g. ["10.0.0.0/8"]) whose X-Forwarded-For / X-Forwarded-Proto are believed:
    # only behind these is the client address (rate limits) and the scheme (Secure cookies) taken from
    # the headers. Empty (the default): the headers are ignored and the TCP peer is the client.
    trusted_proxies: list[str] = Field(default_factory=list)

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, proxies: list[str]) -> list[str]:
        """Each entry an IP address or CIDR network (``"*"`` trusts every peer: only behind a proxy that
        is the sole way in). A typo fails the start instead of silently trusting nobody or everybody."""
        for proxy in proxies:
            if proxy.strip() != "*":
                ipaddress.ip_network(proxy.strip(), strict=False)
        return [p.strip() for p in proxies]

    @field_validator("otlp_endpoint")
    @classmethod
    def _otlp_endpoint_is_a_url(cls, endpoint: str | None) -> str | None:
        """Blank (as a manifest's empty value gives it) is unset; anything else an http(s) URL, so a typo
        fails the start instead of every export."""
        if endpoint is None or not endpoint.strip():
            return None
        endpoint = endpoint.strip().rstrip("/")
        if not endpoint.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL, e.g. http://otel-collector:4318")
        return endpoint

    @field_validator("identity_verify_keys")
    @classmethod
    def _verify_keys_are_ed25519(cls, keys: dict[str, str]) -> dict[str, str]:
        """Each an Ed25519 public key in PEM (a ``\\n`` escape, as one-line environments write it, is a
        line break): a wrong key fails the start instead of every page visit."""
        loaded = {kid: pem.replace("\\n", "\n") for kid, pem in keys.items()}
        for pem in loaded.values():
            load_public_key(pem)  # ValueError: refuse to start
        return loaded

    def pool_min_size(self, role: str) -> int:
        """Connections a process of ``role`` opens at start (see ``db_pool_min``), at most ``db_pool_max``."""
        if self.db_pool_min is not None:
            return min(self.db_pool_min, self.db_pool_max)
        return self.db_pool_max if role == "api" else 1

    def migrates_on_start(self, role: str) -> bool:
        """Whether a process of ``role`` (``api``, ``worker``, ``relay``, ``migrate``, ``all``) applies the
        migrations before it starts (see ``run_migrations_on_start``)."""
        if role == "migrate":
            return True
        if self.run_migrations_on_start is not None:
            return self.run_migrations_on_start
        return role == "all" or self.environment is not Environment.PRODUCTION

    def insecure_settings(self) -> list[str]:
        """Settings that hold a published development value or are missing a secret, each as a sentence.

        Services with secrets of their own extend this (``return [*super().insecure_settings(), ...]``).
        """
        found: list[str] = []
        if not self.identity_verify_keys:
            found.append("identity_verify_keys is empty: no key to verify page sessions with")
        for kid, pem in self.identity_verify_keys.items():
            if _raw_public(pem) == _raw_public(DEV_PUBLIC_KEY_PEM):
                found.append(f"identity_verify_keys[{kid!r}] is the published development key")
        if not self.jwt_keys:
            found.append("jwt_keys is empty: no key to verify bearer tokens with")
        for kid, key in self.jwt_keys.items():
            secret = key.get_secret_value()
            if secret == DEV_JWT_SECRET:
                found.append(f"jwt_keys[{kid!r}] is the published development secret")
            elif PLACEHOLDER in secret:
                found.append(f"jwt_keys[{kid!r}] is the example placeholder ({PLACEHOLDER})")
            elif len(secret) < MIN_JWT_KEY_LENGTH:
                found.append(f"jwt_keys[{kid!r}] is shorter than {MIN_JWT_KEY_LENGTH} characters")
        return found

    @field_validator("clock_offset", mode="before")
    @classmethod
    def _offset_in_seconds(cls, value: object) -> object:
        """A plain number (as an environment variable gives it: ``"3600"``, ``"-86400"``) counts seconds."""
        if isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError:
                return value  # an ISO 8601 duration, parsed by pydantic
        return value

    @field_validator("clock_start", "clock_anchor")
    @classmethod
    def _clock_instants_are_aware(cls, instant: datetime | None) -> datetime | None:
        """An instant without a UTC offset would mean a different moment on each server."""
        if instant is not None and instant.utcoffset() is None:
            raise ValueError("needs a UTC offset, e.g. 2026-12-01T08:00:00+01:00")
        return instant

    @model_validator(mode="after")
    def _clock_is_settable_here(self) -> Self:
        set_by = [
            name
            for name, value in (
                (CLOCK_START_VARIABLE, self.clock_start),
                (CLOCK_ANCHOR_VARIABLE, self.clock_anchor),
                (CLOCK_OFFSET_VARIABLE, self.clock_offset),
            )
            if value is not None
        ]
        if set_by and not self.environment.allows_settable_clock:
            raise ValueError(
                f"{ENVIRONMENT_VARIABLE}={self.environment.value} refuses a settable clock: "
                + ", ".join(set_by)
                + " must not be set in production"
            )
        if self.clock_start is not None and self.clock_offset is not None:
            raise ValueError(f"set {CLOCK_START_VARIABLE} or {CLOCK_OFFSET_VARIABLE}, not both")
        if self.clock_anchor is not None and self.clock_start is None:
            raise ValueError(f"{CLOCK_ANCHOR_VARIABLE} anchors {CLOCK_START_VARIABLE}, which is not set")
        return self

    def clock(self) -> Clock:
        """The clock these settings ask for (the real time unless a start or an offset is set)."""
        return configured_clock(start=self.clock_start, anchor=self.clock_anchor, offset=self.clock_offset)

    def working_days(self) -> WorkingDayCalendar:
        """The agency's working-day calendar (:mod:`vikar_shared.calendar`): Danish public holidays and the
        ``working_day_closed_days`` setting."""
        return WorkingDayCalendar(self.working_day_closed_days)

    @model_validator(mode="after")
    def _refuse_development_secrets(self) -> Self:
        if self.environment.allows_development_secrets:
            return self
        found = self.insecure_settings()
        if found:
            raise ValueError(
                f"{ENVIRONMENT_VARIABLE}={self.environment.value} refuses to start with development secrets: "
                + "; ".join(found)
            )
        return self

    # Idempotency-Key: how long a key and its stored response are kept (the draft asks for at least 24 h).
    idempotency_retention_hours: int = Field(default=24, ge=24, le=24 * 366)
