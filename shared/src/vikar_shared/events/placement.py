"""Events published by the placement service on topic ``placement.events`` (key: aggregate id).

None of these carries a CPR number, clear or hashed.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from vikar_shared.events.envelope import EventData
from vikar_shared.sealing import Sealed

TOPIC = "placement.events"


class Address(BaseModel):
    """A postal address (a company's billing address, a municipality's): street, four-digit Danish postcode, city."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    street: str
    postcode: str
    city: str


class MunicipalityTermsSet(EventData):
    """A version of a municipality's agreement terms, in force from ``effective_from``."""

    event_type = "placement.municipality_terms_set"
    event_version = 1
    topic = TOPIC

    municipality_id: UUID
    municipality_name: str
    terms_id: UUID
    effective_from: date
    co_financing_rate_ore_per_hour: int
    eligibility_threshold_weeks: int
    target_unique_citizens: int | None = None
    ean: str | None = None
    person_reference: str | None = None
    # Issue 11 (co-financing statements and Peppol BIS 3). Null where the agreement does not say: a statement
    # period null is monthly; every other field null means "not stated", and issuing a statement needs the
    # VAT and payment fields stated (nothing defaults them: momsloven § 27, stk. 1 is each agency's question).
    statement_period: str | None = Field(default=None, description="monthly or quarterly (calendar); null: monthly")
    citizen_reference: str | None = Field(
        default=None,
        description="How statements identify a citizen: case_number (the municipality's, recorded at referral) or "
        "name_birth_year; null: name_birth_year. Never the CPR number",
    )
    address: Address | None = Field(default=None, description="The municipality's postal address (the buyer's)")
    rate_excludes_vat: bool | None = Field(
        default=None, description="True: VAT is added to the co-financing rate; false: the rate includes VAT"
    )
    vat_category: str | None = Field(
        default=None,
        description="UNCL5305 code the agreement states: S (standard 25 %), E (exempt: vat_exemption_reason "
        "required) or O (outside the scope of VAT)",
    )
    vat_exemption_reason: str | None = Field(default=None, description="Why exempt or outside scope (BT-120)")
    payment_means_code: str | None = Field(
        default=None, description="UNCL4461 code allowed for Danish sellers (DK-R-005), e.g. 58 (IBAN) or 31"
    )
    payee_iban: str | None = Field(default=None, description="The agency's IBAN (payment means 58)")
    payee_bank_registration: str | None = Field(default=None, description="Danish reg. no., 4 digits (means 31/42)")
    payee_bank_account: str | None = Field(default=None, description="Danish account number (means 31/42)")
    # Issue 14: where the agreement's co-financing statements are mailed (PDF and CSV).
    statement_contacts: list[Contact] = Field(
        default_factory=list, description="Who receives the municipality's statements by e-mail"
    )


_LANGUAGE = Field(default=None, description="The language e-mails to this person use: da or en; null: da (issue 14)")


class Approver(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    email: str
    name: str
    language: str | None = _LANGUAGE


class BackupApprover(BaseModel):
    """Who is told when a company's approvers leave hours pending past the reminder ladder's escalation step
    (issue 14), within ``valid_from``..``valid_to`` (inclusive; null: open)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    email: str
    name: str
    valid_from: date | None = None
    valid_to: date | None = None
    language: str | None = _LANGUAGE


class Contact(BaseModel):
    """An e-mail address a party's documents go to (issue 14: a municipality agreement's statement contacts)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    name: str
    email: str
    language: str | None = _LANGUAGE


