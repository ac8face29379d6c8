"""Use cases for companies (the agency's customers): registration, profile and billing settings, approvers.

Every change audits and emits CompanyUpdated carrying the whole state, so consumers replace, never merge."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, replace
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from placement.audit.repository import record
from placement.companies import repository
from placement.companies.models import (
    MAX_APPROVERS,
    Address,
    Approver,
    BackupApprover,
    BillingContact,
    Company,
    CompanyChanges,
    CompanyInput,
    check_backup_approvers,
    parse_address,
    parse_cvr,
)
from placement.field_rules import refuse_cpr
from placement.identity import service as identity
from placement.reference.models import parse_gln
from vikar_shared.auth import Principal
from vikar_shared.errors import conflict, duplicate, invalid, not_found
from vikar_shared.events.placement import Address as AddressEvent
from vikar_shared.events.placement import Approver as ApproverEvent
from vikar_shared.events.placement import BackupApprover as BackupApproverEvent
from vikar_shared.events.placement import BillingContact as BillingContactEvent
from vikar_shared.events.placement import CompanyRegistered, CompanyUpdated
from vikar_shared.outbox import add_event
from vikar_shared.types.text import email_key

SOURCE = "placement"
_NOT_NULL = ("name", "billing_period", "payment_terms_days")


def _address(body: Address | None) -> Address | None:
    return parse_address(body) if body is not None else None


def _contact(body: BillingContact | None) -> BillingContact | None:
    if body is None:
        return None
    if not body.name.strip():
        raise invalid("billing_contact.name", "not-blank", "name cannot be blank")
    return BillingContact(name=body.name.strip(), email=body.email.lower(), language=body.language)


def _name(raw: str) -> str:
    if not raw.strip():
        raise invalid("name", "not-blank", "name cannot be blank")
    return raw.strip()


def _approver(body: Approver, field: str = "name") -> Approver:
    if not body.name.strip():
        raise invalid(field, "not-blank", "An approver's name cannot be blank")
    return Approver(email=body.email.lower(), name=body.name.strip(), language=body.language)


def _texts(
    *,
    name: str | None = None,
    address: Address | None = None,
    billing_contact: BillingContact | None = None,
    approvers: list[tuple[str, Approver]] | None = None,
    backup_approvers: list[BackupApprover] | None = None,
) -> list[tuple[str, str | None]]:
    """The company's free texts that leave placement (its events, invoices, e-invoices, mails), by field."""
    texts: list[tuple[str, str | None]] = [("name", name)]
    if address is not None:
        texts += [("address.street", address.street), ("address.city", address.city)]
    if billing_contact is not None:
        texts += [("billing_contact.name", billing_contact.name), ("billing_contact.email", billing_contact.email)]
    for prefix, approver in approvers or []:
        texts += [(f"{prefix}name", approver.name), (f"{prefix}email", approver.email)]
    for i, backup in enumerate(backup_approvers or []):
        texts += [(f"backup_approvers.{i}.name", backup.name), (f"backup_approvers.{i}.email", backup.email)]
    return texts


def _json(company: Company, only: set[str] | None = None) -> dict[str, object]:
    """The company as the audit trail stores it: JSON values, no id (``only``: just these fields)."""
    fields = json.loads(json.dumps(asdict(company), default=str))  # dates (backup approvers' ranges) as ISO text
    return {k: v for k, v in fields.items() if k != "id" and (only is None or k in only)}


async def register_company(conn: asyncpg.Connection, actor: Principal, body: CompanyInput) -> Company:
    """Registers a company and its approvers; emits CompanyRegistered. Errors: 409 ``company-exists``;
    422 ``not-blank``, ``unique-email``, ``cvr-format``/``cvr-checksum``, ``postcode-format``, ``ean-*``,
    ``cpr-not-allowed`` (a name, address, approver or billing contact holding a CPR number: they leave placement
    on its events and go on invoices and mails)."""
    approvers = [_approver(a, f"approvers.{i}.name") for i, a in enumerate(body.approvers)]
    refuse_cpr(
        _texts(
            name=body.name,
            address=body.address,
            billing_contact=body.billing_contact,
            approvers=[(f"approvers.{i}.", a) for i, a in enumerate(approvers)],
            backup_approvers=body.backup_approvers,
        )
    )
    backups = check_backup_approvers(body.backup_approvers)
    if len({a.email for a in approvers}) != len(approvers):
        raise invalid("approvers", "unique-email", "Each approver e-mail may appear once")
    company = Company(
        id=uuid.uuid4(),
        name=_name(body.name),
        cvr=parse_cvr(body.cvr),
        approvers=approvers,
        address=_address(body.address),
        billing_contact=_contact(body.billing_contact),
        billing_period=body.billing_period,
        payment_terms_days=body.payment_terms_days,
        ean=parse_gln(body.ean) if body.ean is not None else None,
        backup_approvers=backups,
    )
    if not await repository.insert_company(conn, company, actor.subject):
        # A company is one by its CVR number: a second registration is refused, naming the first.
        existing = await repository.company_with_cvr(conn, company.cvr)
        detail = f"A company with this CVR is already registered ({existing})"
        raise duplicate("company-exists", detail, "company", existing)
    await repository.insert_approvers(conn, company.id, approvers)
    await repository.replace_backup_approvers(conn, company.id, backups)
    await record(
        conn,
        actor=actor.subject,
        action="company.registered",
        subject=company.id,
        details=_json(company),
    )
    await add_event(
        conn,
        CompanyRegistered(**_event_fields(company)),
        source=SOURCE,
        subject=company.id,
    )
    return company


