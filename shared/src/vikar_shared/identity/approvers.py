"""A company's approvers as a page-serving service knows them, and the logged-in approver of a page session.

Placement's ``company_registered`` / ``company_updated`` events carry each company's approvers whole; every
service that serves the company approval portal (timesheet's hours, invoicing's invoices) keeps them in its
companies read model (:func:`unique_approvers`) and opens a page only for a ``company_approver`` page session
whose address is (still) listed for the session's company (:func:`approver_session`): an approver removed
from the company is refused at once, before the identity owner's revocation event arrives.
Addresses are compared in the shared ASCII form (:func:`vikar_shared.types.text.email_key`).

A service that has never received a company's list (it started keeping approvers after the company was
announced, and cannot read the owner's database) may open the page on the signed claim alone while the list is
unknown (:func:`claimed_approver_session`): the owner mints ``company_approver`` sessions only for listed
approvers, at login and at every refresh, and ends a removed approver's sessions by ``page_session_ended``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from vikar_shared.auth.principal import Principal, Role
from vikar_shared.identity.tokens import PageSession
from vikar_shared.types.text import email_key


@dataclass(frozen=True)
class Approver:
    """One approver of a company: ``email`` in the shared ASCII form, ``name`` as placement gave it (trimmed)."""

    email: str
    name: str


def unique_approvers(approvers: Iterable[tuple[str, str]]) -> list[Approver]:
    """Each address once, in the shared ASCII form (first name given wins); blank addresses are dropped."""
    seen: dict[str, Approver] = {}
    for email, name in approvers:
        address = email_key(email)
        if address and address not in seen:
            seen[address] = Approver(email=address, name=name.strip())
    return list(seen.values())


@dataclass(frozen=True)
class ApproverSession:
    """A logged-in approver: the page session (its ``sid``, e-mail, CSRF value, language, expiry) bound to
    the one company it was issued for, with the names from the serving service's companies read model."""

    session_id: UUID
    company_id: UUID
    email: str
    approver_name: str
    company_name: str | None
    csrf_token: str
    locale: str
    expires_at: datetime

    @property
    def principal(self) -> Principal:
        # The approver acts as themselves, bound to the one company the page session is for.
        return Principal(subject=self.email, role=Role.COMPANY_APPROVER, company_id=self.company_id, email=self.email)


def approver_session(
    page: PageSession, listed: Iterable[Approver], company_name: str | None, locale: str
) -> ApproverSession | None:
    """The approver of a verified page session, when it is a ``company_approver``'s with a company and its
    address is among ``listed`` (the approvers of ``page.company_id``); else None (the caller refuses)."""
    if page.role is not Role.COMPANY_APPROVER or page.company_id is None:
        return None
    email = email_key(page.subject)
    approver = {a.email: a for a in listed}.get(email)
    if approver is None:
        return None
    return ApproverSession(
        session_id=page.session_id,
        company_id=page.company_id,
        email=email,
        approver_name=approver.name,
        company_name=company_name,
        csrf_token=page.csrf,
        locale=locale,
        expires_at=page.expires_at,
    )


def claimed_approver_session(page: PageSession, company_name: str | None, locale: str) -> ApproverSession | None:
    """The approver of a verified page session on its signed claim alone, for a company whose approver list the
    serving service has never received (unknown, not empty): a ``company_approver``'s session with a company
    opens it as it is (``approver_name`` empty: no list to name it from); else None (the caller refuses).
    The caller must have checked the signature, expiry and ``page_session_ended`` first
    (:func:`vikar_shared.identity.pages.authenticate`), and must use :func:`approver_session` as soon as the list
    is known."""
    if page.role is not Role.COMPANY_APPROVER or page.company_id is None:
        return None
    return ApproverSession(
        session_id=page.session_id,
        company_id=page.company_id,
        email=email_key(page.subject),
        approver_name="",
        company_name=company_name,
        csrf_token=page.csrf,
        locale=locale,
        expires_at=page.expires_at,
    )
