"""Runtime roles: one service, several kinds of process (see :mod:`vikar_shared.runtime.roles`).

``python -m <service> api|worker|relay|migrate|all`` (:func:`vikar_shared.runtime.cli.main`); each
service's ``create_app(settings, role=...)`` builds the app of a role with
:func:`vikar_shared.http.app.create_service_app`, whose lifespan (:mod:`vikar_shared.runtime.lifespan`)
starts what the role runs and whose ``/readyz`` answers per role (:mod:`vikar_shared.runtime.readiness`).
"""

from vikar_shared.runtime.roles import DEFAULT_ROLE, Role

__all__ = ["DEFAULT_ROLE", "Role"]
