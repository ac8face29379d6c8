"""Keeps CPR numbers sealed: AES-GCM at rest, HMAC-SHA256 for finding the same person again."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import SecretStr

from placement.citizens.models import Cpr


class CprVault:
    def __init__(self, encryption_key: SecretStr, hash_key: SecretStr) -> None:
        key = base64.b64decode(encryption_key.get_secret_value())
        if len(key) != 32:
            raise ValueError("the CPR encryption key must be 32 bytes, base64-encoded")
        self._aead = AESGCM(key)
        self._hash_key = hash_key.get_secret_value().encode()

    def seal(self, cpr: Cpr) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, cpr.digits.encode(), b"cpr")

    def open(self, sealed: bytes) -> Cpr:
        return Cpr(self._aead.decrypt(sealed[:12], sealed[12:], b"cpr").decode())

    def lookup_hash(self, cpr: Cpr) -> bytes:
        return hmac.new(self._hash_key, cpr.digits.encode(), hashlib.sha256).digest()