def _event_fields(company: Company) -> dict[str, Any]:
    return {
        "company_id": company.id,
        "name": company.name,
        "cvr": company.cvr,
        "approvers": [ApproverEvent(email=a.email, name=a.name, language=a.language) for a in company.approvers],
        "ean": company.ean,
        "billing_period": company.billing_period,
        "payment_terms_days": company.payment_terms_days,
        "address": None
        if company.address is None
        else AddressEvent(street=company.address.street, postcode=company.address.postcode, city=company.address.city),
        "billing_contact": None
        if company.billing_contact is None
        else BillingContactEvent(
            name=company.billing_contact.name,
            email=company.billing_contact.email,
            language=company.billing_contact.language,
        ),
        "backup_approvers": [
            BackupApproverEvent(
                email=b.email, name=b.name, valid_from=b.valid_from, valid_to=b.valid_to, language=b.language
            )
            for b in company.backup_approvers
        ],
    }


async def _changed(
    conn: asyncpg.Connection, actor: Principal, company: Company, action: str, details: dict[str, object]
) -> None:
    await record(conn, actor=actor.subject, action=action, subject=company.id, details=details)
    await add_event(conn, CompanyUpdated(**_event_fields(company)), source=SOURCE, subject=company.id)


def _requested_changes(sent: CompanyChanges) -> CompanyChanges:
    """The validated new values of the fields the patch sent (all checks before anything is written)."""
    for field in _NOT_NULL:
        if field in sent and sent.get(field) is None:
            raise invalid(field, "not-null", f"{field} cannot be cleared")
    refuse_cpr(
        _texts(
            name=sent.get("name"),
            address=sent.get("address"),
            billing_contact=sent.get("billing_contact"),
            backup_approvers=sent.get("backup_approvers"),
        )
    )
    changes: CompanyChanges = {**sent}
    name = sent.get("name")
    if name is not None:
        changes["name"] = _name(name)
    if "address" in sent:
        changes["address"] = _address(sent["address"])
    if "billing_contact" in sent:
        changes["billing_contact"] = _contact(sent["billing_contact"])
    if "ean" in sent:
        ean = sent["ean"]
        changes["ean"] = parse_gln(ean) if ean is not None else None
    if "backup_approvers" in sent:
        changes["backup_approvers"] = check_backup_approvers(sent["backup_approvers"] or [])
    return changes


async def _locked(conn: asyncpg.Connection, company_id: UUID) -> Company:
    locked = await repository.lock_company(conn, company_id)
    company = await repository.get_company(conn, company_id) if locked else None
    if company is None:
        raise not_found("company")
    return company


async def update_company(
    conn: asyncpg.Connection, actor: Principal, company_id: UUID, patch: CompanyChanges
) -> Company:
    """Changes the fields sent; emits CompanyUpdated when something changed. Errors: 404 ``company``;
    422 ``not-null``, ``not-blank``, ``postcode-format``, ``ean-*``, ``cpr-not-allowed``, ``unique-email``
    (``backup_approvers.<i>.email``: an address given twice), ``range-reversed``; nothing written."""
    changes = _requested_changes(patch)
    current = await _locked(conn, company_id)
    fields: dict[str, Any] = {**changes}  # the not-null fields were checked in _requested_changes
    updated = replace(current, **fields)
    changed = sorted(f for f in changes if getattr(current, f) != getattr(updated, f))
    if not changed:
        return current  # repeating a change is a harmless no-op: nothing written, no event
    await repository.update_profile(conn, updated)
    if "backup_approvers" in changed:
        await repository.replace_backup_approvers(conn, company_id, updated.backup_approvers)
    await _changed(conn, actor, updated, "company.updated", {"changed": _json(updated, set(changed))})
    return updated


