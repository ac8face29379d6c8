"""Makes every service's OpenAPI document say every status an operation can answer, as problem+json.

FastAPI documents only the success answer and its own 422 (as ``application/json`` with a schema the
services never send). :func:`install_problem_openapi` post-processes the generated document once,
for every service, from what the routes declare:

- ``401`` on every operation that depends on :func:`vikar_shared.auth.dependencies.authenticated`
  (directly, or through ``require_roles``);
- ``403`` where ``require_roles`` restricts the roles (the description names them);
- ``404`` where the path has a parameter (an object that does not exist or is not the caller's);
- ``409`` where the operation takes an ``Idempotency-Key`` (the same key still in flight);
- ``422`` where the operation takes input (parameters or a body; a body that is not JSON or nests too
  deep is a 422 on field ``body`` too);
- ``500`` everywhere, with the ``correlation_id`` the error was logged under;
- ``503`` ``dependency-unavailable`` everywhere but ``/healthz`` and ``/readyz``, with ``Retry-After``
  and ``written`` (:func:`vikar_shared.http.problems.dependency_unavailable_problem`);
- whatever the route declares itself (``responses=problem_responses(409)`` for a conflict, or a 404
  for an id in the body); every 4xx/5xx answer gets the ``Problem`` schema and ``application/problem+json``.

``/readyz`` also documents its 503. Portal pages are not in the document (``include_in_schema=False``).

Problem codes: the document's ``x-problem-types`` lists every code of the service's catalogue
(:mod:`vikar_shared.http.problem_types`) with its status and ``type`` URI (a page saying what it means
and what to do); a route may name the codes of one answer with ``problem_responses(409, codes={409:
[...]})``, listed on that answer as ``x-problem-codes``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from vikar_shared.auth.dependencies import authenticated
from vikar_shared.http.problem_types import DEFAULT_PUBLIC_BASE_URL, registered_catalogue, type_uri
from vikar_shared.http.problems import MEDIA_TYPE

PROBLEM_SCHEMA = "Problem"
PROBLEM_REF = {"$ref": f"#/components/schemas/{PROBLEM_SCHEMA}"}

DESCRIPTIONS: dict[int, str] = {
    400: "The request is malformed",
    401: "No valid bearer token (missing, malformed, expired, too long-lived, or signed with an unknown key)",
    403: "The caller's role may not use this operation",
    404: "No such object visible to the caller (an object of someone else's is not found either)",
    409: (
        "The object is not in a state that allows this, or changed since the caller read it: the problem's "
        "`code` says which, and it may carry the object as it is now (an hour entry's conflict carries `entry`)"
    ),
    422: (
        "A parameter or body field breaks a rule: `errors` names each `field` and `rule`. A body that is not "
        "JSON, or nests too deep, names field `body` and rule `json-invalid` or `too-deep`"
    ),
    500: "An unexpected error; it was logged under the `correlation_id` (also the X-Correlation-ID header)",
    502: "A service this one depends on failed",
    503: "The service is not ready",
}

# Every operation but the probes: the database or the broker it needs is down (vikar_shared.transient),
# or, through the one origin, the service itself did not answer (the proxy's service-unavailable).
DEPENDENCY_UNAVAILABLE = (
    "Unavailable for a moment; wait the `Retry-After` seconds. `dependency-unavailable`: the database or the "
    "broker could not be reached (`dependency`), and `written` says whether anything was saved: `false` "
    "nothing (send the request again as it is), `null` unknown (the connection was lost while saving). "
    "`service-unavailable` (from the one origin's proxy): the service did not answer, `written` is `null`"
)
UNKNOWN_OUTCOME_ADVICE = {
    True: ". When `written` is `null`, send the request again with the same `Idempotency-Key`",
    False: ". When `written` is `null`, read the object before sending the request again",
}
RETRY_AFTER_HEADER = {
    "Retry-After": {"description": "Seconds to wait before trying again", "schema": {"type": "integer", "minimum": 0}}
}
PROBES = frozenset({"/healthz", "/readyz"})

CORRELATION_HEADER = {
    "X-Correlation-ID": {
        "description": "The request's correlation id (taken from the request or made up); logs carry it",
        "schema": {"type": "string"},
    }
}


def problem_schemas() -> dict[str, Any]:
    """The JSON Schemas of an RFC 9457 problem as the services send it (components/schemas)."""
    return {
        "ProblemFieldError": {
            "type": "object",
            "title": "ProblemFieldError",
            "description": "One broken rule: which field (dotted path; `body` for the whole body) and which rule.",
            "required": ["field", "rule", "message"],
            "properties": {
                "field": {"type": "string", "description": "Dotted path of the field, e.g. `entries.1.minutes`"},
                "rule": {"type": "string", "description": "The rule broken, e.g. `missing`, `json-invalid`"},
                "message": {"type": "string", "description": "The rule in words"},
            },
        },
        PROBLEM_SCHEMA: {
            "type": "object",
            "title": "Problem",
            "description": (
                "RFC 9457 problem details with a stable `code`. Problems may carry more members "
                "(a conflict about an entry carries the entry as it is now)."
            ),
            "required": ["type", "title", "status", "detail", "code"],
            "properties": {
                "type": {"type": "string", "description": "A URI naming the problem type (ends in `code`)"},
                "title": {"type": "string", "description": "The problem's category"},
                "status": {"type": "integer", "minimum": 400, "maximum": 599, "description": "The HTTP status"},
                "detail": {"type": "string", "description": "This occurrence in words"},
                "instance": {"type": "string"},
                "code": {"type": "string", "description": "Stable machine-readable code, e.g. `entry-not-found`"},
                "errors": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/ProblemFieldError"},
                    "description": "For input problems: each field and rule broken",
                },
                "correlation_id": {
                    "type": "string",
                    "description": "The request's correlation id (the X-Correlation-ID header); logs carry it",
                },
            },
            "additionalProperties": True,
        },
    }


def problem_responses(
    *statuses: int, descriptions: dict[int, str] | None = None, codes: dict[int, list[str]] | None = None
) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: the statuses it answers beyond those derived from its declaration.

    ``problem_responses(409)``, or ``problem_responses(404, 409, descriptions={409: "The entry was decided"})``;
    ``codes={409: ["entry-not-submitted"]}`` names the problem codes of an answer (``x-problem-codes``; each
    must be in the service's catalogue). The Problem schema and media type are filled in when the document
    is generated.
    """
    described = descriptions or {}
    named = codes or {}
    answers: dict[int | str, dict[str, Any]] = {}
    for s in statuses:
        answers[s] = {"description": described.get(s, DESCRIPTIONS.get(s, "A problem")), "content": {MEDIA_TYPE: {}}}
        if named.get(s):
            answers[s]["x-problem-codes"] = list(named[s])
    return answers


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def _route_facts(route: RouteContext) -> tuple[bool, frozenset[str] | None]:
    """Whether the route authenticates, and the roles it admits (None: any authenticated caller)."""
    auth = False
    roles: frozenset[str] | None = None
    for dep in _dependants(route.dependant):
        if dep.call is authenticated:
            auth = True
        allowed = getattr(dep.call, "allowed_roles", None)
        if isinstance(allowed, frozenset):
            names = frozenset(str(r) for r in allowed)
            roles = names if roles is None else roles & names
    return auth, roles


