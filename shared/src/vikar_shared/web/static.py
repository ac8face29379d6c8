"""The shared stylesheet, served under each service's page prefix.

Behind the one origin every service's pages live under their own prefix (``/portal``, ``/auth``, …), so
``stylesheet_router("/portal")`` answers ``GET /portal/static/vikar.css`` and another service's copy
lives at its own ``/auth/static/vikar.css``: no two services claim one path.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response

STYLESHEET = Path(__file__).resolve().parent / "static" / "vikar.css"
STYLESHEET_NAME = "vikar.css"


def stylesheet_path(prefix: str) -> str:
    """``"/portal"`` → ``"/portal/static/vikar.css"``."""
    return f"{prefix.rstrip('/')}/static/{STYLESHEET_NAME}"


def stylesheet_router(prefix: str) -> APIRouter:
    """A router answering ``GET {prefix}/static/vikar.css`` (public, cached an hour); not in the OpenAPI."""
    if not prefix.startswith("/") or prefix.rstrip("/") in ("", "/static"):
        raise ValueError(f"a page prefix of its own is needed, such as /portal (got {prefix!r})")
    router = APIRouter(include_in_schema=False)

    @router.get(stylesheet_path(prefix))
    async def stylesheet() -> Response:
        return stylesheet_response()

    return router


def stylesheet_response() -> Response:
    """The stylesheet itself, for a service whose page router already has its prefix
    (``@router.get("/static/vikar.css")`` on a router with ``prefix="/portal"``)."""
    return FileResponse(
        STYLESHEET,
        media_type="text/css",
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
