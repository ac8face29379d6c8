"""Every problem code a service can answer has a catalogue entry and a documentation page, and the
``type`` of a problem a service answers resolves to that page on the same service.

Codes come from three places: the OpenAPI document (``x-problem-types`` and each answer's
``x-problem-codes``), the source (every literal code passed to ``not_found``, ``conflict``,
``invalid``, ``duplicate``, ``DomainError(...)`` and the like, in the service and in ``vikar_shared``,
whose codes every service may answer), and the framework's own answers.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from markupsafe import escape

from invoicing.app import create_app as invoicing_app
from notifications.app import create_app as notifications_app
from placement.app import create_app as placement_app
from timesheet.app import create_app as timesheet_app
from vikar_shared.http.problem_types import ProblemCatalogue, registered_catalogue

ROOT = Path(__file__).resolve().parents[2]
APPS: dict[str, Callable[[], FastAPI]] = {
    "placement": placement_app,
    "timesheet": timesheet_app,
    "invoicing": invoicing_app,
    "notifications": notifications_app,
}
# Callables whose argument at this position is a problem code (``not_found`` adds ``-not-found``).
CODE_ARGUMENT = {
    "not_found": 0,
    "conflict": 0,
    "duplicate": 0,
    "entry_conflict": 0,
    "invalid_entries": 0,
    "invalid": 1,
    "DomainError": 1,
    "DuplicateError": 1,
    "EntryConflictError": 1,
    "_unauthenticated": 1,
    "problem": 1,
    # Rules of the shared value types, answered as a problem's code by invalid(field, error.rule, ...).
    "PeriodError": 0,
    "IdentifierError": 0,
}
# The framework's own answers (vikar_shared.http.problems._http_exception).
FRAMEWORK_CODES = {"route-not-found", "method-not-allowed", "unauthenticated", "http-error", "problem-type-not-found"}


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else None


def codes_in_source(root: Path) -> dict[str, str]:
    """Every literal problem code raised under ``root``, with where it is first raised."""
    found: dict[str, str] = {}
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            if name == "forbidden":
                found.setdefault("forbidden", where)
            if name not in CODE_ARGUMENT:
                continue
            keywords = {k.arg: k.value for k in node.keywords}
            position = CODE_ARGUMENT[name]
            value = keywords.get("code") or (node.args[position] if len(node.args) > position else None)
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                found.setdefault(value.value + ("-not-found" if name == "not_found" else ""), where)
    return found


def _codes_in_openapi(document: dict[str, Any]) -> Iterator[str]:
    for problem_type in document.get("x-problem-types", []):
        yield problem_type["code"]
    for item in document["paths"].values():
        for operation in item.values():
            for answer in operation.get("responses", {}).values():
                yield from answer.get("x-problem-codes", [])


@pytest.fixture(scope="module", params=sorted(APPS))
def service(request: pytest.FixtureRequest) -> tuple[str, FastAPI, ProblemCatalogue]:
    app = APPS[request.param]()
    catalogue = registered_catalogue(request.param)
    assert catalogue is not None, f"{request.param} registers no problem catalogue"
    return request.param, app, catalogue


def test_the_catalogue_has_every_code_the_source_raises(service: tuple[str, FastAPI, ProblemCatalogue]) -> None:
    name, _, catalogue = service
    raised = {
        **codes_in_source(ROOT / "shared" / "src" / "vikar_shared"),
        **codes_in_source(ROOT / "services" / name / "src"),
    }
    assert len(raised) > 20  # the collector finds the shared codes at least
    missing = {code: where for code, where in raised.items() if code not in catalogue}
    assert missing == {}
    assert set(catalogue.types) >= FRAMEWORK_CODES


def test_the_openapi_document_names_every_code_and_each_is_catalogued(
    service: tuple[str, FastAPI, ProblemCatalogue],
) -> None:
    name, app, catalogue = service
    document = app.openapi()
    documented = list(_codes_in_openapi(document))
    assert set(documented) >= set(catalogue.types)
    assert [c for c in documented if c not in catalogue] == []
    for problem_type in document["x-problem-types"]:
        assert problem_type["type"] == f"http://127.0.0.1:8100/problems/{name}/{problem_type['code']}"


def test_every_code_has_a_page_in_danish_and_english(service: tuple[str, FastAPI, ProblemCatalogue]) -> None:
    name, app, catalogue = service
    client = TestClient(app)
    index = client.get(f"/problems/{name}/")
    assert index.status_code == 200 and index.headers["content-type"].startswith("text/html")
    for code, problem_type in catalogue.types.items():
        assert f'href="/problems/{name}/{code}"' in index.text
        danish = client.get(f"/problems/{name}/{code}")
        english = client.get(f"/problems/{name}/{code}?lang=en")
        assert (danish.status_code, english.status_code) == (200, 200), code
        assert '<html lang="da">' in danish.text and '<html lang="en">' in english.text
        for page, locale in ((danish, "da"), (english, "en")):
            assert f"<code>{code}</code>" in page.text
            assert f"<dd>{problem_type.status}</dd>" in page.text
            for words in (problem_type.meaning[locale], problem_type.what_to_do(locale)):
                assert str(escape(words)) in page.text, (code, locale)
    assert client.get(f"/problems/{name}/static/vikar.css").status_code == 200


def test_an_unknown_code_is_a_404_problem_whose_type_resolves(service: tuple[str, FastAPI, ProblemCatalogue]) -> None:
    name, app, _ = service
    client = TestClient(app)
    answer = client.get(f"/problems/{name}/no-such-code")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "problem-type-not-found"
    assert client.get(urlsplit(answer.json()["type"]).path).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("get", "/problems/{name}/static/nothing-here", 404, "route-not-found"),
        ("delete", "/healthz", 405, "method-not-allowed"),
    ],
)
def test_a_framework_problem_has_a_type_that_resolves(
    service: tuple[str, FastAPI, ProblemCatalogue], method: str, path: str, status: int, code: str
) -> None:
    name, app, _ = service
    client = TestClient(app)
    answer = client.request(method, path.format(name=name))
    assert (answer.status_code, answer.json()["code"]) == (status, code)
    problem_type = answer.json()["type"]
    assert problem_type == f"http://127.0.0.1:8100/problems/{name}/{code}"
    page = client.get(urlsplit(problem_type).path)
    assert page.status_code == 200 and f"<code>{code}</code>" in page.text


def test_a_domain_problem_answered_by_an_endpoint_has_a_type_that_resolves(
    service: tuple[str, FastAPI, ProblemCatalogue],
) -> None:
    """An operation that needs a bearer token, called without one: the DomainError ``unauthenticated``."""
    name, app, _ = service
    client = TestClient(app)
    document = app.openapi()
    path, method = next(
        (p, m)
        for p, item in document["paths"].items()
        for m, operation in item.items()
        if "401" in operation.get("responses", {})
    )
    answer = client.request(method, re.sub(r"\{[^}]+\}", "00000000-0000-4000-8000-000000000000", path))
    assert answer.status_code == 401
    body = answer.json()
    assert body["code"] == "unauthenticated"
    assert body["type"] == f"http://127.0.0.1:8100/problems/{name}/unauthenticated"
    page = client.get(urlsplit(body["type"]).path + "?lang=en")
    assert page.status_code == 200 and "<code>unauthenticated</code>" in page.text


def test_the_timesheet_entry_conflict_problem_has_a_type_that_resolves() -> None:
    """Timesheet answers its entry conflicts with its own handler (the entry as it is now): same type URIs."""
    from timesheet.entries.transitions import EntryConflictError
    from vikar_shared.errors import Category

    app = timesheet_app()

    async def conflicting() -> None:
        raise EntryConflictError(Category.CONFLICT, "entry-changed", "The entry changed")

    app.add_api_route("/test-only/conflict", conflicting)
    client = TestClient(app)
    answer = client.get("/test-only/conflict")
    assert (answer.status_code, answer.json()["code"]) == (409, "entry-changed")
    assert answer.json()["type"] == "http://127.0.0.1:8100/problems/timesheet/entry-changed"
    assert "<code>entry-changed</code>" in client.get(urlsplit(answer.json()["type"]).path).text


def test_the_type_names_the_configured_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    """One variable for every service (VIKAR_PUBLIC_BASE_URL): the origin the reverse proxy serves."""
    from invoicing.config import InvoicingSettings

    monkeypatch.setenv("VIKAR_PUBLIC_BASE_URL", "https://vikar.example")
    answer = TestClient(invoicing_app(InvoicingSettings())).get("/no-such-path")
    assert answer.json()["type"] == "https://vikar.example/problems/invoicing/route-not-found"
    settings = InvoicingSettings(public_base_url="https://other.example")
    assert TestClient(invoicing_app(settings)).get("/x").json()["type"].startswith("https://other.example/problems/")
