"""The webhook rules without servers: which addresses are public, which URLs may be registered, the retry
schedule, and the settings production refuses (issue 14, part D)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from notifications.config import NotificationsSettings
from notifications.webhooks.addresses import address_refused, check_url
from notifications.webhooks.models import RetrySchedule
from notifications.webhooks.service import checked_event_types, new_secret
from vikar_shared.errors import DomainError
from vikar_shared.settings import Environment


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.0.1", "private"),
        ("fd00::1", "private"),
        ("100.64.0.1", "not global"),
        ("169.254.169.254", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "private"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("93.184.216.34", None),
        ("2606:2800:220:1:248:1893:25c8:1946", None),
    ],
)
def test_only_public_addresses_pass(address: str, reason: str | None) -> None:
    assert address_refused(address) == reason


def _rule(url: str, *, allow_insecure: bool = False) -> str | None:
    """The rule ``url`` breaks (the one violation names the field ``url``), None when it is accepted."""
    violations: list[tuple[str, str]] = []
    try:
        check_url(url, allow_insecure=allow_insecure)
    except DomainError as exc:
        violations = [(v.field, v.rule) for v in exc.violations]
    if not violations:
        return None
    [(field, rule)] = violations
    return rule if field == "url" else f"{field}: {rule}"


def test_url_rules() -> None:
    # Hosts and ports no connection can use (once a 500: the IDNA codec raised on an empty label).
    for unusable in (
        "https://example..com/h",
        "https://.example.com/h",
        "https://" + "a" * 64 + ".com/h",
        "https://example.com:99999/h",
        "https://example.com:0/h",
        "https://exa mple.com/h",
        "https://-bad-.example/h",
        "https://exa_mple.com/h",
    ):
        assert _rule(unusable) == "webhook-url-invalid", unusable
    assert _rule("https://bücher.example/x") is None  # an international name is a DNS name
    # IPv4 inside IPv6: 6to4 and Teredo carrying 127.0.0.1 are loopback.
    assert _rule("https://[2002:7f00:1::]/h") == "webhook-url-private"
    assert _rule("https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/h") == "webhook-url-private"
    assert _rule("https://finance.example/hooks?token=x") == "webhook-url-invalid"  # a credential would sit in clear
    assert _rule("https://93.184.216.34:8443/hook") is None
    assert _rule("http://finance.example/hook") == "webhook-url-not-https"
    assert _rule("https://127.0.0.1/hook") == "webhook-url-private"
    assert _rule("https://LOCALHOST/hook") == "webhook-url-private"
    assert _rule("https://[fe80::1]/hook") == "webhook-url-private"
    assert _rule("https://user@finance.example/") == "webhook-url-invalid"
    assert _rule("mailto:finance@example.dk") == "webhook-url-invalid"
    assert _rule("https://finance.example/" + "x" * 2000) == "webhook-url-invalid"
    # Where insecure URLs are allowed (development, tests): http and loopback pass; a user:password never.
    assert _rule("http://127.0.0.1:8080/hook", allow_insecure=True) is None
    assert _rule("http://a:b@127.0.0.1/hook", allow_insecure=True) == "webhook-url-invalid"


def test_event_types_are_checked_and_deduplicated() -> None:
    assert checked_event_types(["invoicing.invoice_paid", "invoicing.invoice_paid"]) == ["invoicing.invoice_paid"]
    with pytest.raises(DomainError) as empty:
        checked_event_types([])
    assert empty.value.code == "webhook-event-types-empty"
    with pytest.raises(DomainError) as unknown:
        checked_event_types(["invoicing.invoice_paid", "invoicing.pay_period_closed"])
    assert [(v.field, v.rule) for v in unknown.value.violations] == [("event_types[1]", "webhook-event-type-unknown")]


def test_the_retry_schedule_waits_then_gives_up_and_the_default_covers_a_day() -> None:
    schedule = RetrySchedule((5.0, 300.0))
    assert schedule.after(1) == timedelta(seconds=5)
    assert schedule.after(2) == timedelta(minutes=5)
    assert schedule.after(3) is None
    default = NotificationsSettings().webhook_retry_schedule_seconds
    assert sum(default) >= 24 * 3600 and default[0] == 5.0


def test_secrets_are_standard_webhooks_secrets() -> None:
    first, second = new_secret(), new_secret()
    assert first.startswith("whsec_") and first != second and len(first) == len("whsec_") + 44


def test_production_refuses_insecure_webhook_settings() -> None:
    development = NotificationsSettings(webhook_retry_schedule_seconds=[1.0])
    assert development.webhooks_allow_insecure_urls() is True
    production = development.model_copy(update={"environment": Environment.PRODUCTION})
    assert production.webhooks_allow_insecure_urls() is False
    refused = production.insecure_settings()
    assert any("webhook_secret_sealing_keys['dev']" in line for line in refused)
    assert any("webhook_retry_schedule_seconds" in line for line in refused)
    assert not any("webhook_allow_insecure_urls" in line for line in refused)
    allowed = production.model_copy(update={"webhook_allow_insecure_urls": True})
    assert allowed.webhooks_allow_insecure_urls() is True
    assert any("webhook_allow_insecure_urls" in line for line in allowed.insecure_settings())
    with pytest.raises(ValueError, match="negative"):
        NotificationsSettings(webhook_retry_schedule_seconds=[5.0, -1.0])
