from __future__ import annotations

from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, StrictInt, model_serializer

from placement.companies.models import (
    DEFAULT_BILLING_PERIOD,
    DEFAULT_PAYMENT_TERMS_DAYS,
    Address,
    Approver,
    BackupApprover,
    BillingContact,
    BillingPeriod,
    Company,
    CompanyChanges,
    CompanyInput,
    Language,
)
from vikar_shared.types.periods import Day
from vikar_shared.types.text import Email, Name, Reference

_LANGUAGE = Field(default=None, description="The language mails to this person use: da or en (null: da)")


class OmitUnstated(BaseModel):
    """An answer whose issue-14 fields (``OMIT``: a language, backup approvers, statement contacts) are left out
    while unstated (null or empty), so answers to callers that never send them stay as they were."""

    OMIT: ClassVar[tuple[str, ...]] = ()

    @model_serializer(mode="wrap")
    def _omit_unstated(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        return {k: v for k, v in data.items() if k not in self.OMIT or v not in (None, [])}


class ApproverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Email
    name: Name
    language: Language | None = _LANGUAGE

    def domain(self) -> Approver:
        return Approver(email=self.email, name=self.name, language=self.language)


class BackupApproverIn(BaseModel):
    """A backup approver (issue 14), told at the reminder ladder's escalation within ``valid_from``..``valid_to``
    (inclusive; null: open). ``valid_to`` before ``valid_from`` is 422 ``range-reversed``."""

    model_config = ConfigDict(extra="forbid")
    email: Email
    name: Name
    valid_from: Day | None = None
    valid_to: Day | None = None
    language: Language | None = _LANGUAGE

    def domain(self) -> BackupApprover:
        return BackupApprover(self.email, self.name, self.valid_from, self.valid_to, self.language)


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
    language: Language | None = _LANGUAGE

    def domain(self) -> BillingContact:
        return BillingContact(name=self.name, email=self.email, language=self.language)


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
    backup_approvers: list[BackupApproverIn] = Field(default_factory=list, max_length=20)

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
            backup_approvers=[b.domain() for b in self.backup_approvers],
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
    backup_approvers: list[BackupApproverIn] | None = Field(
        default=None, max_length=20, description="Replaces the backup approvers whole; [] or null removes them"
    )

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
        if "backup_approvers" in sent:
            changes["backup_approvers"] = [b.domain() for b in self.backup_approvers or []]
        return changes


class ApproverOut(OmitUnstated):
    OMIT = ("language",)
    email: str
    name: str
    language: Language | None = None


class BackupApproverOut(OmitUnstated):
    OMIT = ("language",)
    email: str
    name: str
    valid_from: date | None = None
    valid_to: date | None = None
    language: Language | None = None


class AddressOut(BaseModel):
    street: str
    postcode: str
    city: str


class BillingContactOut(OmitUnstated):
    OMIT = ("language",)
    name: str
    email: str
    language: Language | None = None


class CompanyOut(OmitUnstated):
    OMIT = ("backup_approvers",)
    id: UUID
    name: str
    cvr: str
    approvers: list[ApproverOut]
    address: AddressOut | None = None
    billing_contact: BillingContactOut | None = None
    billing_period: BillingPeriod = DEFAULT_BILLING_PERIOD
    payment_terms_days: int = DEFAULT_PAYMENT_TERMS_DAYS
    ean: str | None = None
    backup_approvers: list[BackupApproverOut] = []

    @classmethod
    def of(cls, company: Company) -> CompanyOut:
        return cls.model_validate(company, from_attributes=True)