class BillingContact(BaseModel):
    """Who receives the company's invoices."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    name: str
    email: str
    language: str | None = _LANGUAGE


_BILLING_PERIOD = Field(
    default=None,
    description="monthly (calendar months), fortnightly (two weeks from invoicing's anchor Monday) or weekly "
    "(ISO weeks); null is monthly",
)
_ADDRESS = Field(default=None, description="The billing address (momsbekendtgørelsen § 58: the buyer's address)")
_CONTACT = Field(default=None, description="Who receives the invoices")
_BACKUP_APPROVERS: list[BackupApprover] = Field(
    default_factory=list, description="Backup approvers with their date ranges, told at escalation (issue 14)"
)


class CompanyRegistered(EventData):
    event_type = "placement.company_registered"
    event_version = 1
    topic = TOPIC

    company_id: UUID
    name: str
    cvr: str
    approvers: list[Approver]
    ean: str | None = None
    billing_period: str | None = _BILLING_PERIOD
    payment_terms_days: int | None = None
    address: Address | None = _ADDRESS
    billing_contact: BillingContact | None = _CONTACT
    backup_approvers: list[BackupApprover] = _BACKUP_APPROVERS


class CompanyUpdated(EventData):
    """The company's state after a change (approvers, billing settings, address...): carries it whole."""

    event_type = "placement.company_updated"
    event_version = 1
    topic = TOPIC

    company_id: UUID
    name: str
    cvr: str
    approvers: list[Approver]
    ean: str | None = None
    billing_period: str | None = _BILLING_PERIOD
    payment_terms_days: int | None = None
    address: Address | None = _ADDRESS
    billing_contact: BillingContact | None = _CONTACT
    backup_approvers: list[BackupApprover] = _BACKUP_APPROVERS


class CitizenReferred(EventData):
    """A referral and its eligibility decision. ``citizen_name`` is what companies may see."""

    event_type = "placement.citizen_referred"
    event_version = 1
    topic = TOPIC

    referral_id: UUID
    citizen_id: UUID
    citizen_name: str
    municipality_id: UUID
    referred_on: date
    weeks_unemployed: int
    eligible: bool
    threshold_weeks_applied: int
    terms_id: UUID
    target_group_code: str | None = None
    # Issue 11: what a co-financing statement may identify the citizen by (never the CPR number).
    case_number: str | None = Field(default=None, description="The municipality's case number for this referral")
    birth_year: int | None = Field(default=None, description="From the CPR number's date and century digit")


class PlacementCreated(EventData):
    event_type = "placement.placement_created"
    event_version = 1
    topic = TOPIC

    placement_id: UUID
    citizen_id: UUID
    citizen_name: str
    referral_id: UUID
    municipality_id: UUID
    co_financing_eligible: bool
    company_id: UUID
    start_date: date
    end_date: date | None
    bill_rate_ore_per_hour: int
    status: str | None = None
    consultant_id: str | None = None
    opening_id: UUID | None = None
    hours_per_week_minutes: int | None = None
    wage_rate_ore_per_hour: int | None = None


