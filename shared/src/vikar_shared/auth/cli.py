"""Mints bearer tokens for development and demos: ``vikar-token --role consultant --sub anna``.

The key comes from ``VIKAR_JWT_SECRET`` and ``VIKAR_JWT_KID`` (default: the development key ``dev``);
outside development and test (``VIKAR_ENVIRONMENT``) the development secret is refused, as the services
refuse it. A token lives ``--hours`` (default 8), at most the services' bound of 12 hours
(``VIKAR_JWT_MAX_LIFETIME_MINUTES`` when the services were given another).
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from uuid import UUID

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from vikar_shared.auth.principal import Role
from vikar_shared.auth.tokens import MAX_LIFETIME, mint_token
from vikar_shared.settings import DEV_JWT_SECRET, ENVIRONMENT_VARIABLE, Environment


class TokenCliSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VIKAR_", extra="ignore")
    environment: Environment = Field(default=Environment.DEVELOPMENT, validation_alias=ENVIRONMENT_VARIABLE)
    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    jwt_kid: str = "dev"
    jwt_max_lifetime_minutes: int = Field(default=int(MAX_LIFETIME.total_seconds() // 60), ge=1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="vikar-token", description="Mint a bearer token")
    parser.add_argument("--role", required=True, choices=[r.value for r in Role])
    parser.add_argument("--sub", required=True, help="user id / subject (not blank)")
    parser.add_argument("--company-id", type=UUID)
    parser.add_argument("--municipality-id", type=UUID)
    parser.add_argument("--email")
    parser.add_argument("--hours", type=float, default=8.0, help="lifetime in hours (at most 12)")
    parser.add_argument("--kid", default=None, help="key id (default: VIKAR_JWT_KID or dev)")
    args = parser.parse_args(argv)
    settings = TokenCliSettings()
    secret = settings.jwt_secret.get_secret_value()
    if secret == DEV_JWT_SECRET and not settings.environment.allows_development_secrets:
        parser.error(
            f"{ENVIRONMENT_VARIABLE}={settings.environment.value}: the development secret is refused; "
            "set VIKAR_JWT_SECRET (and VIKAR_JWT_KID) to the key the services trust"
        )
    if args.hours <= 0:
        parser.error("--hours must be positive")
    try:
        token = mint_token(
            secret=secret,
            kid=args.kid or settings.jwt_kid,
            subject=args.sub,
            role=Role(args.role),
            company_id=args.company_id,
            municipality_id=args.municipality_id,
            email=args.email,
            ttl=timedelta(hours=args.hours),
            max_ttl=timedelta(minutes=settings.jwt_max_lifetime_minutes),
        )
    except ValueError as exc:
        parser.error(str(exc))
    print(token)


if __name__ == "__main__":
    main()
