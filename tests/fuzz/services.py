"""The four services as ASGI apps, and the operations of their OpenAPI documents.

The documents are read at collection time from apps that are built but never started (``create_app``
opens nothing), so a route added tomorrow is a fuzz test tomorrow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

from invoicing.app import MIGRATIONS as INVOICING_MIGRATIONS
from invoicing.app import create_app as invoicing_app
from invoicing.config import InvoicingSettings
from notifications.app import MIGRATIONS as NOTIFICATIONS_MIGRATIONS
from notifications.app import create_app as notifications_app
from notifications.config import NotificationsSettings
from placement.app import MIGRATIONS as PLACEMENT_MIGRATIONS
from placement.app import create_app as placement_app
from placement.config import PlacementSettings
from timesheet.app import MIGRATIONS as TIMESHEET_MIGRATIONS
from timesheet.app import create_app as timesheet_app
from timesheet.config import TimesheetSettings


@dataclass(frozen=True)
class Service:
    name: str
    create_app: Callable[[Any], FastAPI]
    settings: type[Any]
    migrations: Any


SERVICES = {
    s.name: s
    for s in (
        Service("placement", placement_app, PlacementSettings, PLACEMENT_MIGRATIONS),
        Service("timesheet", timesheet_app, TimesheetSettings, TIMESHEET_MIGRATIONS),
        Service("invoicing", invoicing_app, InvoicingSettings, INVOICING_MIGRATIONS),
        Service("notifications", notifications_app, NotificationsSettings, NOTIFICATIONS_MIGRATIONS),
    )
}

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


@dataclass(frozen=True)
class Operation:
    service: str
    method: str
    path: str

    @property
    def id(self) -> str:
        return f"{self.service}:{self.method.upper()} {self.path}"


def operations() -> list[Operation]:
    """Every operation of every service's OpenAPI document."""
    found = []
    for service in SERVICES.values():
        app = service.create_app(service.settings(database_url="postgresql://unused@127.0.0.1:1/unused"))
        for path, item in app.openapi()["paths"].items():
            found += [Operation(service.name, method, path) for method in item if method in METHODS]
    return found
