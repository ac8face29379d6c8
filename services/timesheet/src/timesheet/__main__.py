"""``python -m timesheet [api|worker|relay|migrate|all]``: one runtime role of the timesheet service
(``vikar_shared.runtime``; no argument: ``all``, the HTTP API, the consumers, the jobs and the relay in one
process, as the demo and the end-to-end tests run it)."""

from timesheet.app import create_app
from timesheet.config import TimesheetSettings
from vikar_shared.runtime.cli import main

if __name__ == "__main__":
    main("timesheet", TimesheetSettings, create_app)
