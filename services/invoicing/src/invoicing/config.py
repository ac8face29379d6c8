from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from vikar_shared.settings import ServiceSettings


class InvoicingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INVOICING_", extra="ignore", env_nested_delimiter="__")

    service_name: str = "invoicing"
    http_port: int = 8103
    database_url: str = "postgresql://postgres@127.0.0.1:5433/invoicing"
