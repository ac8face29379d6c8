"""``python -m invoicing [api|worker|relay|migrate|all]``: one runtime role of the invoicing service
(``vikar_shared.runtime``; no argument: ``all``, the HTTP API, the consumers, the jobs and the relay in one
process, as the demo and the end-to-end tests run it)."""

from invoicing.app import create_app
from invoicing.config import InvoicingSettings
from vikar_shared.runtime.cli import main

if __name__ == "__main__":
    main("invoicing", InvoicingSettings, create_app)
