"""Issue 6 item 8 in invoicing: a token whose iat or exp is a numeric string (not a JSON number) is a 401
``claim-invalid``, like every other malformed claim."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from vikar_shared.auth.principal import Role
from vikar_shared.testing.plugin import bearer_with_claims

PATH = f"/companies/{uuid.uuid4()}/invoice-preview"


@pytest.mark.parametrize(
    "claims",
    [{"exp": str(int(datetime.now(UTC).timestamp()) + 3600)}, {"iat": str(int(datetime.now(UTC).timestamp()))}],
    ids=["exp-string", "iat-string"],
)
async def test_a_token_whose_dates_are_strings_is_401_claim_invalid(invoicing: Any, claims: dict[str, object]) -> None:
    ok = await invoicing.client.get(PATH, params={"month": "2026-01"}, headers=bearer_with_claims(Role.FINANCE))
    assert ok.status_code == 404, ok.text  # authenticated; there is just no such company
    response = await invoicing.client.get(
        PATH, params={"month": "2026-01"}, headers=bearer_with_claims(Role.FINANCE, **claims)
    )
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [("Authorization", "claim-invalid")]