class RateVersion(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    effective_from: date
    bill_rate_ore_per_hour: int
    wage_rate_ore_per_hour: int | None = None


class PlacementRatesChanged(EventData):
    """All rate versions of a placement after a change; the one in force on a day is the latest
    ``effective_from`` on or before it."""

    event_type = "placement.placement_rates_changed"
    event_version = 1
    topic = TOPIC

    placement_id: UUID
    company_id: UUID
    rates: list[RateVersion]


class PlacementStatusChanged(EventData):
    """planned → active → ended (with a reason from a fixed list); also carries a changed end date."""

    event_type = "placement.placement_status_changed"
    event_version = 1
    topic = TOPIC

    placement_id: UUID
    company_id: UUID
    citizen_id: UUID
    status: str
    start_date: date
    end_date: date | None
    end_reason: str | None = None


class JobOpeningChanged(EventData):
    """A company's job opening ("Spot et job") was reported or changed status."""

    event_type = "placement.job_opening_changed"
    event_version = 1
    topic = TOPIC

    opening_id: UUID
    company_id: UUID
    status: str
    job_category: str
    hours_per_week_minutes: int
    handed_over_reason: str | None = None
    municipality_id: UUID | None = None


class ActivityLogged(EventData):
    """An onboarding or retention activity in a citizen's timeline. The note stays in placement."""

    event_type = "placement.activity_logged"
    event_version = 1
    topic = TOPIC

    activity_id: UUID
    citizen_id: UUID
    activity_type: str
    occurred_on: date
    logged_by: str
    placement_id: UUID | None = Field(
        default=None,
        description="The placement the activity belongs to (a first day, a follow-up), when it names one (issue 12)",
    )


class CitizensMerged(EventData):
    """Two citizen ids turned out to be one person (the same CPR number stored twice, issue 6): from
    ``merged_at`` on, every fact recorded under ``merged_citizen_id`` belongs to ``kept_citizen_id``, and
    placement never uses the merged id again.

    Published by placement's citizen repair (``placement.citizens.repair``) in the merge's transaction,
    keyed by the kept citizen id. Readers re-point every row they keep under the merged id and map it on
    any event that still carries it (an earlier event of another aggregate may arrive after this one).
    Carries no CPR number and no name."""

    event_type = "placement.citizens_merged"
    event_version = 1
    topic = TOPIC

    kept_citizen_id: UUID
    merged_citizen_id: UUID
    merged_at: datetime


class PageLoginLinkRequested(EventData):
    """Someone who uses pages (a company's approver today) asked for a login link; notifications mails it.

    Published by placement, the identity owner (topic ``placement.events``, key: the request id). The
    link is **sealed** (:mod:`vikar_shared.sealing`, AES-256-GCM) with a key only placement and
    notifications hold, bound to ``email`` by
    :func:`vikar_shared.events.timesheet.login_link_seal_context`: a reader of the topic, the outbox or a
    backup learns who asked, never a link that logs in. The outbox row is deleted once Kafka
    acknowledged it. ``expires_at``: when the link stops working (UTC, at most an hour after the request).
    ``role`` is a :class:`vikar_shared.auth.principal.Role` value; ``company_id`` is set for an approver,
    ``municipality_id`` for a municipality user.
    """

    event_type = "placement.login_link_requested"
    event_version = 1
    topic = TOPIC
    purge_after_publish = True

    request_id: UUID
    email: str
    role: str
    company_id: UUID | None = None
    municipality_id: UUID | None = None
    sealed_link: Sealed
    expires_at: datetime
    locale: str = "da"
    municipality_name: str | None = Field(
        default=None, description="For a municipality user (role municipality): the municipality's name (issue 12)"
    )
    person_name: str | None = Field(
        default=None, description="The name the agency registered for the address, when placement knows it (issue 12)"
    )


class PageSessionEnded(EventData):
    """A page session ended before its time: logout, or the person lost access (removed as approver).

    Published by placement, the identity owner (topic ``placement.events``, key: ``session_id``). Every
    service that verifies page-session tokens (:mod:`vikar_shared.identity.tokens`, claim ``sid``)
    records it and refuses that session from then on, so a logout or a removal takes effect everywhere
    within seconds even though an access token stays valid for up to five minutes. ``session_id`` is the
    session's public handle, not a credential. ``not_after``: the latest expiry any access token of this
    session can have, after which the record may be forgotten. ``reason``: ``logout`` or
    ``access-removed``.
    """

    event_type = "placement.page_session_ended"
    event_version = 1
    topic = TOPIC

    session_id: UUID
    email: str
    reason: str
    ended_at: datetime
    not_after: datetime


class EmployeeRegistered(EventData):
    """The agency employed a citizen: the first placement created for them gave them an **employee number**
    (issue 13). Payroll and invoicing's pay side identify the employee by that number; the CPR number the
    payroll system needs leaves placement only through its audited, finance-only export, never here.

    Published by placement in the transaction that assigned the number (outbox), keyed by ``citizen_id``
    (after a citizen merge the kept citizen may be announced again with the number it keeps).
    ``employee_number``: 1..99 999 999, unique, never reused; ``employed_from``: the first placement's start date."""

    event_type = "placement.employee_registered"
    event_version = 1
    topic = TOPIC

    citizen_id: UUID
    employee_number: int = Field(ge=1, le=99_999_999)
    employed_from: date


class StaffMemberChanged(EventData):
    """A member of the agency's staff directory (issue 14) was added or changed: consultants, finance and
    admins with the name and e-mail the system addresses them by. ``subject`` is the bearer token subject the
    person signs in with (a later workspace issue maps single sign-on to it); ``consultant_id`` on placements
    is such a subject. ``active`` false: left the agency (kept, never deleted, so history still names them).
    ``language``: da or en, what e-mails to them use. Carries the whole member; keyed by ``staff_id``."""

    event_type = "placement.staff_member_changed"
    event_version = 1
    topic = TOPIC

    staff_id: UUID
    subject: str
    name: str
    email: str
    role: str = Field(description="consultant, finance or admin")
    active: bool
    language: str = "da"
