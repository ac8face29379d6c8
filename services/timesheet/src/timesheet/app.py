"""Wires the timesheet service: shared skeleton, entries API, placement consumers."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from timesheet.approvals.endpoints import router as approvals_router
from timesheet.config import TimesheetSettings
from timesheet.entries.endpoints import router as entries_router
from timesheet.entries.problems import install_entry_problems
from timesheet.portal.endpoints import router as portal_router
from timesheet.portal.web import install_portal_error_pages
from timesheet.problem_codes import router as problem_pages
from timesheet.worker import build_consumers
from vikar_shared.clock import Clock
from vikar_shared.http.app import create_service_app
from vikar_shared.runtime import Role

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def create_app(settings: TimesheetSettings | None = None, role: Role = Role.ALL) -> FastAPI:
    def clock() -> Clock:
        return app.state.clock  # type: ignore[no-any-return]  # the app's, read when called (a test may set it)

    app = create_service_app(
        settings or TimesheetSettings(),
        title="Vikarmodel timesheet",
        description="Hour entries submitted by agency staff and approved or rejected by the company.",
        routers=[entries_router, approvals_router, portal_router, problem_pages],
        migrations=MIGRATIONS,
        consumers=build_consumers(clock),
        role=role,
    )
    install_entry_problems(app)
    install_portal_error_pages(app)
    return app
