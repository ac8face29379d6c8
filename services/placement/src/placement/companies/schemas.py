from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from placement.companies.models import (
    DEFAULT_BILLING_PERIOD,
    DEFAULT_PAYMENT_TERMS_DAYS,
    Address,
    Approver,
    BillingContact,
    BillingPeriod,
    Company,
    CompanyChanges,
    CompanyInput,
)
from vikar_shared.types.text import Email, Name, Reference


class ApproverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Email
    name: Name

    def domain(self) -> Approver:
        return Approver(email=self.email, name=self.name)


class AddressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    street: Name
    postcode: str = Field(max_length=10, description="4 digits")
    city: Reference

    def domain(self) -> Address:
        return Address(street=self.street, postcode=self.postcode, city=self.city)


class BillingContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    email: Email

    def domain(self) -> BillingContact:
        return BillingContact(name=self.name, email=self.email)


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

    def domain(self) -> CompanyInput:
        return CompanyInput(
            name=self.name,
            cvr=self.cvr,
            approvers=[a.domain() for a in self.approvers],
            address=self.address.domain() if self.address else None,
            billing_contact=self.billing_contact.domain() if self.billing_contact else None,
            billing_period=self.billing_period,
            payment_terms_days=self.payment_terms_days,
            ean=self.ean,
        )


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

    def changes(self) -> CompanyChanges:
        """The fields sent (``model_fields_set``), as domain values."""
        sent = self.model_fields_set
        changes: CompanyChanges = {}
        if "name" in sent:
            changes["name"] = self.name
        if "address" in sent:
            changes["address"] = self.address.domain() if self.address else None
        if "billing_contact" in sent:
            changes["billing_contact"] = self.billing_contact.domain() if self.billing_contact else None
        if "billing_period" in sent:
            changes["billing_period"] = self.billing_period
        if "payment_terms_days" in sent:
            changes["payment_terms_days"] = self.payment_terms_days
        if "ean" in sent:
            changes["ean"] = self.ean
        return changes


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

    @classmethod
    def of(cls, company: Company) -> CompanyOut:
        return cls.model_validate(company, from_attributes=True)
