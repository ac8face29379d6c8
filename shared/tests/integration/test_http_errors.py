"""An unexpected error answered over a real server: problem+json 500, correlation id, connection kept.

A service app from ``create_service_app`` (real PostgreSQL and Kafka behind it) runs in uvicorn on a
free loopback port; one httpx client with one connection sends a normal request, one that raises, and
a normal one again. The route echoes the client's port, so the test sees that the same keep-alive
connection carried all three.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, FastAPI, Query, Request

from vikar_shared.auth.dependencies import CurrentPrincipal
from vikar_shared.auth.principal import Role
from vikar_shared.logging import correlation_id_var
from vikar_shared.testing.plugin import bearer, serve_over_http

MIGRATIONS = Path(__file__).parent / "migrations"

router = APIRouter()


@router.get("/port")
async def client_port(request: Request) -> dict[str, int]:
    assert request.client is not None
    return {"port": request.client.port}


@router.get("/boom")
async def boom() -> dict[str, str]:
    raise RuntimeError("a bug nobody expected, with a secret-ish detail: s3cr3t")


@router.get("/me")
async def me(principal: CurrentPrincipal) -> dict[str, str]:
    return {"sub": principal.subject}


@router.post("/echo")
async def echo(body: dict[str, object]) -> dict[str, object]:
    return body


@router.get("/echo")
async def echo_nothing() -> dict[str, object]:
    return {}


@router.get("/as-of")
async def as_of(day: date | None = None, page: int = 1) -> dict[str, object]:
    return {"day": day, "page": page}


async def _tags(tag: Annotated[list[str] | None, Query()] = None) -> list[str]:
    return tag or []


@router.get("/tagged")
async def tagged(tags: Annotated[list[str], Depends(_tags)], page: int = 1) -> dict[str, object]:
    return {"tags": tags, "page": page}


@router.get("/raw")
async def raw(request: Request) -> dict[str, str | None]:
    return {"as_of": request.query_params.get("as_of")}


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []
        self.correlation_ids: list[str | None] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.correlation_ids.append(correlation_id_var.get())  # what the JSON log line carries


async def test_an_unexpected_error_is_a_problem_500_and_the_connection_stays_usable(
    router_app: Callable[[APIRouter], Awaitable[FastAPI]],
) -> None:
    app = await router_app(router)
    records = Records()
    for name in ("vikar_shared.http.app", "vikar_shared.http.problems", "uvicorn.error"):
        logging.getLogger(name).addHandler(records)
    try:
        async with (
            serve_over_http(app) as url,
            httpx.AsyncClient(base_url=url, limits=httpx.Limits(max_connections=1), timeout=10) as client,
        ):
            first = await client.get("/port")
            assert first.status_code == 200
            port = first.json()["port"]

            failed = await client.get("/boom", headers={"X-Correlation-ID": "cid-boom-1"})
            assert failed.status_code == 500
            assert failed.headers["content-type"] == "application/problem+json"
            assert failed.headers["x-correlation-id"] == "cid-boom-1"
            assert "connection" not in failed.headers or failed.headers["connection"].lower() != "close"
            problem = failed.json()
            assert problem["status"] == 500
            assert problem["code"] == "internal"
            assert problem["correlation_id"] == "cid-boom-1"
            assert "s3cr3t" not in failed.text  # the exception's text stays in the log

            again = await client.get("/port")
            assert again.status_code == 200
            assert again.json()["port"] == port, "the server dropped the keep-alive connection after the 500"

            made_up = await client.get("/boom")
            assert made_up.json()["correlation_id"] == made_up.headers["x-correlation-id"] != ""
            assert (await client.get("/port")).json()["port"] == port
    finally:
        for name in ("vikar_shared.http.app", "vikar_shared.http.problems", "uvicorn.error"):
            logging.getLogger(name).removeHandler(records)

    logged = [
        (r, cid)
        for r, cid in zip(records.records, records.correlation_ids, strict=True)
        if r.exc_info and "s3cr3t" in str(r.exc_info[1])
    ]
    assert len(logged) == 2, [r.getMessage() for r in records.records]  # once per failed request
    assert logged[0][0].name == "vikar_shared.http.app"
    assert logged[0][1] == "cid-boom-1"
    assert logged[1][1] == made_up.headers["x-correlation-id"]
    assert not [r for r in records.records if "Exception in ASGI application" in r.getMessage()]


async def test_a_body_that_is_not_json_or_nests_too_deep_is_a_422_on_field_body(
    router_app: Callable[[APIRouter], Awaitable[FastAPI]],
) -> None:
    app = await router_app(router)
    json_headers = {"content-type": "application/json"}
    async with serve_over_http(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        cases = {
            "json-invalid": b'{"entries": [',
            "too-deep": b"[" * 100_000 + b"]" * 100_000,
        }
        for rule, content in cases.items():
            r = await client.post("/echo", content=content, headers=json_headers)
            assert r.status_code == 422, (rule, r.status_code, r.text)
            assert r.headers["content-type"] == "application/problem+json"
            problem = r.json()
            assert problem["errors"][0]["field"] == "body", problem
            assert problem["errors"][0]["rule"] == rule, problem
            assert problem["correlation_id"] == r.headers["x-correlation-id"]
        not_utf8 = await client.post("/echo", content=b'{"a": "\xff"}', headers=json_headers)
        assert not_utf8.status_code == 422
        assert not_utf8.json()["errors"][0]["field"] == "body"
        fine = await client.post("/echo", json={"a": [[1]]})
        assert fine.status_code == 200
        assert fine.json() == {"a": [[1]]}


async def test_a_refused_token_is_a_401_problem_naming_the_rule(
    router_app: Callable[[APIRouter], Awaitable[FastAPI]],
) -> None:
    app = await router_app(router)
    async with serve_over_http(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        assert (await client.get("/me", headers=bearer(Role.CONSULTANT, sub="anna"))).json() == {"sub": "anna"}
        cases = {
            "token-required": {},
            "token-lifetime": bearer(Role.CONSULTANT, ttl=timedelta(days=3650), max_ttl=None),
            "token-expired": bearer(Role.CONSULTANT, ttl=timedelta(seconds=-1)),
        }
        for rule, headers in cases.items():
            r = await client.get("/me", headers=headers)
            assert r.status_code == 401, (rule, r.text)
            assert r.headers["content-type"] == "application/problem+json"
            assert r.headers["www-authenticate"] == "Bearer"
            assert r.json()["errors"] == [{"field": "Authorization", "rule": rule, "message": r.json()["detail"]}]


async def test_a_405_names_every_method_the_path_answers_in_allow(
    router_app: Callable[[APIRouter], Awaitable[FastAPI]],
) -> None:
    """``/echo`` has a POST route and a GET route: a DELETE's 405 lists both (and HEAD, answered as a
    GET), not only the first route's method as Starlette does."""
    app = await router_app(router)
    async with serve_over_http(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        answer = await client.delete("/echo")
        assert answer.status_code == 405
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["code"] == "method-not-allowed"
        # RFC 9457 title: the problem type's summary from the catalogue, not the category slug.
        assert answer.json()["title"] == "Method not allowed"
        assert answer.headers["allow"] == "GET, HEAD, POST"


async def test_a_repeated_query_key_is_a_422_naming_it_unless_the_route_reads_a_list(
    router_app: Callable[[APIRouter], Awaitable[FastAPI]],
) -> None:
    """Every route of a service app (declared parameters, or read by hand from ``query_params``) refuses a
    key given twice, rule ``repeated``, instead of answering for the last value; a list-valued parameter
    (here in a dependency) takes its key repeated."""
    app = await router_app(router)
    async with serve_over_http(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        assert (await client.get("/as-of?day=2026-11-30&page=2")).json() == {"day": "2026-11-30", "page": 2}
        cases = {
            "/as-of?day=2026-11-30&day=2026-10-01": ["day"],
            "/as-of?page=1&day=2026-11-30&page=2&day=2026-10-01": ["day", "page"],
            "/as-of?page=&page=1": ["page"],
            "/as-of?%70age=1&page=2": ["page"],
            "/as-of?other=1&other=2": ["other"],  # a key nobody reads is still not said twice
            "/raw?as_of=a&as_of=b": ["as_of"],
            "/tagged?tag=a&tag=b&page=1&page=2": ["page"],
        }
        for path, fields in cases.items():
            r = await client.get(path)
            assert r.status_code == 422, (path, r.text)
            assert r.headers["content-type"] == "application/problem+json"
            problem = r.json()
            assert problem["code"] == "request-invalid", path
            assert [(e["field"], e["rule"]) for e in problem["errors"]] == [(f, "repeated") for f in fields], path
        assert (await client.get("/tagged?tag=a&tag=b")).json() == {"tags": ["a", "b"], "page": 1}
        assert (await client.get("/raw?as_of=a")).json() == {"as_of": "a"}
        assert (await client.get("/healthz?x=1&x=2")).status_code == 422
