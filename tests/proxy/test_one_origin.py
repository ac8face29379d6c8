"""The one origin through the real nginx (Debian's, installed by ``deploy/local/stack up``), configured from
``deploy/proxy/*.template`` exactly as the stack renders them, in front of services on ports of the test's
own: each prefix reaches its service, pages keep their path, APIs lose their prefix and get it back as
their ``root_path`` (so ``/docs`` works through the proxy), and the forwarded headers are set."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from fastapi import FastAPI

from vikar_shared.http.problem_types import SHARED_TYPES
from vikar_shared.runtime import Role
from vikar_shared.testing.plugin import StackSettings, free_port, serve_over_http
from vikar_shared.testing.proxy import proxy

SERVICES = ("placement", "timesheet", "invoicing", "notifications")


@asynccontextmanager
async def serving(app: Any) -> AsyncIterator[int]:
    """An ASGI app in uvicorn on a port of its own, as ``python -m <service>`` serves it."""
    async with serve_over_http(app) as url:
        yield int(url.rsplit(":", 1)[1])


def _echo(service: str) -> Callable[..., Awaitable[None]]:
    """A stand-in upstream that answers with its name and what it received."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        import json

        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        body = json.dumps(
            {"service": service, "path": scope["path"], "query": scope["query_string"].decode(), "headers": headers}
        )
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body.encode()})

    return app


async def test_each_prefix_reaches_its_service_with_the_path_it_should(tmp_path: Path) -> None:
    async with AsyncExitStack() as stack:
        ports = {s: await stack.enter_async_context(serving(_echo(s))) for s in SERVICES}
        origin = await stack.enter_async_context(proxy(tmp_path, ports))
        async with httpx.AsyncClient(base_url=origin) as client:
            routes = [
                ("/auth/login", "placement", "/auth/login"),
                ("/auth/login/some-token", "placement", "/auth/login/some-token"),
                ("/auth/logout", "placement", "/auth/logout"),
                ("/portal/login", "timesheet", "/portal/login"),
                ("/portal/pending?week=2026-W49", "timesheet", "/portal/pending"),
                ("/portal/invoices", "invoicing", "/portal/invoices"),
                ("/portal/invoices?page=2", "invoicing", "/portal/invoices"),
                (
                    "/portal/invoices/00000000-0000-4000-8000-000000000000/pdf",
                    "invoicing",
                    "/portal/invoices/00000000-0000-4000-8000-000000000000/pdf",
                ),
                ("/municipality", "invoicing", "/municipality"),
                ("/municipality/progress?as_of=2026-10-31", "invoicing", "/municipality/progress"),
                ("/municipality/statements", "invoicing", "/municipality/statements"),
                *((f"/problems/{s}/entry-locked", s, f"/problems/{s}/entry-locked") for s in SERVICES),
                *((f"/api/{s}/healthz", s, "/healthz") for s in SERVICES),
                *((f"/api/{s}/docs", s, "/docs") for s in SERVICES),
                ("/api/timesheet/entries/123?x=1", "timesheet", "/entries/123"),
            ]
            for url, service, path in routes:
                spoofed = {
                    "X-Forwarded-For": "203.0.113.9",
                    "X-Forwarded-Prefix": "/evil",
                    "X-Forwarded-Proto": "https",
                }
                response = await client.get(url, headers=spoofed)
                assert response.status_code == 200, url
                seen = response.json()
                assert (seen["service"], seen["path"]) == (service, path), url
                headers = seen["headers"]
                # The edge proxy names the peer it saw and its own scheme and prefix, never what a client sent.
                assert headers["x-forwarded-for"] == "127.0.0.1", url
                assert headers["x-forwarded-proto"] == "http"
                assert headers["x-forwarded-host"] == headers["host"] == origin.removeprefix("http://")
                if url.startswith("/api/"):
                    assert headers["x-forwarded-prefix"] == f"/api/{service}", url
                else:
                    assert "x-forwarded-prefix" not in headers, url
            assert (await client.get("/api/timesheet/entries/123?x=1")).json()["query"] == "x=1"

            root = await client.get("/")
            assert root.status_code == 302 and root.headers["location"].endswith("/portal/pending")
            for nowhere in ("/other", "/problems/other/x", "/apiplacement/healthz", "/api/other/healthz"):
                assert (await client.get(nowhere)).status_code == 404, nowhere
            # Without the trailing slash, nginx redirects to the prefix with it.
            bare = await client.get("/api/placement")
            assert bare.status_code == 301 and bare.headers["location"].endswith("/api/placement/")


