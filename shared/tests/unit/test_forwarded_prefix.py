"""X-Forwarded-Prefix (the path prefix the proxy stripped, /api/<service>) becomes the app's root_path only
from a trusted proxy, and only when it is a plain path."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from vikar_shared.http.app import create_service_app
from vikar_shared.runtime import Role
from vikar_shared.settings import ServiceSettings


async def _openapi_servers(trusted: list[str], prefix: str) -> object:
    app = create_service_app(
        ServiceSettings(trusted_proxies=trusted),
        title="t",
        description="t",
        routers=[],
        migrations=Path("."),
        role=Role.API,
    )
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/openapi.json", headers={"X-Forwarded-Prefix": prefix})
        docs = await client.get("/docs", headers={"X-Forwarded-Prefix": prefix})
    return response.json().get("servers"), docs.text


async def test_a_trusted_proxy_s_prefix_is_the_root_path_of_the_document_and_the_docs() -> None:
    servers, docs = await _openapi_servers(["127.0.0.1"], "/api/timesheet")
    assert servers == [{"url": "/api/timesheet"}]
    assert "'/api/timesheet/openapi.json'" in docs


@pytest.mark.parametrize(
    ("trusted", "prefix"),
    [
        ([], "/api/timesheet"),  # no proxy configured
        (["10.0.0.0/8"], "/api/timesheet"),  # the peer is not the proxy
        (["127.0.0.1"], "https://evil.example/x"),  # not a path
        (["127.0.0.1"], "/api/<script>"),
        (["127.0.0.1"], "//evil.example"),
    ],
)
async def test_the_prefix_is_ignored_from_an_untrusted_peer_or_when_it_is_not_a_plain_path(
    trusted: list[str], prefix: str
) -> None:
    servers, docs = await _openapi_servers(trusted, prefix)
    assert servers is None
    assert "'/openapi.json'" in docs
