"""Settings base every service extends; the only place configuration is read from the environment."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "vikarmodel-development-secret-change-me-0123456789"


class ServiceSettings(BaseSettings):
    """Common settings. Each service subclasses this with its own ``env_prefix``.

    Defaults point at the local stack started by ``deploy/local/stack up``.
    """

    model_config = SettingsConfigDict(extra="ignore", env_nested_delimiter="__")

    service_name: str = "service"
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    database_url: str = "postgresql://postgres@127.0.0.1:5433/postgres"
    db_pool_min: int = 1
    db_pool_max: int = 10
    kafka_bootstrap: str = "127.0.0.1:9092"
    # Prepended to every topic and consumer group name; lets test runs share one broker in isolation.
    kafka_namespace: str = ""
    # HS256 keys by key id; tokens name their key in the `kid` header. Rotate by adding a key.
    jwt_keys: dict[str, SecretStr] = Field(default_factory=lambda: {"dev": SecretStr(DEV_JWT_SECRET)})
    jwt_issuer: str = "vikarmodel"
    jwt_audience: str = "vikarmodel"
    run_migrations_on_start: bool = True
    run_consumers: bool = True
    run_relay: bool = True
    relay_batch_size: int = 500
    relay_idle_seconds: float = 0.05
    consumer_max_attempts: int = 3
    consumer_retry_backoff_seconds: float = 0.2
    log_level: str = "INFO"
    # Idempotency-Key: how long a key and its stored response are kept (the draft asks for at least 24 h).
    idempotency_retention_hours: int = Field(default=24, ge=24, le=24 * 366)