async def test_the_services_api_roles_answer_through_the_proxy_with_their_prefix_as_root_path(
    tmp_path: Path, make_database: Callable[[str, Path], Awaitable[str]], postgres: StackSettings
) -> None:
    from invoicing.app import MIGRATIONS as INVOICING_MIGRATIONS
    from invoicing.app import create_app as invoicing_app
    from invoicing.config import InvoicingSettings
    from notifications.app import MIGRATIONS as NOTIFICATIONS_MIGRATIONS
    from notifications.app import create_app as notifications_app
    from notifications.config import NotificationsSettings
    from placement.app import MIGRATIONS as PLACEMENT_MIGRATIONS
    from placement.app import create_app as placement_app
    from placement.config import PlacementSettings
    from timesheet.app import MIGRATIONS as TIMESHEET_MIGRATIONS
    from timesheet.app import create_app as timesheet_app
    from timesheet.config import TimesheetSettings

    trusted = {"trusted_proxies": ["127.0.0.1"]}
    apps: dict[str, FastAPI] = {
        "placement": placement_app(
            PlacementSettings(database_url=await make_database("placement", PLACEMENT_MIGRATIONS), **trusted),
            Role.API,
        ),
        "timesheet": timesheet_app(
            TimesheetSettings(database_url=await make_database("timesheet", TIMESHEET_MIGRATIONS), **trusted),
            Role.API,
        ),
        "invoicing": invoicing_app(
            InvoicingSettings(database_url=await make_database("invoicing", INVOICING_MIGRATIONS), **trusted),
            Role.API,
        ),
        "notifications": notifications_app(
            NotificationsSettings(
                database_url=await make_database("notifications", NOTIFICATIONS_MIGRATIONS), **trusted
            ),
            Role.API,
        ),
    }
    async with AsyncExitStack() as stack:
        ports = {s: await stack.enter_async_context(serving(app)) for s, app in apps.items()}
        origin = await stack.enter_async_context(proxy(tmp_path, ports))
        async with httpx.AsyncClient(base_url=origin) as client:
            for service in SERVICES:
                health = await client.get(f"/api/{service}/healthz")
                assert health.json() == {"status": "ok", "role": "api"}, service
                ready = await client.get(f"/api/{service}/readyz")
                assert ready.status_code == 200 and ready.json()["role"] == "api", ready.text
                document = (await client.get(f"/api/{service}/openapi.json")).json()
                assert document["info"]["title"] == f"Vikarmodel {service}"
                assert document["servers"][0]["url"] == f"/api/{service}"
                docs = await client.get(f"/api/{service}/docs")
                assert docs.status_code == 200 and f"'/api/{service}/openapi.json'" in docs.text, service
            # Pages keep their path: the portal (timesheet) sends a visitor without a session to the
            # identity owner's login page (placement), both on this one origin.
            portal = await client.get("/portal/pending")
            assert portal.status_code == 303, portal.text
            assert portal.headers["location"].startswith("/auth/login?next=%2Fportal%2Fpending")
            login = await client.get(portal.headers["location"])
            assert login.status_code == 200 and login.headers["content-type"].startswith("text/html")
            # The portal's Invoices page is invoicing's, on the same origin, behind the same login.
            for path in ("/portal/invoices", "/portal/invoices/"):
                invoices = await client.get(path)
                assert invoices.status_code == 303, path
                assert invoices.headers["location"] == f"/auth/login?next={quote(path, safe='')}", path
            stylesheet = await client.get("/portal/invoices/static/vikar.css")
            assert stylesheet.status_code == 200 and stylesheet.headers["content-type"].startswith("text/css")
            assert 'action="/auth/login' in login.text
            # The prefixes themselves lead somewhere (no slash redirect bouncing between nginx and the app),
            # and a trailing slash on an API path is that API's 404, never a redirect out of its prefix.
            for root, target in (("/portal/", "/portal/pending"), ("/auth/", "/auth/login")):
                answer = await client.get(root)
                assert (answer.status_code, answer.headers.get("location")) == (303, target), root
            for root in ("/portal", "/auth", "/portal/"):  # nginx adds the slash; then the app: no loop
                ended = await client.get(root, follow_redirects=True)
                assert ended.status_code == 200 and ended.url.path == "/auth/login", root
            for service in SERVICES:
                slashed = await client.get(f"/api/{service}/healthz/")
                assert slashed.status_code == 404 and "location" not in slashed.headers, service
                assert slashed.headers["content-type"].startswith("application/problem+json"), service
            # HEAD wherever GET is answered (link checkers, mail previews), without a body.
            for path in ("/auth/login", "/api/placement/healthz", "/problems/placement/forbidden"):
                head, get = await client.head(path), await client.get(path)
                assert (head.status_code, head.content) == (get.status_code, b""), path
                assert head.headers["content-type"] == get.headers["content-type"], path
        # Directly (no proxy, as tests and internal callers use them): no prefix, the paths as they are.
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports['timesheet']}") as direct:
            document = (await direct.get("/openapi.json")).json()
            assert "servers" not in document
            assert "'/openapi.json'" in (await direct.get("/docs")).text


