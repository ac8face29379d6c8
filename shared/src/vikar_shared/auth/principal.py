"""Who is calling, and the object-level questions every service asks about them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID


class Role(StrEnum):
    CONSULTANT = "consultant"
    FINANCE = "finance"
    ADMIN = "admin"
    COMPANY_APPROVER = "company_approver"
    MUNICIPALITY = "municipality"
    # Issue 14: another service of this deployment (subject "service:<name>"), e.g. notifications fetching an
    # invoice PDF to attach. Not agency staff: only endpoints that name it accept it.
    SERVICE = "service"


AGENCY_STAFF = frozenset({Role.CONSULTANT, Role.FINANCE, Role.ADMIN})


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role
    company_id: UUID | None = None
    municipality_id: UUID | None = None
    email: str | None = None

    @property
    def is_agency_staff(self) -> bool:
        return self.role in AGENCY_STAFF

    def may_see_company(self, company_id: UUID) -> bool:
        return self.is_agency_staff or (self.role is Role.COMPANY_APPROVER and self.company_id == company_id)

    def may_see_municipality(self, municipality_id: UUID) -> bool:
        return self.is_agency_staff or (self.role is Role.MUNICIPALITY and self.municipality_id == municipality_id)
