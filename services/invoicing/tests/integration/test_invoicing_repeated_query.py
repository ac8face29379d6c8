"""A query parameter given twice is refused on invoicing's API and pages (the shared
``vikar_shared.http.query``): the KPI figures are never answered for the last ``as_of`` of two, and a
page says so on its own 422 page instead of showing page 2 of ``?page=1&page=2``."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from invoicing.app import MIGRATIONS, create_app
from invoicing.config import InvoicingSettings
from vikar_shared.auth import Role
from vikar_shared.clock import FixedClock
from vikar_shared.identity.tokens import COOKIE_NAME
from vikar_shared.testing.identity import page_session_cookie
from vikar_shared.testing.pages import assert_page_headers, visible_text
from vikar_shared.testing.plugin import bearer, serve_in_process
from vikar_shared.testing.problems import field_errors

AALBORG = uuid.UUID("00000000-0000-4000-8000-0000000000b1")
TODAY = date(2026, 12, 10)


@pytest.fixture
async def invoicing_app(
    make_database: Callable[[str, Path], Awaitable[str]], kafka_namespace: str, kafka: str
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    dsn = await make_database("invoicing", MIGRATIONS)
    settings = InvoicingSettings(
        database_url=dsn, kafka_bootstrap=kafka, kafka_namespace=kafka_namespace, statement_document_poll_seconds=3600
    )
    app = create_app(settings)
    async with serve_in_process(app) as client:
        app.state.clock = FixedClock.on(TODAY)
        yield app, client


async def test_the_kpis_as_of_given_twice_is_a_422_naming_as_of(
    invoicing_app: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = invoicing_app
    answer = await client.get(
        f"/municipalities/{AALBORG}/kpis?as_of=2026-11-30&as_of=2026-10-01", headers=bearer(Role.FINANCE)
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "request-invalid"
    assert field_errors(answer) == [("as_of", "repeated")]


@pytest.mark.parametrize(
    ("path", "role", "claims"),
    [
        ("/municipality/statements?page=1&page=2", Role.MUNICIPALITY, {"municipality_id": AALBORG}),
        ("/municipality/progress?as_of=2026-11-30&as_of=2026-10-01", Role.MUNICIPALITY, {"municipality_id": AALBORG}),
        ("/portal/invoices?page=1&page=2", Role.COMPANY_APPROVER, {"company_id": uuid.uuid4()}),
    ],
)
async def test_a_page_with_a_query_parameter_given_twice_is_a_422_page(
    invoicing_app: tuple[FastAPI, httpx.AsyncClient], path: str, role: Role, claims: dict[str, object]
) -> None:
    app, client = invoicing_app
    minted = page_session_cookie(email="user@example.dk", now=app.state.clock.now(), role=role, **claims)
    client.cookies.set(COOKIE_NAME, minted.token, path="/")
    for lang, words in (("", "Adressen kunne ikke bruges"), ("&lang=en", "The address could not be used")):
        page = await client.get(path + lang)
        assert page.status_code == 422, page.text
        assert page.headers["content-type"].startswith("text/html")
        assert_page_headers(page)
        assert words in visible_text(page.text)
