from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from vikar_shared.auth import Role, TokenVerifier, mint_token
from vikar_shared.errors import Category, DomainError

SECRET = "a-test-secret-of-reasonable-length-000000"
VERIFIER = TokenVerifier({"k1": SecretStr(SECRET)}, "vikarmodel", "vikarmodel")


def _token(**kwargs: object) -> str:
    params: dict[str, object] = {"secret": SECRET, "kid": "k1", "subject": "anna", "role": Role.CONSULTANT}
    params.update(kwargs)
    return mint_token(**params)  # type: ignore[arg-type]


def test_valid_token_gives_the_principal_with_its_bindings() -> None:
    company = uuid.uuid4()
    principal = VERIFIER.verify(_token(role=Role.COMPANY_APPROVER, company_id=company, email="ib@x.dk"))
    assert principal.role is Role.COMPANY_APPROVER
    assert principal.company_id == company
    assert principal.may_see_company(company)
    assert not principal.may_see_company(uuid.uuid4())
    assert not principal.is_agency_staff


@pytest.mark.parametrize(
    ("token", "detail"),
    [
        (_token(now=datetime.now(UTC) - timedelta(hours=2), ttl=timedelta(hours=1)), "expired"),
        (_token(secret="another-secret-another-secret-another-000"), "not valid"),
        (_token(kid="unknown"), "unknown key"),
        (_token(role=Role.COMPANY_APPROVER), "company_id"),
        (_token(role=Role.MUNICIPALITY), "municipality_id"),
        (_token(audience="someone-else"), "not valid"),
        ("not.a.jwt", "malformed"),
    ],
)
def test_bad_tokens_are_unauthenticated(token: str, detail: str) -> None:
    with pytest.raises(DomainError) as err:
        VERIFIER.verify(token)
    assert err.value.category is Category.UNAUTHENTICATED
    assert detail in err.value.detail


def test_agency_staff_may_see_every_company_and_municipality() -> None:
    for role in (Role.CONSULTANT, Role.FINANCE, Role.ADMIN):
        principal = VERIFIER.verify(_token(role=role))
        assert principal.may_see_company(uuid.uuid4())
        assert principal.may_see_municipality(uuid.uuid4())
