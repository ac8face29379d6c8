"""Secrets sealed for one recipient service: AES-256-GCM with a key only the sender and the recipient hold.

A credential that must travel through shared infrastructure (an event on Kafka, an outbox row, a mail
outbox row) travels *sealed*: whoever reads the topic, the table or a backup holds ciphertext that no
key of theirs opens. Used for portal login links (timesheet seals, notifications opens to send the mail).

- **Keys** are 32 random bytes, base64 (standard or URL-safe alphabet), configured as
  ``dict[key id, SecretStr]`` (the services' ``*_sealing_keys`` settings). The key id travels with the
  sealed value, so keys rotate by adding a new id, sealing with it, and dropping the old id once
  nothing sealed with it can still matter (login links: after 15 minutes).
- **Context** (the GCM associated data) binds a sealed value to its purpose and recipient, e.g.
  ``"vikar.login_link/v2\\nbo@bager.example"``: a value copied into another event or row, or altered,
  does not open (:class:`SealError`), so a Kafka writer cannot redirect a link to another mailbox.
- The nonce is 96 random bits per seal (never reused with one key in practice: 2⁻³² collision odds
  only after 2³² seals per key).

Nothing here logs, and :class:`SealError` never carries the plaintext or the key.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import BaseModel, ConfigDict, Field, SecretStr

# Development and test only: a fixed key everybody can read in this repository. Deployments set their own.
DEV_SEALING_KEY_ID = "dev"
DEV_SEALING_KEY = "dmlrYXJtb2RlbC1kZXYtc2VhbGluZy1rZXktMzJieXQ="  # base64 of "vikarmodel-dev-sealing-key-32byt"

_NONCE_BYTES = 12
_KEY_BYTES = 32
# Base64url of 12 bytes is 16 characters; a login link of < 400 characters seals to < 600.
_MAX_SEALED_CHARACTERS = 4096


class SealError(ValueError):
    """A sealed value that cannot be opened here: unknown key id, wrong context, altered or malformed.
    The message names the key id at most, never the secret."""


class Sealed(BaseModel):
    """A secret sealed with AES-256-GCM: ``{"key_id": "2026-11", "nonce": "<b64url>", "ciphertext": "<b64url>"}``.

    ``ciphertext`` includes GCM's 16-byte tag; both byte strings are unpadded base64url."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    key_id: str = Field(min_length=1, max_length=64, description="Id of the key it was sealed with")
    nonce: str = Field(min_length=16, max_length=16, description="96-bit GCM nonce, unpadded base64url")
    ciphertext: str = Field(
        min_length=22,
        max_length=_MAX_SEALED_CHARACTERS,
        description="AES-256-GCM ciphertext and tag, unpadded base64url",
    )


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise SealError("sealed value is not base64url") from None


def key_bytes(key: SecretStr) -> bytes:
    """The 32 bytes of a configured key (base64, standard or URL-safe); ValueError for anything else."""
    text = key.get_secret_value().strip()
    try:
        raw = base64.b64decode(text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("a sealing key must be base64 of 32 random bytes") from None
    if len(raw) != _KEY_BYTES:
        raise ValueError(f"a sealing key must be base64 of 32 random bytes, not {len(raw)}")
    return raw


def dev_sealing_keys() -> dict[str, SecretStr]:
    """The development key by its id: the default of the settings, for development and tests only."""
    return {DEV_SEALING_KEY_ID: SecretStr(DEV_SEALING_KEY)}


def development_keys_in(setting: str, keys: dict[str, SecretStr]) -> list[str]:
    """Sentences naming each key of ``setting`` that is the published development key (for
    ``ServiceSettings.insecure_settings``: refused outside development and test)."""
    return [
        f"{setting}[{kid!r}] is the published development sealing key"
        for kid, key in keys.items()
        if key.get_secret_value() == DEV_SEALING_KEY
    ]


class SealingKeys:
    """The keys of one purpose. ``seal`` uses ``current`` (which must be among ``keys``); ``open`` any of them.

    Raises ValueError at construction for a key that is not 32 bytes of base64 or a missing current id,
    so a misconfigured service fails at start, not at its first login."""

    def __init__(self, keys: Mapping[str, SecretStr], current: str | None = None) -> None:
        if not keys:
            raise ValueError("at least one sealing key is needed")
        self._aeads = {key_id: AESGCM(key_bytes(secret)) for key_id, secret in keys.items()}
        self.current = current if current is not None else next(iter(keys))
        if self.current not in self._aeads:
            raise ValueError(f"the current sealing key id {self.current!r} is not among the configured keys")

    @property
    def key_ids(self) -> frozenset[str]:
        return frozenset(self._aeads)

    def seal(self, secret: str, *, context: str) -> Sealed:
        """``secret`` (UTF-8 text) sealed with the current key, bound to ``context``."""
        nonce = os.urandom(_NONCE_BYTES)
        ciphertext = self._aeads[self.current].encrypt(nonce, secret.encode(), context.encode())
        return Sealed(key_id=self.current, nonce=_b64encode(nonce), ciphertext=_b64encode(ciphertext))

    def open(self, sealed: Sealed, *, context: str) -> str:
        """The secret, if ``sealed`` was sealed by one of these keys for exactly ``context``; SealError otherwise."""
        aead = self._aeads.get(sealed.key_id)
        if aead is None:
            raise SealError(f"no sealing key {sealed.key_id!r} is configured here")
        nonce = _b64decode(sealed.nonce)
        if len(nonce) != _NONCE_BYTES:
            raise SealError("sealed value has a malformed nonce")
        try:
            return aead.decrypt(nonce, _b64decode(sealed.ciphertext), context.encode()).decode()
        except (InvalidTag, UnicodeDecodeError):
            raise SealError(f"sealed value does not open with key {sealed.key_id!r} in this context") from None