def _problem_answer(description: str) -> dict[str, Any]:
    return {"description": description, "headers": CORRELATION_HEADER, "content": {MEDIA_TYPE: {"schema": PROBLEM_REF}}}


def _as_problem(response: dict[str, Any]) -> None:
    """A declared 4xx/5xx answer: problem+json with the Problem schema (a more specific schema is kept)."""
    content: dict[str, Any] = response.setdefault("content", {})
    declared = content.pop("application/json", None) or {}
    entry = content.setdefault(MEDIA_TYPE, {})
    if not entry.get("schema"):
        entry["schema"] = declared.get("schema") or PROBLEM_REF
    response.setdefault("headers", CORRELATION_HEADER)


def _document_operation(route: RouteContext, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    auth, roles = _route_facts(route)
    takes_input = bool(operation.get("parameters")) or "requestBody" in operation
    wanted: dict[int, str] = {500: DESCRIPTIONS[500]}
    if auth:
        wanted[401] = DESCRIPTIONS[401]
    if roles is not None:
        wanted[403] = f"Only these roles may use this operation: {', '.join(sorted(roles))}"
    if "{" in (route.path_format or ""):
        wanted[404] = DESCRIPTIONS[404]
    if takes_input:
        wanted[422] = DESCRIPTIONS[422]
    keyed = any(
        p.get("in") == "header" and p.get("name", "").lower() == "idempotency-key"
        for p in operation.get("parameters", [])
    )
    if keyed:
        # The same key still in flight (vikar_shared.http.idempotency), besides the route's own conflicts.
        wanted[409] = DESCRIPTIONS[409] + "; or a request with the same Idempotency-Key is still being processed"
    # FastAPI's own 422 (HTTPValidationError as application/json) is replaced, not merged.
    if "422" in responses and "HTTPValidationError" in json.dumps(responses["422"]):
        del responses["422"]
    for code, description in wanted.items():
        responses.setdefault(str(code), _problem_answer(description))
    if route.path_format not in PROBES:
        safe = route.methods is not None and set(route.methods) <= {"GET", "HEAD"}
        advice = "" if safe else UNKNOWN_OUTCOME_ADVICE[keyed]
        unavailable = responses.setdefault("503", _problem_answer(DEPENDENCY_UNAVAILABLE + advice))
        unavailable.setdefault("headers", {}).update({**CORRELATION_HEADER, **RETRY_AFTER_HEADER})
    for status, response in responses.items():
        if status[:1] in ("4", "5"):
            _as_problem(response)
        elif status.startswith("2") and not response.get("content") and status != "204":
            _copy_success_content(route, responses, response)
    operation["responses"] = dict(sorted(responses.items()))


def _copy_success_content(route: RouteContext, responses: dict[str, Any], response: dict[str, Any]) -> None:
    """A second success status declared by description only answers the route's response model too."""
    main = responses.get(str(route.status_code or 200), {})
    if route.response_model is not None and main.get("content"):
        response["content"] = main["content"]


def document_problems(app: FastAPI, document: dict[str, Any]) -> None:
    """Adds every problem answer to ``document`` (the app's generated OpenAPI), in place."""
    paths: dict[str, Any] = document.get("paths", {})
    # Routes of included routers are seen through their context (prefix, router dependencies applied).
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods or ():
            operation = paths.get(route.path_format or "", {}).get(method.lower())
            if operation is not None:
                _document_operation(route, operation)
    ready = paths.get("/readyz", {}).get("get")
    if ready is not None:
        ready["responses"]["503"] = {
            "description": DESCRIPTIONS[503] + " (the body names the failing check)",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    _document_problem_types(app, document)
    schemas: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(problem_schemas())
    # FastAPI's validation error schemas, once nothing refers to them any more.
    for unused in ("HTTPValidationError", "ValidationError"):
        others = {k: v for k, v in schemas.items() if k != unused}
        if f'#/components/schemas/{unused}"' not in json.dumps([document["paths"], others]):
            schemas.pop(unused, None)
    document["components"]["schemas"] = dict(sorted(schemas.items()))


def _document_problem_types(app: FastAPI, document: dict[str, Any]) -> None:
    """``x-problem-types``: every code of the service's catalogue, its status and its ``type`` URI."""
    settings = getattr(app.state, "settings", None)
    catalogue = registered_catalogue(settings.service_name) if settings is not None else None
    if catalogue is None:
        return
    base = getattr(settings, "public_base_url", DEFAULT_PUBLIC_BASE_URL)
    document["x-problem-types"] = [
        {"code": t.code, "status": t.status, "title": t.title["en"], "type": type_uri(base, catalogue.service, t.code)}
        for t in catalogue.types.values()
    ]


def install_problem_openapi(app: FastAPI) -> None:
    """Makes ``app.openapi()`` (and /openapi.json, /docs) return the document with every problem answer."""
    generate = app.openapi
    documented: list[int] = []

    def openapi() -> dict[str, Any]:
        # FastAPI caches its document (and makes a new one when routes are added): post-process each once.
        document = generate()
        if id(document) not in documented:
            document_problems(app, document)
            documented[:] = [id(document)]
        return document

    app.openapi = openapi  # type: ignore[method-assign]