async def test_what_the_proxy_answers_itself_is_problem_json_documented_by_the_service(tmp_path: Path) -> None:
    """An unknown path, a body over 1 MiB and a service that does not answer: problem+json (RFC 9457)
    with a ``type`` on the one origin that the service's problem catalogue documents, never nginx's HTML.
    An answer of the service itself (its own 404) passes through untouched."""
    async with AsyncExitStack() as stack:
        ports = {s: await stack.enter_async_context(serving(_echo(s))) for s in SERVICES if s != "invoicing"}
        ports["invoicing"] = free_port()  # nothing listens there: the service is down
        origin = await stack.enter_async_context(proxy(tmp_path, ports))
        async with httpx.AsyncClient(base_url=origin, timeout=30) as client:
            cases = [
                (client.get("/other"), 404, "timesheet", "route-not-found"),
                (client.get("/api/other/healthz"), 404, "timesheet", "route-not-found"),
                (
                    client.post("/api/placement/companies", content=b"x" * (1024 * 1024 + 1)),
                    413,
                    "placement",
                    "body-too-large",
                ),
                (client.post("/portal/approve", content=b"x" * (2 * 1024 * 1024)), 413, "timesheet", "body-too-large"),
                (client.get("/api/invoicing/invoices"), 503, "invoicing", "service-unavailable"),
                (client.get("/problems/invoicing/internal"), 503, "invoicing", "service-unavailable"),
            ]
            for request, status, service, code in cases:
                _assert_proxy_problem(await request, origin, status, service, code)
            # A header over nginx's buffers, and raw non-ASCII bytes in the address: 400 problems, not HTML
            # or the services' plain text (the same address percent-encoded reaches the service).
            huge = await client.get("/api/invoicing/invoices", headers={"Authorization": "Bearer " + "x" * 9000})
            raw = await _raw_request(origin, b"GET /api/invoicing/reconciliation?through=\xef\xbc\x92026 HTTP/1.1")
            for answer in (huge, raw):
                assert answer.status_code == 400, answer.text
                assert answer.headers["content-type"] == "application/problem+json"
                assert answer.json()["code"] == "http-error"
            # A %00 in the path: nginx refuses the address before it has a URI or a Host header (it answered
            # its HTML 500, "empty URI in redirect to named location"); a 400 problem of the service the
            # path names, on the origin nginx listens at.
            for path, service in (
                ("/municipality/statements/%00", "invoicing"),
                ("/portal/pending/%00", "timesheet"),
                ("/api/placement/companies/%00", "placement"),
                ("/auth/login/%00", "placement"),
            ):
                for answer in (await client.get(path), await _raw_request(origin, f"GET {path} HTTP/1.1".encode())):
                    assert answer.status_code == 400, (path, answer.text)
                    assert answer.headers["content-type"] == "application/problem+json", (path, answer.text)
                    assert answer.json()["type"] == f"{origin}/problems/{service}/http-error", path
            # An address over nginx's buffers (8 KiB): 414 problem, not nginx's HTML "Request-URI Too Large".
            long_query = await client.get("/api/invoicing/municipalities/x/kpis?as_of=" + "1" * 9000)
            # A method nginx refuses everywhere, a transfer coding it does not know, an HTTP version it
            # does not speak: problems too.
            trace = await client.request("TRACE", "/api/placement/companies")
            coding = await _raw_request(origin, b"POST /api/placement/companies HTTP/1.1\r\nTransfer-Encoding: gzip")
            version = await _raw_request(origin, b"GET /api/placement/companies HTTP/2.0")
            for answer, status, service, code in (
                (long_query, 414, "invoicing", "uri-too-long"),
                (trace, 405, "placement", "method-not-allowed"),
                (coding, 400, "placement", "http-error"),
                (version, 400, "placement", "http-error"),
            ):
                _assert_proxy_problem(answer, origin, status, service, code)
            assert "GET" in trace.headers["allow"]
            # The proxy's own answer locations are not addresses a client can ask for.
            internal = await client.get("/__vikar/bad-request")
            assert internal.status_code == 404 and internal.json()["code"] == "route-not-found"
            encoded = await client.get("/api/timesheet/entries?through=%EF%BC%92026")
            assert encoded.json()["service"] == "timesheet"
            too_large = await client.post("/api/timesheet/entries", content=b"{" * (1024 * 1024 + 10))
            assert too_large.json()["errors"] == [{"field": "body", "rule": "too-large", "message": "At most 1 MiB"}]
            down = await client.post("/api/invoicing/closes", json={})
            assert down.headers["retry-after"] == "5" and down.json()["written"] is None
            # The service's own answers are not rewritten.
            assert (await client.get("/api/timesheet/healthz")).json()["service"] == "timesheet"


def _assert_proxy_problem(answer: httpx.Response, origin: str, status: int, service: str, code: str) -> None:
    """``answer`` is the proxy's own problem+json: ``status`` and ``code``, typed on the origin as a page of
    ``service``'s catalogue, a code every catalogue documents."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json", answer.text
    problem = answer.json()
    assert problem["type"] == f"{origin}/problems/{service}/{code}"
    assert (problem["status"], problem["code"]) == (status, code)
    assert code in registered_or_shared_codes()


def registered_or_shared_codes() -> set[str]:
    """The codes every service's catalogue documents (a page under ``/problems/<service>/<code>``)."""
    return {t.code for t in SHARED_TYPES}


async def _raw_request(origin: str, request_line: bytes) -> httpx.Response:
    """Sends ``request_line`` as it is (httpx would percent-encode it) and reads the answer."""
    import asyncio

    host, port = origin.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        request_line + b"\r\nHost: " + origin.removeprefix("http://").encode() + b"\r\nConnection: close\r\n\r\n"
    )
    await writer.drain()
    raw = await reader.read()
    writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines)
    return httpx.Response(int(status_line.split()[1]), headers=headers, content=body)
