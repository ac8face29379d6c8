from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from placement.agreements.models import (
    MAX_MUNICIPALITY_USERS,
    STATEMENT_PAYMENT_MEANS,
    CitizenReference,
    Municipality,
    MunicipalityUser,
    StatementContact,
    StatementPeriod,
    StatementTerms,
    Terms,
    VatCategory,
)
from placement.companies.schemas import AddressIn, AddressOut, OmitUnstated
from vikar_shared.types.periods import Day
from vikar_shared.types.text import Email, Name, Reference, SingleLine

PersonReference = Reference
MunicipalityName = Annotated[str, SingleLine(100, min_length=2)]
ExemptionReason = Annotated[str, SingleLine(300)]
"""BT-120, e.g. "Momsfritaget, jf. momslovens § 13, stk. 1, nr. …": one line, 1..300."""
PAYMENT_MEANS_LISTED = ", ".join(sorted(STATEMENT_PAYMENT_MEANS, key=int))


class MunicipalityUserIn(BaseModel):
    """An address that may log in to the municipality's pages, and the person's name."""

    model_config = ConfigDict(extra="forbid")
    email: Email
    name: Name

    def domain(self) -> MunicipalityUser:
        return MunicipalityUser(email=self.email, name=self.name)


class MunicipalityUserOut(BaseModel):
    email: str
    name: str


class MunicipalityCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: MunicipalityName
    users: list[MunicipalityUserIn] = Field(
        default_factory=list,
        max_length=MAX_MUNICIPALITY_USERS,
        description=f"Addresses that may log in to the municipality's pages (at most {MAX_MUNICIPALITY_USERS}, "
        "each once)",
    )

    def domain_users(self) -> list[MunicipalityUser]:
        return [u.domain() for u in self.users]


class StatementContactIn(BaseModel):
    """Issue 14 (part A): where the municipality's statements are mailed (``language`` da or en; null: da)."""

    model_config = ConfigDict(extra="forbid")
    name: Name
    email: Email
    language: Literal["da", "en"] | None = None

    def domain(self) -> StatementContact:
        return StatementContact(self.name, self.email, self.language)


class StatementContactOut(OmitUnstated):
    OMIT = ("language",)
    name: str
    email: str
    language: Literal["da", "en"] | None = None


class TermsCreate(BaseModel):
    """A new terms version. The statement fields (issue 11) are optional: an agreement may be recorded before
    finance settles VAT; what is given is validated (422 naming the field and rule, see
    ``placement.agreements.models.check_statement_terms``)."""

    model_config = ConfigDict(extra="forbid")
    effective_from: Day
    co_financing_rate_ore_per_hour: StrictInt = Field(ge=0, le=1_000_000)
    eligibility_threshold_weeks: StrictInt = Field(ge=0, le=520)
    target_unique_citizens: StrictInt | None = Field(default=None, ge=1, le=1_000_000)
    ean: str | None = Field(default=None, max_length=20, description="EAN/GLN for e-invoices: 13 digits, GS1 check")
    person_reference: PersonReference | None = Field(
        default=None, description="The person or reference the municipality wants on statements and invoices"
    )
    statement_period: StatementPeriod | None = Field(
        default=None, description="monthly or quarterly (calendar); null: monthly"
    )
    citizen_reference: CitizenReference | None = Field(
        default=None,
        description="How statements identify a citizen: case_number (recorded at referral) or name_birth_year; "
        "null: name_birth_year. Never the CPR number",
    )
    address: AddressIn | None = Field(default=None, description="The municipality's postal address (the buyer's)")
    rate_excludes_vat: StrictBool | None = Field(
        default=None, description="true: VAT is added to the co-financing rate; false: the rate includes VAT"
    )
    vat_category: VatCategory | None = Field(
        default=None,
        description="UNCL5305: S (standard 25 %), E (exempt) or O (outside the scope of VAT); no default",
    )
    vat_exemption_reason: ExemptionReason | None = Field(
        default=None, description="Required with E or O (BR-E-10, BR-O-10), refused with S (BR-S-10)"
    )
    payment_means_code: str | None = Field(
        default=None,
        max_length=10,
        description="UNCL4461 code of the Danish codes (DK-R-005) that need no mandate or payment id: "
        f"{PAYMENT_MEANS_LISTED} (58 needs payee_iban; 31 and 42 payee_bank_registration and payee_bank_account)",
    )
    payee_iban: str | None = Field(
        default=None, max_length=50, description="The agency's IBAN; required with payment means 58"
    )
    payee_bank_registration: str | None = Field(
        default=None, max_length=10, description="Danish reg. no., 4 digits; required with 31 and 42 (DK-R-006)"
    )
    payee_bank_account: str | None = Field(
        default=None, max_length=20, description="Danish account no., up to 10 digits; required with 31 and 42"
    )

    statement_contacts: list[StatementContactIn] = Field(
        default_factory=list, max_length=10, description="Who receives the statements by e-mail (issue 14)"
    )

    def contacts(self) -> list[StatementContact]:
        return [c.domain() for c in self.statement_contacts]

    def statement(self) -> StatementTerms:
        """The statement fields as sent (not yet validated: the service checks them)."""
        return StatementTerms(
            statement_period=self.statement_period,
            citizen_reference=self.citizen_reference,
            address=self.address.domain() if self.address else None,
            rate_excludes_vat=self.rate_excludes_vat,
            vat_category=self.vat_category,
            vat_exemption_reason=self.vat_exemption_reason,
            payment_means_code=self.payment_means_code,
            payee_iban=self.payee_iban,
            payee_bank_registration=self.payee_bank_registration,
            payee_bank_account=self.payee_bank_account,
        )


class TermsOut(OmitUnstated):
    """A terms version as stored; the statement fields null where the version does not state them."""

    id: UUID
    municipality_id: UUID
    effective_from: Day
    co_financing_rate_ore_per_hour: int
    eligibility_threshold_weeks: int
    target_unique_citizens: int | None
    ean: str | None
    person_reference: str | None
    statement_period: StatementPeriod | None = None
    citizen_reference: CitizenReference | None = None
    address: AddressOut | None = None
    rate_excludes_vat: bool | None = None
    vat_category: VatCategory | None = None
    vat_exemption_reason: str | None = None
    payment_means_code: str | None = None
    payee_iban: str | None = None
    payee_bank_registration: str | None = None
    payee_bank_account: str | None = None
    statement_contacts: list[StatementContactOut] = []
    OMIT = ("statement_contacts",)

    @classmethod
    def of(cls, terms: Terms) -> TermsOut:
        return cls.model_validate(terms.flat())


class MunicipalityOut(BaseModel):
    """A municipality: its terms versions (oldest first) and its users by e-mail (listed to agency staff only;
    empty for a municipality's own user)."""

    id: UUID
    name: str
    terms: list[TermsOut]
    users: list[MunicipalityUserOut]

    @classmethod
    def of(cls, municipality: Municipality) -> MunicipalityOut:
        return cls(
            id=municipality.id,
            name=municipality.name,
            terms=[TermsOut.of(t) for t in municipality.terms],
            users=[MunicipalityUserOut(email=u.email, name=u.name) for u in municipality.users],
        )
