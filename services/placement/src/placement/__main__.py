"""``python -m placement``: the HTTP API, the outbox relay and the Kafka consumers in one process."""

from placement.app import create_app
from placement.config import PlacementSettings
from vikar_shared.http.app import serve

if __name__ == "__main__":
    settings = PlacementSettings()
    serve(create_app(settings), settings)
