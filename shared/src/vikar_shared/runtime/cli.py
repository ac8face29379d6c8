"""``python -m <service> [api|worker|relay|migrate|all]``: one entry point per service, every role.

No argument means ``all`` (everything in one process, as before roles existed), so the demo
(``deploy/local/up``), the end-to-end tests and ``docker compose`` keep working unchanged; the role may
also come from ``VIKAR_ROLE`` (an argument wins). Production names the role of each Deployment.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Sequence
from typing import TypeVar

from fastapi import FastAPI

from vikar_shared.http.app import serve
from vikar_shared.runtime.roles import DEFAULT_ROLE, Role
from vikar_shared.settings import ServiceSettings

ROLE_VARIABLE = "VIKAR_ROLE"

S = TypeVar("S", bound=ServiceSettings)


def parse_role(service: str, argv: Sequence[str]) -> Role:
    """The role named in ``argv`` (else ``VIKAR_ROLE``, else ``all``); a wrong name exits with usage (2)."""
    parser = argparse.ArgumentParser(
        prog=f"python -m {service}",
        description=f"Runs the {service} service in one role (default: {DEFAULT_ROLE.value}, everything).",
    )
    parser.add_argument(
        "role",
        nargs="?",
        choices=[r.value for r in Role],
        default=os.environ.get(ROLE_VARIABLE) or DEFAULT_ROLE.value,
        help="api: HTTP routes; worker: consumers and scheduled jobs; relay: outbox publisher; "
        "migrate: apply migrations and exit; all: everything in one process",
    )
    return Role(parser.parse_args(list(argv)).role)


async def run_migrate(app: FastAPI) -> None:
    """The ``migrate`` role: the app's lifespan once (migrations, then the service's after-migration
    hooks), then out."""
    async with app.router.lifespan_context(app):
        pass


def main(
    service: str,
    settings_factory: Callable[[], S],
    create_app: Callable[[S, Role], FastAPI],
    argv: Sequence[str] | None = None,
) -> None:
    """Reads the role and the settings, then serves the role's app (or migrates and returns)."""
    role = parse_role(service, sys.argv[1:] if argv is None else argv)
    settings = settings_factory()
    app = create_app(settings, role)
    if role is Role.MIGRATE:
        asyncio.run(run_migrate(app))
        return
    serve(app, settings)
