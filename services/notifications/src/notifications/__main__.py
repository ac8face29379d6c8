"""``python -m notifications [api|worker|relay|migrate|all]``: one runtime role of the notifications service
(``vikar_shared.runtime``; no argument: ``all``, the HTTP API, the consumers, the jobs and the relay in one
process, as the demo and the end-to-end tests run it)."""

from notifications.app import create_app
from notifications.config import NotificationsSettings
from vikar_shared.runtime.cli import main

if __name__ == "__main__":
    main("notifications", NotificationsSettings, create_app)
