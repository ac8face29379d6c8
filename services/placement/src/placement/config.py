from __future__ import annotations

from datetime import timedelta
from typing import Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from vikar_shared.identity.tokens import DEV_KEY_ID, DEV_PRIVATE_KEY_PEM, load_private_key, load_public_key
from vikar_shared.sealing import DEV_SEALING_KEY_ID, SealingKeys, dev_sealing_keys, development_keys_in
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

    # --- Identity (README, section Identity: login links, the rate limit, page sessions) ---------------
    # Where login links in e-mails point (below it: /auth/login/<token>). Unset: the one origin every page
    # is served from, VIKAR_PUBLIC_BASE_URL (nginx routes /auth/ here, /portal/ to timesheet).
    identity_base_url: str | None = None
    # Ed25519 private key (PKCS#8 PEM) that signs page-session tokens, and its key id (the token's `kid`);
    # its public key must be in identity_verify_keys under that id. The default is the published
    # development key, refused outside development and test.
    identity_signing_key: SecretStr = SecretStr(DEV_PRIVATE_KEY_PEM)
    identity_signing_key_id: str = DEV_KEY_ID
    login_link_minutes: int = Field(default=15, ge=1, le=60)
    # The login rate limit, per address and per client: a capped backoff, never a lockout. Accepted
    # requests count for `window` minutes; the first `free_*` pass at once, each further one waits
    # base · 2^n seconds after the previous accepted one, at most `backoff_max_seconds`.
    login_window_minutes: int = Field(default=10, ge=1, le=60)
    login_free_per_email: int = Field(default=3, ge=1, le=100)
    login_free_per_client: int = Field(default=10, ge=1, le=1000)
    login_backoff_seconds: int = Field(default=5, ge=1, le=60)
    login_backoff_max_seconds: int = Field(default=60, ge=1, le=300)
    # How long a page session (its refresh cookie) lives; access tokens live 5 minutes within it.
    session_hours: int = Field(default=8, ge=1, le=24 * 30)
    # None: Secure cookies exactly when the request came over https (behind a proxy, list it in
    # trusted_proxies so the forwarded scheme is believed); true/false force it.
    cookie_secure: bool | None = None
    # AES-256-GCM keys (base64 of 32 random bytes) by key id, shared with notifications only: login links
    # travel sealed with the key `login_link_sealing_key_id` (vikar_shared.sealing). The default is the
    # public development key, for development and tests only. Rotate: add a key to both services, switch
    # the id here, drop the old key a link lifetime (15 min) later.
    login_link_sealing_keys: dict[str, SecretStr] = Field(default_factory=dev_sealing_keys)
    login_link_sealing_key_id: str = DEV_SEALING_KEY_ID

    @field_validator("identity_signing_key", mode="before")
    @classmethod
    def _pem_line_breaks(cls, value: object) -> object:
        """A ``\\n`` escape (as one-line environments write a PEM) is a line break."""
        return value.replace("\\n", "\n") if isinstance(value, str) else value

    @model_validator(mode="after")
    def _keys_usable(self) -> Self:
        """Refuse to start with keys that cannot work: sealing keys without the current id, a signing key
        that is not Ed25519, or one whose public half is not the verify key of its id (then no page
        session placement mints would verify anywhere)."""
        SealingKeys(self.login_link_sealing_keys, self.login_link_sealing_key_id)
        private = load_private_key(self.identity_signing_key.get_secret_value())
        published = self.identity_verify_keys.get(self.identity_signing_key_id)
        if (
            published is None
            or load_public_key(published).public_bytes_raw() != private.public_key().public_bytes_raw()
        ):
            raise ValueError(
                "identity_verify_keys must hold the public key of identity_signing_key under "
                f"identity_signing_key_id ({self.identity_signing_key_id!r})"
            )
        return self

    def insecure_settings(self) -> list[str]:
        """The shared checks, the CPR keys, the page-session signing key and the login-link sealing keys:
        outside development and test none may be the published one."""
        found = super().insecure_settings()
        for name, key, dev in (
            ("cpr_encryption_key", self.cpr_encryption_key, _DEV_ENCRYPTION_KEY),
            ("cpr_hash_key", self.cpr_hash_key, _DEV_HASH_KEY),
        ):
            if key.get_secret_value() == dev:
                found.append(f"{name} is the published development key")
            elif PLACEHOLDER in key.get_secret_value():
                found.append(f"{name} is the example placeholder ({PLACEHOLDER})")
        signing = load_private_key(self.identity_signing_key.get_secret_value()).private_bytes_raw()
        if signing == load_private_key(DEV_PRIVATE_KEY_PEM).private_bytes_raw():
            found.append("identity_signing_key is the published development key")
        found.extend(development_keys_in("login_link_sealing_keys", self.login_link_sealing_keys))
        return found

    def login_link_sealer(self) -> SealingKeys:
        return SealingKeys(self.login_link_sealing_keys, self.login_link_sealing_key_id)

    @property
    def session_ttl(self) -> timedelta:
        return timedelta(hours=self.session_hours)
