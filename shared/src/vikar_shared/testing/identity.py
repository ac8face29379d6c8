"""For tests of pages behind the one identity: a page session as the identity owner would mint it at login,
signed with the published development key (kid ``dev``) that every service trusts by default
(``identity_verify_keys``). Tests of a page-serving service need no running owner.

Also a page-session key pair of a test's own (never the published development pair), for settings that
must pass the demo/production checks: ``identity_verify_keys`` everywhere, the signing key in placement."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from uuid import UUID

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from vikar_shared.auth.principal import Role
from vikar_shared.identity.tokens import (
    ACCESS_LIFETIME,
    COOKIE_NAME,
    DEV_KEY_ID,
    DEV_PRIVATE_KEY_PEM,
    PageSession,
    mint_page_session,
    new_csrf,
)


@dataclass(frozen=True)
class MintedPageSession:
    """A signed page session: ``token`` (the ``vikar_session`` cookie's value) and its claims."""

    token: str
    session: PageSession

    @property
    def cookies(self) -> dict[str, str]:
        """``{"vikar_session": token}``, for an httpx client's cookie jar."""
        return {COOKIE_NAME: self.token}

    @property
    def csrf(self) -> str:
        return self.session.csrf


def page_session_cookie(
    *,
    email: str,
    now: datetime,
    role: Role = Role.COMPANY_APPROVER,
    company_id: UUID | None = None,
    municipality_id: UUID | None = None,
    lang: str = "da",
    lifetime: timedelta = ACCESS_LIFETIME,
    session_id: UUID | None = None,
    csrf: str | None = None,
    private_key_pem: str = DEV_PRIVATE_KEY_PEM,
    key_id: str = DEV_KEY_ID,
) -> MintedPageSession:
    """A page session for ``email`` issued at ``now`` (aware; the app's clock) living ``lifetime``
    (at most 15 min, else ``ValueError``). Another ``private_key_pem``/``key_id`` mints a token the
    services do not trust (to test that they refuse it)."""
    session = PageSession(
        session_id=session_id or uuid.uuid4(),
        subject=email,
        role=role,
        lang=lang,
        csrf=csrf or new_csrf(),
        issued_at=now,
        expires_at=now + lifetime,
        company_id=company_id,
        municipality_id=municipality_id,
    )
    token = mint_page_session(session, private_key_pem=private_key_pem, key_id=key_id)
    return MintedPageSession(token=token, session=session)


@dataclass(frozen=True)
class IdentityKeyPair:
    key_id: str
    private_pem: str
    public_pem: str

    @property
    def verify_keys(self) -> dict[str, str]:
        """``identity_verify_keys`` naming this pair's public key."""
        return {self.key_id: self.public_pem}

    @property
    def verify_keys_json(self) -> str:
        """The same, as an environment variable holds it."""
        return json.dumps(self.verify_keys)


@cache
def own_identity_keys(key_id: str = "test") -> IdentityKeyPair:
    """A fresh Ed25519 pair per test run (the same one within a run)."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return IdentityKeyPair(key_id, private, public)
