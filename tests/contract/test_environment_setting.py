"""One ``environment`` for every service, from one variable; outside development and test no
published development secret (or no key at all) gets a service started."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError
from pydantic_settings import BaseSettings

from invoicing.config import InvoicingSettings
from notifications.config import NotificationsSettings
from placement.config import PlacementSettings
from timesheet.config import TimesheetSettings
from vikar_shared.settings import DEV_JWT_SECRET, Environment, ServiceSettings
from vikar_shared.testing.identity import own_identity_keys

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "a-demo-secret-of-forty-characters-000000"
SERVICES: dict[str, type[ServiceSettings]] = {
    "PLACEMENT": PlacementSettings,
    "TIMESHEET": TimesheetSettings,
    "INVOICING": InvoicingSettings,
    "NOTIFICATIONS": NotificationsSettings,
}
SEALING_KEYS = '{"k1": "cmVhbC1sb29raW5nLWxvZ2luLXNlYWxpbmcta2V5LTE="}'
IDENTITY = own_identity_keys()
# The service secrets besides the JWT keys, none of them the published development value.
OTHER_KEYS = {
    **{f"{prefix}_IDENTITY_VERIFY_KEYS": IDENTITY.verify_keys_json for prefix in SERVICES},
    "PLACEMENT_IDENTITY_SIGNING_KEY": IDENTITY.private_pem,
    "PLACEMENT_IDENTITY_SIGNING_KEY_ID": IDENTITY.key_id,
    "PLACEMENT_LOGIN_LINK_SEALING_KEYS": SEALING_KEYS,
    "PLACEMENT_LOGIN_LINK_SEALING_KEY_ID": "k1",
    "PLACEMENT_CPR_ENCRYPTION_KEY": "cmVhbC1sb29raW5nLWNwci1lbmNyeXB0aW9uLWtleTE=",
    "PLACEMENT_CPR_HASH_KEY": "a-real-looking-cpr-hash-key-0000000000",
    "TIMESHEET_LOGIN_LINK_SEALING_KEYS": SEALING_KEYS,
    "TIMESHEET_LOGIN_LINK_SEALING_KEY_ID": "k1",
    "NOTIFICATIONS_LOGIN_LINK_SEALING_KEYS": SEALING_KEYS,
    # Issue 14, part D: webhook endpoints' signing secrets, sealed at rest.
    "NOTIFICATIONS_WEBHOOK_SECRET_SEALING_KEYS": SEALING_KEYS,
    # Issue 10: Stripe webhooks.
    "INVOICING_STRIPE_WEBHOOK_SECRET": "whsec_a-real-looking-signing-secret-000000",
    # Issue 10: Stripe (the development key is refused in production only).
    "INVOICING_STRIPE_SECRET_KEY": "sk_live_a-real-looking-stripe-key",
}


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.startswith(("VIKAR_", *(p + "_" for p in SERVICES))):
            monkeypatch.delenv(name)
    return monkeypatch


def test_the_default_is_development_and_it_allows_the_development_secret(clean_env: pytest.MonkeyPatch) -> None:
    for settings_class in SERVICES.values():
        settings: BaseSettings = settings_class()
        assert isinstance(settings, ServiceSettings)
        assert settings.environment is Environment.DEVELOPMENT
        assert settings.jwt_keys["dev"].get_secret_value() == DEV_JWT_SECRET


@pytest.mark.parametrize("prefix", sorted(SERVICES))
def test_one_variable_reaches_every_service_and_the_service_prefix_does_not(
    clean_env: pytest.MonkeyPatch, prefix: str
) -> None:
    clean_env.setenv("VIKAR_ENVIRONMENT", "production")
    clean_env.setenv(f"{prefix}_JWT_KEYS", f'{{"k1": "{GOOD_KEY}"}}')
    for name, value in OTHER_KEYS.items():
        clean_env.setenv(name, value)
    settings = SERVICES[prefix]()
    assert settings.environment is Environment.PRODUCTION
    clean_env.setenv("VIKAR_ENVIRONMENT", "development")
    clean_env.setenv(f"{prefix}_ENVIRONMENT", "production")
    assert SERVICES[prefix]().environment is Environment.DEVELOPMENT


@pytest.mark.parametrize("environment", ["demo", "production"])
@pytest.mark.parametrize("prefix", sorted(SERVICES))
def test_outside_development_and_test_the_development_secret_is_refused(
    clean_env: pytest.MonkeyPatch, prefix: str, environment: str
) -> None:
    clean_env.setenv("VIKAR_ENVIRONMENT", environment)
    for name, value in OTHER_KEYS.items():
        clean_env.setenv(name, value)
    with pytest.raises(ValidationError, match="published development secret"):
        SERVICES[prefix]()
    clean_env.setenv(f"{prefix}_JWT_KEYS", "{}")
    with pytest.raises(ValidationError, match="no key"):
        SERVICES[prefix]()
    clean_env.setenv(f"{prefix}_JWT_KEYS", '{"k1": "short"}')
    with pytest.raises(ValidationError, match="shorter than 32"):
        SERVICES[prefix]()
    clean_env.setenv(f"{prefix}_JWT_KEYS", '{"2026-11": "CHANGE-ME-at-least-32-random-bytes"}')
    with pytest.raises(ValidationError, match="placeholder"):
        SERVICES[prefix]()
    clean_env.setenv(f"{prefix}_JWT_KEYS", f'{{"k1": "{GOOD_KEY}"}}')
    assert SERVICES[prefix]().environment.value == environment


def test_placement_refuses_its_development_cpr_keys_outside_development(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("VIKAR_ENVIRONMENT", "demo")
    clean_env.setenv("PLACEMENT_JWT_KEYS", f'{{"k1": "{GOOD_KEY}"}}')
    with pytest.raises(ValidationError) as err:
        PlacementSettings()
    assert "cpr_encryption_key" in str(err.value)
    assert "cpr_hash_key" in str(err.value)


# Timesheet holds no login-link key any more (issue 7: logging in is placement's, the identity owner's).
@pytest.mark.parametrize("settings_class", [NotificationsSettings])
def test_the_services_sharing_login_links_refuse_the_development_sealing_key_outside_development(
    clean_env: pytest.MonkeyPatch, settings_class: type[ServiceSettings]
) -> None:
    clean_env.setenv("VIKAR_ENVIRONMENT", "production")
    for prefix in ("TIMESHEET", "NOTIFICATIONS"):
        clean_env.setenv(f"{prefix}_JWT_KEYS", f'{{"k1": "{GOOD_KEY}"}}')
    with pytest.raises(ValidationError, match=r"login_link_sealing_keys.*published development sealing key"):
        settings_class()
    for name, value in OTHER_KEYS.items():
        clean_env.setenv(name, value)
    assert settings_class().environment is Environment.PRODUCTION


@pytest.mark.parametrize("environment", ["development", "test"])
def test_development_and_test_allow_the_development_secrets(clean_env: pytest.MonkeyPatch, environment: str) -> None:
    clean_env.setenv("VIKAR_ENVIRONMENT", environment)
    assert PlacementSettings().environment.allows_development_secrets
    production = ServiceSettings(
        VIKAR_ENVIRONMENT="production", jwt_keys={"k": GOOD_KEY}, identity_verify_keys=IDENTITY.verify_keys
    )
    assert production.environment.value == "production"


def test_an_unknown_environment_is_refused(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("VIKAR_ENVIRONMENT", "staging")
    with pytest.raises(ValidationError, match="VIKAR_ENVIRONMENT"):
        TimesheetSettings()


def test_a_service_process_does_not_start_in_production_with_the_development_secret() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIKAR_", "NOTIFICATIONS_"))}
    env["VIKAR_ENVIRONMENT"] = "production"
    env["NOTIFICATIONS_HTTP_PORT"] = "1"  # never reached
    done = subprocess.run(
        [sys.executable, "-m", "notifications"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    assert "VIKAR_ENVIRONMENT=production refuses to start" in done.stderr
    assert "jwt_keys['dev'] is the published development secret" in done.stderr


@pytest.mark.parametrize("prefix", sorted(SERVICES))
def test_every_service_refuses_the_development_page_session_key_outside_development(
    clean_env: pytest.MonkeyPatch, prefix: str
) -> None:
    """Issue 7: page sessions verify with ``identity_verify_keys``; the published development key would let
    anyone mint a session, so demo and production refuse it in every service."""
    clean_env.setenv("VIKAR_ENVIRONMENT", "demo")
    clean_env.setenv(f"{prefix}_JWT_KEYS", f'{{"k1": "{GOOD_KEY}"}}')
    for name, value in OTHER_KEYS.items():
        clean_env.setenv(name, value)
    clean_env.delenv(f"{prefix}_IDENTITY_VERIFY_KEYS")
    if prefix == "PLACEMENT":  # its signing key must match a verify key: give it the development pair
        clean_env.delenv("PLACEMENT_IDENTITY_SIGNING_KEY")
        clean_env.delenv("PLACEMENT_IDENTITY_SIGNING_KEY_ID")
    with pytest.raises(ValidationError, match=r"identity_verify_keys\['dev'\] is the published development key"):
        SERVICES[prefix]()
    with pytest.raises(ValidationError, match="identity_verify_keys is empty"):
        ServiceSettings(VIKAR_ENVIRONMENT="demo", jwt_keys={"k": GOOD_KEY}, identity_verify_keys={})


def test_placement_refuses_the_development_signing_key_and_a_key_pair_that_does_not_match(
    clean_env: pytest.MonkeyPatch,
) -> None:
    clean_env.setenv("VIKAR_ENVIRONMENT", "production")
    clean_env.setenv("PLACEMENT_JWT_KEYS", f'{{"k1": "{GOOD_KEY}"}}')
    for name, value in OTHER_KEYS.items():
        clean_env.setenv(name, value)
    assert PlacementSettings().identity_signing_key_id == IDENTITY.key_id
    other = own_identity_keys("other")
    clean_env.setenv("PLACEMENT_IDENTITY_SIGNING_KEY", other.private_pem)
    with pytest.raises(ValidationError, match="must hold the public key of identity_signing_key"):
        PlacementSettings()
    # One-line environments write the PEM with "\n" escapes.
    clean_env.setenv("PLACEMENT_IDENTITY_SIGNING_KEY", IDENTITY.private_pem.replace("\n", "\\n"))
    assert PlacementSettings().environment is Environment.PRODUCTION
    clean_env.delenv("PLACEMENT_IDENTITY_SIGNING_KEY")
    clean_env.delenv("PLACEMENT_IDENTITY_SIGNING_KEY_ID")
    clean_env.delenv("PLACEMENT_IDENTITY_VERIFY_KEYS")
    with pytest.raises(ValidationError, match="identity_signing_key is the published development key"):
        PlacementSettings()


# Issue 10: Stripe webhooks.
def test_production_refuses_the_test_stripe_webhook_secret_and_demo_signs_with_it(
    clean_env: pytest.MonkeyPatch,
) -> None:
    """The demo stack signs its webhooks with the published test secret, as the tests do (stripe-mock sends
    none); production refuses it."""
    clean_env.setenv("INVOICING_JWT_KEYS", f'{{"k1": "{GOOD_KEY}"}}')
    for name, value in OTHER_KEYS.items():
        clean_env.setenv(name, value)
    clean_env.delenv("INVOICING_STRIPE_WEBHOOK_SECRET")
    clean_env.setenv("VIKAR_ENVIRONMENT", "demo")
    assert InvoicingSettings().stripe_webhook_secret.get_secret_value() == "whsec_vikarmodel_test"
    clean_env.setenv("VIKAR_ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="stripe_webhook_secret is the published test secret"):
        InvoicingSettings()
