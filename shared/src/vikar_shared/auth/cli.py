"""Mints development tokens: ``vikar-token --role consultant --sub anna``."""

from __future__ import annotations

import argparse
from datetime import timedelta
from uuid import UUID

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from vikar_shared.auth.principal import Role
from vikar_shared.auth.tokens import mint_token
from vikar_shared.settings import DEV_JWT_SECRET


class TokenCliSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VIKAR_", extra="ignore")
    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="vikar-token", description="Mint a development bearer token")
    parser.add_argument("--role", required=True, choices=[r.value for r in Role])
    parser.add_argument("--sub", required=True, help="user id / subject")
    parser.add_argument("--company-id", type=UUID)
    parser.add_argument("--municipality-id", type=UUID)
    parser.add_argument("--email")
    parser.add_argument("--hours", type=float, default=8.0, help="lifetime in hours")
    parser.add_argument("--kid", default="dev")
    args = parser.parse_args(argv)
    secret = TokenCliSettings().jwt_secret.get_secret_value()
    print(
        mint_token(
            secret=secret,
            kid=args.kid,
            subject=args.sub,
            role=Role(args.role),
            company_id=args.company_id,
            municipality_id=args.municipality_id,
            email=args.email,
            ttl=timedelta(hours=args.hours),
        )
    )


if __name__ == "__main__":
    main()
