from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from pydantic import SecretStr

from vikar_shared.auth import Role, TokenVerifier, cli, mint_token
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


def _rule(token: str, verifier: TokenVerifier = VERIFIER) -> str:
    with pytest.raises(DomainError) as err:
        verifier.verify(token)
    assert err.value.category is Category.UNAUTHENTICATED
    assert err.value.code == "unauthenticated"
    [violation] = err.value.violations
    assert violation.field == "Authorization"
    return violation.rule


def _raw(claims: dict[str, object], secret: str = SECRET) -> str:
    return jwt.encode(claims, secret, algorithm="HS256", headers={"kid": "k1"})


def _claims(**overrides: object) -> dict[str, object]:
    now = int(datetime.now(UTC).timestamp())
    claims: dict[str, object] = {
        "sub": "anna",
        "role": "consultant",
        "iss": "vikarmodel",
        "aud": "vikarmodel",
        "iat": now,
        "exp": now + 3600,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def test_a_token_may_live_twelve_hours_and_not_a_second_longer() -> None:
    assert VERIFIER.verify(_token(ttl=timedelta(hours=12))).subject == "anna"
    now = int(datetime.now(UTC).timestamp())
    assert _rule(_raw(_claims(iat=now, exp=now + 12 * 3600 + 1))) == "token-lifetime"
    # The example: an expiry decades away.
    assert _rule(_raw(_claims(iat=now, exp=now + 30 * 365 * 24 * 3600))) == "token-lifetime"
    # A shorter bound is configurable.
    short = TokenVerifier({"k1": SecretStr(SECRET)}, "vikarmodel", "vikarmodel", max_lifetime=timedelta(hours=1))
    assert _rule(_token(ttl=timedelta(hours=2)), short) == "token-lifetime"


def test_a_token_issued_in_the_future_is_refused_beyond_the_leeway() -> None:
    now = datetime.now(UTC)
    assert VERIFIER.verify(_token(now=now + timedelta(seconds=30))).subject == "anna"
    assert _rule(_token(now=now + timedelta(minutes=5))) == "token-issued-in-future"


@pytest.mark.parametrize("claim", ["sub", "role", "iss", "aud", "iat", "exp"])
def test_every_claim_the_services_rely_on_is_required(claim: str) -> None:
    with pytest.raises(DomainError) as err:
        VERIFIER.verify(_raw(_claims(**{claim: None})))
    assert err.value.violations[0].rule == "claim-required"
    assert claim in err.value.detail


@pytest.mark.parametrize("sub", ["", "   "])
def test_an_empty_subject_is_refused(sub: str) -> None:
    assert _rule(_raw(_claims(sub=sub))) == "claim-sub-empty"


@pytest.mark.parametrize(
    ("claims", "rule"),
    [
        (_claims(iat="yesterday"), "claim-invalid"),
        (_claims(exp="never"), "claim-invalid"),
        (_claims(iss="someone-else"), "token-issuer"),
        (_claims(aud="someone-else"), "token-audience"),
    ],
)
def test_other_broken_claims_name_their_rule(claims: dict[str, object], rule: str) -> None:
    assert _rule(_raw(claims)) == rule


def test_broken_tokens_name_their_rule() -> None:
    assert _rule("not.a.jwt") == "token-malformed"
    assert _rule(_token(kid="unknown")) == "token-key-unknown"
    assert _rule(_token(secret="another-secret-another-secret-another-000")) == "token-signature"
    assert _rule(_token(now=datetime.now(UTC) - timedelta(hours=2), ttl=timedelta(hours=1))) == "token-expired"


def test_mint_token_refuses_what_the_services_would_refuse() -> None:
    with pytest.raises(ValueError, match="at most"):
        _token(ttl=timedelta(hours=12, seconds=1))
    with pytest.raises(ValueError, match="subject"):
        _token(subject=" ")
    # Tests that need an over-long token say so.
    assert _rule(_token(ttl=timedelta(days=365), max_ttl=None)) == "token-lifetime"


def test_the_token_cli_mints_within_the_bound_and_refuses_the_dev_secret_outside_development(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VIKAR_ENVIRONMENT", "development")
    monkeypatch.delenv("VIKAR_JWT_SECRET", raising=False)
    cli.main(["--role", "consultant", "--sub", "anna", "--hours", "12"])
    token = capsys.readouterr().out.strip()
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 12 * 3600
    with pytest.raises(SystemExit):
        cli.main(["--role", "consultant", "--sub", "anna", "--hours", "13"])
    assert "at most" in capsys.readouterr().err
    monkeypatch.setenv("VIKAR_ENVIRONMENT", "demo")
    with pytest.raises(SystemExit):
        cli.main(["--role", "consultant", "--sub", "anna"])
    assert "development secret is refused" in capsys.readouterr().err
    monkeypatch.setenv("VIKAR_JWT_SECRET", SECRET)
    monkeypatch.setenv("VIKAR_JWT_KID", "k1")
    cli.main(["--role", "admin", "--sub", "demo-admin"])
    assert VERIFIER.verify(capsys.readouterr().out.strip()).subject == "demo-admin"


def test_an_expired_token_gets_no_leeway() -> None:
    assert _rule(_token(ttl=timedelta(seconds=-1))) == "token-expired"


def _numeric_claims(**overrides: object) -> dict[str, object]:
    claims = _claims()
    claims.update(overrides)
    return claims


@pytest.mark.parametrize(
    "claims",
    [
        _numeric_claims(exp=str(_claims()["exp"])),
        _numeric_claims(iat=str(_claims()["iat"])),
        _numeric_claims(nbf=str(_claims()["iat"])),
        _numeric_claims(exp=True),
        _numeric_claims(iat=True),
        _numeric_claims(exp=float("inf")),
        _numeric_claims(iat=float("-inf")),
        _numeric_claims(exp=float("nan")),
    ],
    ids=["exp-string", "iat-string", "nbf-string", "exp-bool", "iat-bool", "exp-inf", "iat-minus-inf", "exp-nan"],
)
def test_a_numeric_date_claim_must_be_a_finite_json_number(claims: dict[str, object]) -> None:
    # RFC 7519 NumericDate: PyJWT's int() would take "1796..." (a string) and True; the services refuse them.
    assert _rule(_raw(claims)) == "claim-invalid"


def test_numeric_date_claims_may_be_fractional_numbers() -> None:
    now = datetime.now(UTC).timestamp()
    assert VERIFIER.verify(_raw(_numeric_claims(iat=now, exp=now + 3600.5))).subject == "anna"


def test_the_email_claim_is_carried_in_its_normalised_ascii_form() -> None:
    claims = _numeric_claims(email=" ＡＮＮＡ@Agency.example ")
    assert VERIFIER.verify(_raw(claims)).email == "anna@agency.example"
    for bad in ("æøå@agency.example", "anna@agency.example\u202e", "\u200b"):
        assert _rule(_raw(_numeric_claims(email=bad))) == "claim-invalid"


# ----------------------------------------------------------------------------- accepted tokens remembered (issue 8)


def test_an_accepted_token_is_answered_from_memory_without_checking_it_again(monkeypatch: pytest.MonkeyPatch) -> None:
    verifier = TokenVerifier({"k1": SecretStr(SECRET)}, "vikarmodel", "vikarmodel")
    company = uuid.uuid4()
    token = _token(role=Role.COMPANY_APPROVER, company_id=company, email="ib@x.dk")
    first = verifier.verify(token)

    def no_decoding(*args: object, **kwargs: object) -> object:
        raise AssertionError("the token was decoded again")

    monkeypatch.setattr(jwt, "decode", no_decoding)
    assert verifier.verify(token) == first
    assert verifier.verify(token).company_id == company
    # Another token is checked in full.
    with pytest.raises(AssertionError, match="decoded again"):
        verifier.verify(_token(subject="bo"))


def test_a_remembered_token_still_expires() -> None:
    verifier = TokenVerifier({"k1": SecretStr(SECRET)}, "vikarmodel", "vikarmodel")
    token = _token(ttl=timedelta(seconds=1))
    assert verifier.verify(token).subject == "anna"
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    time.sleep(max(0.0, exp - time.time()) + 0.05)
    assert _rule(token, verifier) == "token-expired"


def test_a_refused_token_is_refused_every_time_and_not_remembered() -> None:
    verifier = TokenVerifier({"k1": SecretStr(SECRET)}, "vikarmodel", "vikarmodel")
    token = _token(audience="someone-else")
    assert _rule(token, verifier) == "token-audience"
    assert _rule(token, verifier) == "token-audience"
    # A token signed with another key is refused even after a good one of the same claims was accepted.
    now = datetime.now(UTC)
    verifier.verify(_token(now=now))
    assert _rule(_token(now=now, secret="another-secret-another-secret-another-000"), verifier) == "token-signature"


def test_the_memory_is_bounded_oldest_use_forgotten_first() -> None:
    verifier = TokenVerifier({"k1": SecretStr(SECRET)}, "vikarmodel", "vikarmodel", cache_size=2)
    a, b, c = (_token(subject=s) for s in ("a", "b", "c"))
    verifier.verify(a)
    verifier.verify(b)
    verifier.verify(a)  # a used last: b is the oldest
    verifier.verify(c)
    assert len(verifier._accepted) == 2
    assert {p.subject for p, _ in verifier._accepted.values()} == {"a", "c"}
    # The memory holds digests, never a token.
    assert all(isinstance(k, bytes) and len(k) == 32 for k in verifier._accepted)
