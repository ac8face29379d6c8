"""``python -m placement [api|worker|relay|migrate|all]``: one runtime role of the placement service
(``vikar_shared.runtime``; no argument: ``all``, the HTTP API, the consumers, the jobs and the relay in one
process, as the demo and the end-to-end tests run it)."""

from placement.app import create_app
from placement.config import PlacementSettings
from vikar_shared.runtime.cli import main

if __name__ == "__main__":
    main("placement", PlacementSettings, create_app)
