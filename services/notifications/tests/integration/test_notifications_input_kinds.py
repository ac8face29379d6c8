"""Issue 6 in notifications: integers out of range and token claims that break the text rules."""

from __future__ import annotations

from typing import Any

from notifications.app import create_app
from vikar_shared.auth.principal import Role
from vikar_shared.testing.plugin import bearer, serve_in_process


async def test_a_limit_out_of_range_is_a_422_naming_limit(make_settings: Any) -> None:
    app = create_app(await make_settings())
    async with serve_in_process(app) as client:
        for limit, rule in (
            ("9223372036854775808", "less_than_equal"),
            ("501", "less_than_equal"),
            ("0", "greater_than_equal"),
        ):
            response = await client.get("/emails", params={"limit": limit}, headers=bearer(Role.ADMIN))
            assert response.status_code == 422, response.text
            assert response.headers["content-type"] == "application/problem+json"
            assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [("limit", rule)]


async def test_a_token_whose_sub_holds_a_nul_or_nothing_is_401(make_settings: Any) -> None:
    app = create_app(await make_settings())
    async with serve_in_process(app) as client:
        for sub in ("ad\x00min", "", "ad\r\nmin"):
            response = await client.get("/emails", headers=bearer(Role.ADMIN, sub=sub, max_ttl=None))
            assert response.status_code == 401, (sub, response.text)
            assert response.json()["code"] == "unauthenticated"


async def test_a_query_parameter_given_twice_is_a_422_naming_it_not_the_last_value_read(make_settings: Any) -> None:
    app = create_app(await make_settings())
    async with serve_in_process(app) as client:
        response = await client.get("/emails?status=sent&status=pending", headers=bearer(Role.ADMIN))
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [("status", "repeated")]
        assert (await client.get("/emails?status=sent", headers=bearer(Role.ADMIN))).status_code == 200
