"""``python -m notifications``: the HTTP API, the outbox relay and the Kafka consumers in one process."""

from notifications.app import create_app
from notifications.config import NotificationsSettings
from vikar_shared.http.app import serve

if __name__ == "__main__":
    settings = NotificationsSettings()
    serve(create_app(settings), settings)
