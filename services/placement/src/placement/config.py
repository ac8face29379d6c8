from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from vikar_shared.settings import PLACEHOLDER, ServiceSettings

# Development keys only; production sets PLACEMENT_CPR_ENCRYPTION_KEY / PLACEMENT_CPR_HASH_KEY.
_DEV_ENCRYPTION_KEY = "ZGV2LW9ubHktY3ByLWVuY3J5cHRpb24ta2V5LTMyYnk="  # 32 bytes, base64
_DEV_HASH_KEY = "dev-only-cpr-lookup-hash-key"


class PlacementSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PLACEMENT_", extra="ignore", env_nested_delimiter="__")

    service_name: str = "placement"
    http_port: int = 8101
    database_url: str = "postgresql://postgres@127.0.0.1:5433/placement"
    cpr_encryption_key: SecretStr = SecretStr(_DEV_ENCRYPTION_KEY)
    cpr_hash_key: SecretStr = SecretStr(_DEV_HASH_KEY)
    # An open job opening must be followed up within this many working days (Mon–Fri) of its report or last follow-up.
    opening_follow_up_working_days: int = Field(default=2, ge=1, le=30)

    def insecure_settings(self) -> list[str]:
        """The shared checks, and the CPR keys: outside development and test they must not be the published ones."""
        found = super().insecure_settings()
        for name, key, dev in (
            ("cpr_encryption_key", self.cpr_encryption_key, _DEV_ENCRYPTION_KEY),
            ("cpr_hash_key", self.cpr_hash_key, _DEV_HASH_KEY),
        ):
            if key.get_secret_value() == dev:
                found.append(f"{name} is the published development key")
            elif PLACEHOLDER in key.get_secret_value():
                found.append(f"{name} is the example placeholder ({PLACEHOLDER})")
        return found
