"""A page-session key pair of a test's own (never the published development pair), for settings that
must pass the demo/production checks: ``identity_verify_keys`` everywhere, the signing key in placement."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


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
