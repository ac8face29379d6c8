"""``python -m timesheet``: serve the HTTP API, relay and consumers in one process."""

from __future__ import annotations

import uvicorn

from timesheet.app import create_app
from timesheet.config import TimesheetSettings


def main() -> None:
    settings = TimesheetSettings()
    uvicorn.run(create_app(settings), host=settings.http_host, port=settings.http_port)


if __name__ == "__main__":
    main()
