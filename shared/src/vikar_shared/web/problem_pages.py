"""The documentation page of every problem type: ``GET /problems/{service}/`` (the index) and
``GET /problems/{service}/{code}`` (one code: its status, meaning and what to do), HTML in Danish
(default) or English (``?lang=en``), unauthenticated (it is documentation), not in the OpenAPI.

An unknown code is a 404 problem+json ``problem-type-not-found``. Include the router with
``routers=[..., problem_pages(CATALOGUE)]`` where ``CATALOGUE`` is the service's
:class:`~vikar_shared.http.problem_types.ProblemCatalogue` (its ``problem_codes`` module).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from vikar_shared.errors import Category, DomainError
from vikar_shared.http.problem_types import ProblemCatalogue
from vikar_shared.web.i18n import DEFAULT_LOCALE, LAYOUT_CATALOGUE, supported
from vikar_shared.web.i18n import Translator as BaseTranslator
from vikar_shared.web.pages import make_environment, render_page
from vikar_shared.web.static import stylesheet_response

PAGES_CATALOGUE: dict[str, dict[str, str]] = {
    **LAYOUT_CATALOGUE,
    "problems_name": {"da": "Problemtyper", "en": "Problem types"},
    "problems_index_title": {"da": "Problemtyper i {service}", "en": "Problem types of {service}"},
    "problems_index_intro": {
        "da": "Hvert problem, tjenesten svarer med (application/problem+json), har en kode. Her er dem alle.",
        "en": "Every problem the service answers (application/problem+json) has a code. Here they all are.",
    },
    "col_code": {"da": "Kode", "en": "Code"},
    "col_status": {"da": "Status", "en": "Status"},
    "col_title": {"da": "Betydning", "en": "Meaning"},
    "problem_title": {"da": "Problemtype {code}", "en": "Problem type {code}"},
    "problem_status": {"da": "HTTP-status", "en": "HTTP status"},
    "problem_meaning": {"da": "Betydning", "en": "Meaning"},
    "problem_action": {"da": "Hvad du kan gøre", "en": "What to do"},
    "problem_index_link": {"da": "Alle problemtyper i {service}", "en": "All problem types of {service}"},
}


class Translator(BaseTranslator):
    catalogue = PAGES_CATALOGUE


_environment = make_environment()


def problem_pages(catalogue: ProblemCatalogue) -> APIRouter:
    """The router serving ``catalogue``'s pages under ``/problems/{catalogue.service}/``."""
    prefix = f"/problems/{catalogue.service}"
    router = APIRouter(prefix=prefix, include_in_schema=False)

    def translator(request: Request) -> Translator:
        return Translator(supported(request.query_params.get("lang")) or DEFAULT_LOCALE)

    @router.get("/")
    async def index(request: Request) -> Response:
        t = translator(request)
        types = list(catalogue.types.values())
        return render_page(
            _environment,
            request,
            "vikar/problems/index.html",
            t,
            static_prefix=prefix,
            catalogue=catalogue,
            types=types,
        )

    @router.get("/static/vikar.css")
    async def stylesheet() -> Response:
        return stylesheet_response()

    @router.get("/{code}")
    async def problem_type(code: str, request: Request) -> Response:
        found = catalogue.get(code)
        if found is None:
            raise DomainError(
                Category.NOT_FOUND, "problem-type-not-found", f"{catalogue.service} documents no problem {code!r}"
            )
        t = translator(request)
        return render_page(
            _environment,
            request,
            "vikar/problems/type.html",
            t,
            static_prefix=prefix,
            catalogue=catalogue,
            problem=found,
        )

    return router
