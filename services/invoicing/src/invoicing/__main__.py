"""``python -m invoicing``: the HTTP API, the outbox relay and the Kafka consumers in one process."""

from invoicing.app import create_app
from invoicing.config import InvoicingSettings
from vikar_shared.http.app import serve

if __name__ == "__main__":
    settings = InvoicingSettings()
    serve(create_app(settings), settings)
