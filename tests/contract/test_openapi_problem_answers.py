"""Every service's OpenAPI document says every problem an operation can answer, as problem+json.

The documents are what clients (and the schemathesis fuzz test) check responses against: a status or
media type missing here is a contract the service breaks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI

from invoicing.app import create_app as invoicing_app
from notifications.app import create_app as notifications_app
from placement.app import create_app as placement_app
from timesheet.app import create_app as timesheet_app

PROBLEM = "application/problem+json"
PUBLIC = {"/healthz", "/readyz"}
# Issue 10: Stripe's webhook is authenticated by the Stripe-Signature header (400 when missing or wrong), not a
# bearer token: no 401, its own security scheme.
SIGNED = {"/stripe/webhook": "StripeSignature"}
APPS: dict[str, Callable[[], FastAPI]] = {
    "placement": placement_app,
    "timesheet": timesheet_app,
    "invoicing": invoicing_app,
    "notifications": notifications_app,
}


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


@pytest.fixture(scope="module", params=sorted(APPS))
def document(request: pytest.FixtureRequest) -> dict[str, Any]:
    doc: dict[str, Any] = APPS[request.param]().openapi()
    return doc


def _is_problem(document: dict[str, Any], response: dict[str, Any]) -> bool:
    content = response.get("content", {})
    if set(content) != {PROBLEM}:
        return False
    ref = content[PROBLEM].get("schema", {}).get("$ref", "")
    return ref == "#/components/schemas/Problem" and "Problem" in document["components"]["schemas"]


def test_every_operation_documents_its_problem_answers(document: dict[str, Any]) -> None:
    operations = _operations(document)
    assert len(operations) >= 4
    missing: list[str] = []
    for path, method, operation in operations:
        responses = operation["responses"]
        takes_input = bool(operation.get("parameters")) or "requestBody" in operation
        expected = {"500"}
        if path not in PUBLIC:
            expected |= {"401", "503"}
            # A dependency that is down (issue 8): a 503 saying when to retry and whether anything was written.
            unavailable = responses.get("503", {})
            assert "Retry-After" in unavailable.get("headers", {}), f"{method.upper()} {path} 503 lacks Retry-After"
            described = unavailable.get("description", "")
            assert "dependency-unavailable" in described and "service-unavailable" in described, f"{method} {path}"
            # The advice for an unknown outcome fits the operation: a key only where the operation takes one.
            keyed = any(p.get("name", "").lower() == "idempotency-key" for p in operation.get("parameters", []))
            assert ("Idempotency-Key" in described) is keyed, f"{method.upper()} {path} 503: {described}"
            assert operation.get("security"), f"{method} {path} is not public but declares no security"
        if path in SIGNED:
            expected = (expected - {"401"}) | {"400"}
            assert "401" not in responses, f"{method.upper()} {path} takes no bearer token"
            assert operation["security"] == [{SIGNED[path]: []}], f"{method.upper()} {path}: {operation['security']}"
        if takes_input:
            expected.add("422")
        if re.search(r"\{[a-z_]*_id\}", path):
            expected.add("404")
        for status in sorted(expected):
            if status not in responses or not _is_problem(document, responses[status]):
                missing.append(f"{method.upper()} {path} {status}")
        # The failure answers and nothing else carry problems; every failure answer is one.
        for status, response in responses.items():
            if status.startswith(("4", "5")) and not (path == "/readyz" and status == "503"):
                assert _is_problem(document, response), f"{method.upper()} {path} {status}: {response}"
    assert not missing, "operations that do not document a problem they can answer:\n" + "\n".join(missing)


def test_no_operation_describes_a_problem_as_application_json(document: dict[str, Any]) -> None:
    for path, method, operation in _operations(document):
        for status, response in operation["responses"].items():
            if status.startswith("4"):
                assert "application/json" not in response.get("content", {}), f"{method} {path} {status}"
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert "ValidationError" not in schemas


def test_the_problem_schema_has_the_rfc_9457_members_and_field_errors(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    problem = schemas["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "code"}
    assert {"errors", "correlation_id", "instance"} <= set(problem["properties"])
    assert problem["properties"]["errors"]["items"] == {"$ref": "#/components/schemas/ProblemFieldError"}
    assert set(schemas["ProblemFieldError"]["required"]) == {"field", "rule", "message"}


def test_role_restricted_operations_document_403_naming_the_roles() -> None:
    document = APPS["notifications"]().openapi()
    forbidden = document["paths"]["/emails"]["get"]["responses"]["403"]
    assert "admin" in forbidden["description"]
    placement = APPS["placement"]().openapi()
    # Any authenticated caller may read a company (object-level checks answer 404): no 403 there.
    assert "403" not in placement["paths"]["/companies/{company_id}"]["get"]["responses"]
    assert "403" in placement["paths"]["/companies/{company_id}"]["patch"]["responses"]
    # Declared conflicts and the 404 of a search by CPR in the body are kept.
    assert "409" in placement["paths"]["/companies"]["post"]["responses"]
    assert "404" in placement["paths"]["/citizens/search"]["post"]["responses"]


def test_every_reference_in_the_document_resolves(document: dict[str, Any]) -> None:
    refs = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(document)))
    assert "Problem" in refs
    assert refs <= set(document["components"]["schemas"]), refs - set(document["components"]["schemas"])
