from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from invoicing.payment_reminders.models import ReminderPolicy
from invoicing.periods import BillingPeriod
from vikar_shared.settings import Environment, ServiceSettings
from vikar_shared.types.identifiers import IdentifierError, cvr_number

# Issue 10: the published test secret Stripe webhooks are signed with in tests and the local stack.
TEST_STRIPE_WEBHOOK_SECRET = "whsec_vikarmodel_test"
DEV_STRIPE_SECRET_KEY = "sk_test_vikarmodel"


class BasisPointsFrom(BaseModel):
    """A percentage in basis points (1 % = 100, 12.5 % = 1 250; 0..10 000) in force from ``effective_from``."""

    model_config = ConfigDict(frozen=True)
    effective_from: date
    basis_points: int = Field(ge=0, le=10_000)


def basis_points_in_force(versions: Sequence[BasisPointsFrom], day: date) -> int:
    """The basis points of the latest version with ``effective_from`` on or before ``day``; 0 before the first."""
    found = 0
    for version in versions:
        if version.effective_from <= day:
            found = version.basis_points
    return found


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

    # Issue 10: Stripe
    # The worker's sync job (invoicing.stripe_sync). The real Stripe is configuration only:
    # tests and the local stack talk to stripe-mock (or the recording proxy in front of it).
    stripe_api_base: str = "http://127.0.0.1:12111"
    # The secret API key (never logged, never stored); the development value is refused in production.
    # INVOICING_STRIPE_SECRET_KEY, or INVOICING_STRIPE_API_KEY as deploy/ names it.
    stripe_secret_key: SecretStr = Field(
        default=SecretStr(DEV_STRIPE_SECRET_KEY),
        # Its name first, so code sets it by name (populate_by_name on the class would let INVOICING_CLOCK_*
        # set the clock, which only VIKAR_CLOCK_* may).
        validation_alias=AliasChoices("stripe_secret_key", "INVOICING_STRIPE_SECRET_KEY", "INVOICING_STRIPE_API_KEY"),
    )
    # False: the worker does not run the sync job (the queue still fills; e.g. tests driving it step by step).
    stripe_sync_enabled: bool = True
    # Seconds the sync job waits when no document is due.
    stripe_sync_poll_seconds: float = Field(default=1.0, gt=0)
    # One HTTP call's timeout; a timeout is an unknown outcome (retried with the same idempotency key).
    stripe_timeout_seconds: float = Field(default=10.0, gt=0)
    # Tries per call within one attempt for transient errors (connection, timeout, 429, 5xx), waiting
    # exponentially from stripe_call_backoff_seconds up to stripe_call_backoff_max_seconds.
    stripe_call_tries: int = Field(default=4, ge=1, le=10)
    stripe_call_backoff_seconds: float = Field(default=0.5, ge=0)
    stripe_call_backoff_max_seconds: float = Field(default=8.0, ge=0)
    # After a failed attempt: the next one after base * 2^(attempts-1) seconds, at most the max.
    stripe_sync_retry_seconds: float = Field(default=30.0, gt=0)
    stripe_sync_retry_max_seconds: float = Field(default=3600.0, gt=0)
    # Stripe's totals differ from ours (finalizing refused): finance must look; tried again only after this.
    stripe_sync_mismatch_retry_seconds: float = Field(default=86_400.0, gt=0)
    # A claimed document stays stripe_pending this long before another worker may take it (the claimant died).
    stripe_sync_lease_seconds: float = Field(default=120.0, gt=0)

    # Issue 10: Stripe webhooks
    # The endpoint's signing secret (Stripe dashboard, "Signing secret"; INVOICING_STRIPE_WEBHOOK_SECRET). The
    # default is the documented test secret the tests and the local stack sign with: never a real one. It is a
    # SecretStr, so it never appears in a log or a repr.
    stripe_webhook_secret: SecretStr = SecretStr(TEST_STRIPE_WEBHOOK_SECRET)
    # Seconds a webhook's Stripe-Signature timestamp may lie before or after the service's clock (Stripe's own
    # default; replays after it fail, and so does a signature from the future).
    stripe_webhook_tolerance_seconds: int = 300
    # Seconds the worker's webhook job waits when no inbox row is due.
    stripe_webhook_poll_seconds: float = 1.0

    # Issue 11: co-financing statements
    # Days from a statement's issue date to its due date (Peppol BR-CO-25 wants a due date or terms).
    statement_payment_terms_days: int = Field(default=30, ge=0, le=365)
    # Seconds the worker's statement document job waits when no statement's documents are due.
    statement_document_poll_seconds: float = Field(default=1.0, gt=0)
    # Where the official Peppol validation artefacts (phive-rules-peppol XSLT, ph-ubl21 XSDs) are unpacked;
    # deploy/local fetches them into <repo>/.stack/peppol. Unset: VIKAR_STACK_DIR/peppol, else <repo>/.stack/peppol.
    peppol_artefacts_dir: str | None = None

    # Issue 13, the pay side. The pay period's length (monthly by default; fortnights from fortnight_anchor).
    pay_period: BillingPeriod = BillingPeriod.MONTHLY
    # Hours worked before this day are outside the pay side (paid before Vikarmodel); unset: from the first
    # pay period closed.
    pay_from: date | None = None
    # Holiday allowance (feriegodtgørelse, ferieloven § 16, stk. 2: 12.5 % for hourly paid employees without
    # paid holiday), effective-dated; JSON in INVOICING_HOLIDAY_ALLOWANCE_VERSIONS.
    holiday_allowance_versions: tuple[BasisPointsFrom, ...] = (
        BasisPointsFrom(effective_from=date(2020, 9, 1), basis_points=1_250),
    )
    # The employer's on-cost on gross wage + holiday allowance (ATP, insurance, AES, …) used for margins,
    # effective-dated; JSON in INVOICING_EMPLOYER_ON_COST_VERSIONS.
    employer_on_cost_versions: tuple[BasisPointsFrom, ...] = (
        BasisPointsFrom(effective_from=date(2000, 1, 1), basis_points=0),
    )

    @field_validator("holiday_allowance_versions", "employer_on_cost_versions")
    @classmethod
    def _versions_in_order(cls, value: tuple[BasisPointsFrom, ...]) -> tuple[BasisPointsFrom, ...]:
        if not value:
            raise ValueError("at least one version is needed")
        days = [v.effective_from for v in value]
        if days != sorted(set(days)):
            raise ValueError("versions must be in order of effective_from, each day once")
        return value

    # Issue 14 (part E): payment reminders (rykkere, invoicing.payment_reminders), issued by the worker's daily
    # schedule "payment-reminders" (08:00 agency time, Monday to Friday, none on a closed day of working_days()).
    # Renteloven § 9 b: the first only after the due date has passed, each later one at least 10 days after the
    # previous, a fee of at most 100 kr (10 000 øre) on at most three. Out of range: refused at start-up.
    payment_reminders_enabled: bool = False
    # Days after the due date the first reminder is issued on (1: the day after the due date at the earliest).
    payment_reminder_first_after_days: int = Field(default=1, ge=1, le=90)
    # Days from one reminder to the next (renteloven § 9 b: at least 10).
    payment_reminder_days_apart: int = Field(default=10, ge=10, le=90)
    # The fee of each of the first three reminders, øre (renteloven § 9 b: at most 100 kr); later ones carry none.
    payment_reminder_fee_ore: int = Field(default=10_000, ge=0, le=10_000)
    # Reminders before the claim goes to collection; the last of them is ``final`` (it warns of further costs).
    payment_reminders_before_collection: int = Field(default=3, ge=1, le=10)
    # Days from a reminder's issue to its new deadline (pay_by).
    payment_reminder_pay_within_days: int = Field(default=10, ge=1, le=60)
    # Seconds of real time between the schedule's passes (it runs each slot once, whatever the poll).
    payment_reminder_poll_seconds: float = Field(default=60.0, gt=0)

    def payment_reminder_policy(self) -> ReminderPolicy:
        """Issue 14 (part E): the one reminder rule these settings choose (within renteloven § 9 b), for the
        schedule's run, finance's manual record and the overdue list's ``next_reminder_on``."""
        return ReminderPolicy(
            first_after_days=self.payment_reminder_first_after_days,
            days_apart=self.payment_reminder_days_apart,
            fee_ore=self.payment_reminder_fee_ore,
            before_collection=self.payment_reminders_before_collection,
            pay_within_days=self.payment_reminder_pay_within_days,
        )

    def insecure_settings(self) -> list[str]:
        """The shared findings and, in production, the development Stripe key and the published test webhook
        secret (demo and the tests talk to stripe-mock with them and sign their webhooks with it: stripe-mock
        sends none), so only production refuses them."""
        found = super().insecure_settings()
        if self.environment is Environment.PRODUCTION:
            if self.stripe_secret_key.get_secret_value() == DEV_STRIPE_SECRET_KEY:
                found.append("stripe_secret_key is the development value (set INVOICING_STRIPE_SECRET_KEY)")
            if self.stripe_webhook_secret.get_secret_value() == TEST_STRIPE_WEBHOOK_SECRET:
                found.append("stripe_webhook_secret is the published test secret")
        return found