async def add_approver(
    conn: asyncpg.Connection, actor: Principal, company_id: UUID, body: Approver
) -> tuple[Company, bool]:
    """Adds (or renames) an approver. Returns the company and whether the approver is new. Errors: 422
    ``not-blank``, ``cpr-not-allowed`` (``name`` or ``email`` holding a CPR number); 409 ``approvers-limit``."""
    approver = _approver(body)
    refuse_cpr(_texts(approvers=[("", approver)]))
    current = await _locked(conn, company_id)
    # Compared in the one ASCII form (vikar_shared.types.text.email_key): "ａｐｐｒ@example.com" is
    # "appr@example.com", also against an address stored before that rule.
    stored = next((a.email for a in current.approvers if email_key(a.email) == approver.email), None)
    is_new = stored is None
    if stored is not None and stored != approver.email:
        await repository.delete_approver(conn, company_id, stored)  # an earlier spelling gives way to the form
    if is_new and len(current.approvers) >= MAX_APPROVERS:
        raise conflict("approvers-limit", f"A company can have at most {MAX_APPROVERS} approvers")
    if not await repository.upsert_approver(conn, company_id, approver):
        return current, False
    updated = await _locked(conn, company_id)
    action = "company.approver_added" if is_new else "company.approver_renamed"
    await _changed(conn, actor, updated, action, {"email": approver.email, "name": approver.name})
    return updated, is_new


async def remove_approver(
    conn: asyncpg.Connection, actor: Principal, company_id: UUID, email: str, *, now: datetime
) -> Company:
    """Removes an approver; their live page sessions for this company end in the same transaction
    (``PageSessionEnded``, reason ``access-removed``), so the removal takes effect everywhere within seconds."""
    current = await _locked(conn, company_id)
    given = email.strip().lower()
    wanted = email_key(given)
    # The address as stored: the one given exactly, else the one equal in the shared ASCII form.
    found = [a.email for a in current.approvers if a.email == given] or [
        a.email for a in current.approvers if email_key(a.email) == wanted
    ]
    if not found:
        raise not_found("approver", "address")
    email = found[0]
    if len(current.approvers) == 1:
        raise conflict("last-approver", "A company needs an approver; add another before removing the last one")
    await repository.delete_approver(conn, company_id, email)
    await identity.end_sessions_for_removed_access(conn, company_id=company_id, email=email, now=now)
    updated = await _locked(conn, company_id)
    await _changed(conn, actor, updated, "company.approver_removed", {"email": email})
    return updated


async def get_company(conn: asyncpg.Connection, viewer: Principal, company_id: UUID) -> Company:
    company = await repository.get_company(conn, company_id) if viewer.may_see_company(company_id) else None
    if company is None:
        raise not_found("company")
    return company


async def list_companies(conn: asyncpg.Connection, viewer: Principal, limit: int, offset: int) -> list[Company]:
    """Agency staff see every company; a company approver sees only its own."""
    if viewer.is_agency_staff:
        return await repository.list_companies(conn, None, limit, offset)
    if viewer.company_id is None:
        return []
    return await repository.list_companies(conn, viewer.company_id, limit, offset)


async def company_exists(conn: asyncpg.Connection, company_id: UUID) -> bool:
    """Whether a company with this id is registered (for other domains; no viewer check)."""
    return await repository.company_exists(conn, company_id)


async def company_names(conn: asyncpg.Connection, company_ids: list[UUID]) -> dict[UUID, str]:
    """The names of these companies by id (for other domains: the consultant digest; no viewer check)."""
    return await repository.company_names(conn, company_ids)


async def announce_directory(conn: asyncpg.Connection) -> list[UUID]:
    """Issue 14 (fix): republishes, once, the companies registered before notifications kept their billing contact,
    backup approvers and approvers' languages (listed by migration ``20261216_40``): one
    ``placement.company_updated`` each with the company's whole current state (as a change writes it), so every
    consumer replaces its copy with what placement holds. Each company is locked while its event is written, so a
    change at the same time leaves after it. The migrate step at startup; idempotent (a second run, or a replica
    running it at the same time, finds nothing). Returns the companies announced."""
    announced = await repository.claim_directory_announcements(conn)
    for company_id in announced:
        company = await _locked(conn, company_id)  # always there: the marker row references the company
        await add_event(conn, CompanyUpdated(**_event_fields(company)), source=SOURCE, subject=company.id)
    return announced
