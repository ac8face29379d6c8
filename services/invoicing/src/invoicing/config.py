from __future__ import annotations

from datetime import date

from pydantic import SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from vikar_shared.settings import Environment, ServiceSettings
from vikar_shared.types.identifiers import IdentifierError, cvr_number

# Issue 10: the published test secret Stripe webhooks are signed with in tests and the local stack.
TEST_STRIPE_WEBHOOK_SECRET = "whsec_vikarmodel_test"


class InvoicingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INVOICING_", extra="ignore", env_nested_delimiter="__")

    service_name: str = "invoicing"
    http_port: int = 8103
    database_url: str = "postgresql://postgres@127.0.0.1:5433/invoicing"
    # Fortnightly billing counts two-week periods from this Monday (never from pairs of ISO week numbers).
    # Changing it moves every fortnight boundary: set it once.
    fortnight_anchor: date = date(2024, 1, 1)
    # The seller on every invoice (momsbekendtgørelsen § 58: name, address, CVR/VAT number).
    seller_name: str = "Fokus Folkeoplysning"
    seller_street: str = "Søndergade 1"
    seller_postcode: str = "9000"
    seller_city: str = "Aalborg"
    seller_cvr: str = "29403473"
    # Seconds the worker's document job waits when no invoice PDF is due (issue 9, invoice documents).
    document_poll_seconds: float = 1.0
    # The portal's invoices pages (issue 10): whether the language cookie they set is Secure. Unset: by the
    # request's scheme (behind a TLS-terminating proxy, list it in trusted_proxies); true/false force it.
    portal_cookie_secure: bool | None = None

    @field_validator("fortnight_anchor")
    @classmethod
    def _a_monday(cls, value: date) -> date:
        if value.isoweekday() != 1:
            raise ValueError(f"the fortnight anchor must be a Monday; {value} is a {value:%A}")
        return value

    @field_validator("seller_cvr")
    @classmethod
    def _a_cvr(cls, value: str) -> str:
        try:
            return cvr_number(value)
        except IdentifierError as error:
            raise ValueError(error.message) from None

    # Issue 10: Stripe webhooks
    # The endpoint's signing secret (Stripe dashboard, "Signing secret"; INVOICING_STRIPE_WEBHOOK_SECRET). The
    # default is the documented test secret the tests and the local stack sign with: never a real one. It is a
    # SecretStr, so it never appears in a log or a repr.
    stripe_webhook_secret: SecretStr = SecretStr(TEST_STRIPE_WEBHOOK_SECRET)
    # Seconds a webhook's Stripe-Signature timestamp may be old (Stripe's own default; replays after it fail).
    stripe_webhook_tolerance_seconds: int = 300
    # Seconds the worker's webhook job waits when no inbox row is due.
    stripe_webhook_poll_seconds: float = 1.0

    def insecure_settings(self) -> list[str]:
        """The shared checks, and the test webhook secret, refused in production (the demo stack signs its
        webhooks with it, as the tests do: stripe-mock sends none)."""
        found = super().insecure_settings()
        if self.environment is Environment.PRODUCTION and (
            self.stripe_webhook_secret.get_secret_value() == TEST_STRIPE_WEBHOOK_SECRET
        ):
            found.append("stripe_webhook_secret is the published test secret")
        return found
