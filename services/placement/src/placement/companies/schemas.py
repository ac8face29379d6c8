from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from placement.companies.models import DEFAULT_BILLING_PERIOD, DEFAULT_PAYMENT_TERMS_DAYS, BillingPeriod
from vikar_shared.types.text import Email, Name, Reference


class ApproverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Email
    name: Name


class AddressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    street: Name
    postcode: str = Field(max_length=10, description="4 digits")
    city: Reference


class BillingContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    email: Email


class CompanyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    cvr: str = Field(max_length=20)
    approvers: list[ApproverIn] = Field(min_length=1, max_length=20)
    address: AddressIn | None = None
    billing_contact: BillingContactIn | None = None
    billing_period: BillingPeriod = DEFAULT_BILLING_PERIOD
    payment_terms_days: StrictInt = Field(default=DEFAULT_PAYMENT_TERMS_DAYS, ge=0, le=90)
    ean: str | None = Field(default=None, max_length=20, description="EAN/GLN for e-invoices: 13 digits, GS1 check")


class CompanyPatch(BaseModel):
    """Only the fields sent change. ``address``, ``billing_contact`` and ``ean`` may be sent as null to clear
    them; the CVR never changes (a new CVR is a new company)."""

    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    address: AddressIn | None = None
    billing_contact: BillingContactIn | None = None
    billing_period: BillingPeriod | None = None
    payment_terms_days: StrictInt | None = Field(default=None, ge=0, le=90)
    ean: str | None = Field(default=None, max_length=20)


class ApproverOut(BaseModel):
    email: str
    name: str


class AddressOut(BaseModel):
    street: str
    postcode: str
    city: str


class BillingContactOut(BaseModel):
    name: str
    email: str


class CompanyOut(BaseModel):
    id: UUID
    name: str
    cvr: str
    approvers: list[ApproverOut]
    address: AddressOut | None = None
    billing_contact: BillingContactOut | None = None
    billing_period: BillingPeriod = DEFAULT_BILLING_PERIOD
    payment_terms_days: int = DEFAULT_PAYMENT_TERMS_DAYS
    ean: str | None = None
