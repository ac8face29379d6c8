"""Builders of the events tests publish most often, with the dull fields filled in."""

from __future__ import annotations

import uuid

from vikar_shared.events.placement import Approver, CompanyRegistered


def company_registered(
    company_id: uuid.UUID | None = None,
    *approvers: tuple[str, str],
    name: str = "Bager Hansen ApS",
    cvr: str = "12345674",
) -> CompanyRegistered:
    """``placement.company_registered`` v1 of a company with these ``(email, name)`` approvers (a valid
    CVR by default; a new id when none is given)."""
    return CompanyRegistered(
        company_id=company_id or uuid.uuid4(),
        name=name,
        cvr=cvr,
        approvers=[Approver(email=email, name=approver) for email, approver in approvers],
    )
