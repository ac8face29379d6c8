"""Settings base every service extends; the only place configuration is read from the environment."""

from __future__ import annotations

import ipaddress

from pydantic import Field, SecretStr, field_validator
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
