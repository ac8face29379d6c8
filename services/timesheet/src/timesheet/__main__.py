"""``python -m timesheet``: the HTTP API, the outbox relay and the Kafka consumers in one process."""

from timesheet.app import create_app
from timesheet.config import TimesheetSettings
from vikar_shared.http.app import serve

if __name__ == "__main__":
    settings = TimesheetSettings()
    serve(create_app(settings), settings)
