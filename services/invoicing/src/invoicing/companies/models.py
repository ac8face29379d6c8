"""A company as invoicing knows it from placement's company events (the buyer of an invoice)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from invoicing.periods import BillingPeriod

DEFAULT_PAYMENT_TERMS_DAYS = 14


@dataclass(frozen=True, slots=True)
class Company:
    """``street``/``postcode``/``city`` are all set or all None (placement keeps an address whole);
    the same for the billing contact."""

    company_id: UUID
    name: str
    cvr: str
    billing_period: BillingPeriod = BillingPeriod.MONTHLY
    payment_terms_days: int = DEFAULT_PAYMENT_TERMS_DAYS
    ean: str | None = None
    street: str | None = None
    postcode: str | None = None
    city: str | None = None
    billing_contact_name: str | None = None
    billing_contact_email: str | None = None

    @property
    def has_address(self) -> bool:
        return self.street is not None and self.postcode is not None and self.city is not None
