"""Sealed secrets (AES-256-GCM): they open only with the right key id and context, never leak the secret."""

from __future__ import annotations

import base64
import os

import pytest
from pydantic import SecretStr, ValidationError

from vikar_shared.events.placement import PageLoginLinkRequested
from vikar_shared.events.registry import EVENT_TYPES
from vikar_shared.events.timesheet import LoginLinkRequestedV2, login_link_seal_context
from vikar_shared.outbox import purged_after_publish
from vikar_shared.sealing import Sealed, SealError, SealingKeys, dev_sealing_keys
from vikar_shared.settings import ServiceSettings

LINK = "https://portal.example.dk/portal/login/Ab_Cd-0123456789abcdefghijklmnopqrstuvwxyzABCDE"
CONTEXT = login_link_seal_context("Bo@Bager.example ")


def _key() -> SecretStr:
    return SecretStr(base64.b64encode(os.urandom(32)).decode())


def test_a_sealed_link_opens_with_its_key_and_context_and_holds_no_trace_of_it() -> None:
    keys = SealingKeys(dev_sealing_keys())

    sealed = keys.seal(LINK, context=CONTEXT)

    assert sealed.key_id == "dev"
    wire = sealed.model_dump_json()
    assert "portal" not in wire and "Ab_Cd" not in wire
    assert keys.open(Sealed.model_validate_json(wire), context=CONTEXT) == LINK
    # A fresh nonce each time: sealing twice never gives the same ciphertext.
    assert keys.seal(LINK, context=CONTEXT).ciphertext != sealed.ciphertext


def test_the_context_is_the_purpose_and_the_normalised_address() -> None:
    assert CONTEXT == "vikar.login_link/v2\nbo@bager.example"


@pytest.mark.parametrize(
    "other", ["vikar.login_link/v2\neve@evil.example", "", "vikar.login_link/v1\nbo@bager.example"]
)
def test_a_sealed_link_moved_to_another_context_does_not_open(other: str) -> None:
    keys = SealingKeys(dev_sealing_keys())
    sealed = keys.seal(LINK, context=CONTEXT)

    with pytest.raises(SealError) as raised:
        keys.open(sealed, context=other)
    assert LINK not in str(raised.value)


def test_an_altered_ciphertext_or_an_unknown_key_does_not_open() -> None:
    keys = SealingKeys(dev_sealing_keys())
    sealed = keys.seal(LINK, context=CONTEXT)
    flipped = base64.urlsafe_b64decode(sealed.ciphertext + "==")
    altered = sealed.model_copy(
        update={"ciphertext": base64.urlsafe_b64encode(bytes([flipped[0] ^ 1]) + flipped[1:]).rstrip(b"=").decode()}
    )

    with pytest.raises(SealError):
        keys.open(altered, context=CONTEXT)
    with pytest.raises(SealError, match="no sealing key 'dev'"):
        SealingKeys({"2026-11": _key()}).open(sealed, context=CONTEXT)
    with pytest.raises(SealError):
        SealingKeys({"dev": _key()}).open(sealed, context=CONTEXT)


def test_keys_rotate_by_id_old_seals_still_open() -> None:
    old, new = _key(), _key()
    before = SealingKeys({"2026-10": old})
    sealed = before.seal(LINK, context=CONTEXT)
    rotated = SealingKeys({"2026-10": old, "2026-11": new}, current="2026-11")

    assert rotated.seal(LINK, context=CONTEXT).key_id == "2026-11"
    assert rotated.open(sealed, context=CONTEXT) == LINK


@pytest.mark.parametrize(
    "bad", ["", "short", base64.b64encode(b"x" * 31).decode(), base64.b64encode(b"x" * 33).decode()]
)
def test_a_key_that_is_not_32_bytes_of_base64_is_refused_at_construction(bad: str) -> None:
    with pytest.raises(ValueError, match="32 random bytes"):
        SealingKeys({"k": SecretStr(bad)})


def test_the_current_key_must_be_configured() -> None:
    with pytest.raises(ValueError, match="not among"):
        SealingKeys(dev_sealing_keys(), current="2026-11")


def test_only_events_carrying_a_sealed_credential_leave_the_outbox_once_published() -> None:
    assert [e for e in EVENT_TYPES if e.purge_after_publish] == [PageLoginLinkRequested, LoginLinkRequestedV2]
    assert purged_after_publish({"type": "timesheet.login_link_requested", "version": 2})
    assert purged_after_publish({"type": "placement.login_link_requested", "version": 1})
    assert not purged_after_publish({"type": "placement.page_session_ended", "version": 1})
    assert not purged_after_publish({"type": "timesheet.login_link_requested", "version": 1})
    assert not purged_after_publish({"type": "timesheet.entry_approved", "version": 1})
    assert not purged_after_publish({"type": "unknown", "version": 7})


@pytest.mark.parametrize("proxies", [["10.0.0.0/8", "192.0.2.1", "2001:db8::/32"], ["*"], []])
def test_trusted_proxies_are_addresses_or_networks(proxies: list[str]) -> None:
    assert ServiceSettings(trusted_proxies=proxies).trusted_proxies == proxies


@pytest.mark.parametrize("proxy", ["proxy.internal", "10.0.0.0/33", "any"])
def test_a_trusted_proxy_that_is_no_address_refuses_to_start(proxy: str) -> None:
    with pytest.raises(ValidationError):
        ServiceSettings(trusted_proxies=[proxy])


def test_the_default_trusts_no_proxy() -> None:
    assert ServiceSettings().trusted_proxies == []
