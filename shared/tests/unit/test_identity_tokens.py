"""The page-session token: what one service signs, every other verifies; nothing else passes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from vikar_shared.auth.principal import Role
from vikar_shared.identity.tokens import (
    DEV_KEY_ID,
    DEV_PRIVATE_KEY_PEM,
    DEV_PUBLIC_KEY_PEM,
    InvalidPageSessionError,
    PageSession,
    mint_page_session,
    new_csrf,
    verify_page_session,
)

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
KEYS = {DEV_KEY_ID: DEV_PUBLIC_KEY_PEM}


def _session(**changes: object) -> PageSession:
    base = {
        "session_id": uuid4(),
        "subject": "ib@bagerhansen.example",
        "role": Role.COMPANY_APPROVER,
        "lang": "da",
        "csrf": new_csrf(),
        "issued_at": NOW,
        "expires_at": NOW + timedelta(minutes=5),
        "company_id": uuid4(),
    }
    base.update(changes)
    return PageSession(**base)  # type: ignore[arg-type]


def test_a_minted_token_verifies_to_the_same_session() -> None:
    session = _session()
    token = mint_page_session(session, private_key_pem=DEV_PRIVATE_KEY_PEM, key_id=DEV_KEY_ID)
    assert verify_page_session(token, public_keys_pem=KEYS, now=NOW + timedelta(minutes=4)) == session


def test_an_expired_token_is_refused() -> None:
    token = mint_page_session(_session(), private_key_pem=DEV_PRIVATE_KEY_PEM, key_id=DEV_KEY_ID)
    with pytest.raises(InvalidPageSessionError) as caught:
        verify_page_session(token, public_keys_pem=KEYS, now=NOW + timedelta(minutes=5))
    assert caught.value.rule == "token-expired"


def test_another_key_is_refused_and_an_unknown_kid_too() -> None:
    other = Ed25519PrivateKey.generate()
    pem = other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    forged = mint_page_session(_session(), private_key_pem=pem, key_id=DEV_KEY_ID)
    with pytest.raises(InvalidPageSessionError) as caught:
        verify_page_session(forged, public_keys_pem=KEYS, now=NOW)
    assert caught.value.rule == "token-signature"
    unknown = mint_page_session(_session(), private_key_pem=pem, key_id="other")
    with pytest.raises(InvalidPageSessionError) as caught:
        verify_page_session(unknown, public_keys_pem=KEYS, now=NOW)
    assert caught.value.rule == "token-key-unknown"


def test_a_bearer_style_hs256_token_is_refused() -> None:
    token = jwt.encode({"sub": "x"}, "k" * 40, algorithm="HS256", headers={"kid": DEV_KEY_ID})
    with pytest.raises(InvalidPageSessionError) as caught:
        verify_page_session(token, public_keys_pem=KEYS, now=NOW)
    assert caught.value.rule == "token-key-unknown"


def test_lifetime_is_bounded_when_minting_and_verifying() -> None:
    with pytest.raises(ValueError, match="lifetime"):
        mint_page_session(
            _session(expires_at=NOW + timedelta(hours=1)), private_key_pem=DEV_PRIVATE_KEY_PEM, key_id=DEV_KEY_ID
        )
    from vikar_shared.identity.tokens import load_private_key

    claims = {
        "iss": "vikarmodel-identity",
        "aud": "vikarmodel-pages",
        "sub": "a@b.example",
        "sid": str(uuid4()),
        "role": "company_approver",
        "lang": "da",
        "csrf": "x",
        "iat": int(NOW.timestamp()),
        "exp": int((NOW + timedelta(hours=8)).timestamp()),
    }
    long = jwt.encode(claims, load_private_key(DEV_PRIVATE_KEY_PEM), algorithm="EdDSA", headers={"kid": DEV_KEY_ID})
    with pytest.raises(InvalidPageSessionError) as caught:
        verify_page_session(long, public_keys_pem=KEYS, now=NOW)
    assert caught.value.rule == "token-lifetime"
    del claims["csrf"]
    missing = jwt.encode(claims, load_private_key(DEV_PRIVATE_KEY_PEM), algorithm="EdDSA", headers={"kid": DEV_KEY_ID})
    with pytest.raises(InvalidPageSessionError) as caught:
        verify_page_session(missing, public_keys_pem=KEYS, now=NOW)
    assert caught.value.rule == "claim-required"


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "x" * 5000])
def test_garbage_is_malformed(garbage: str) -> None:
    with pytest.raises(InvalidPageSessionError) as caught:
        verify_page_session(garbage, public_keys_pem=KEYS, now=NOW)
    assert caught.value.rule in {"token-malformed", "token-key-unknown"}
