"""Use cases for municipalities, their effective-dated agreement terms and their users (the addresses that may log
in to the municipality's pages, issue 12)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from functools import partial
from uuid import UUID

import asyncpg

from placement.agreements import repository
from placement.agreements.models import (
    MAX_MUNICIPALITY_USERS,
    STATEMENT_FIELDS,
    Municipality,
    MunicipalityUser,
    StatementContact,
    StatementTerms,
    Terms,
    check_statement_terms,
)
from placement.audit.repository import record
from placement.field_rules import collect, cpr_violations, raise_all, refuse_cpr
from placement.identity import service as identity
from placement.reference.models import parse_gln
from vikar_shared.auth import Principal
from vikar_shared.errors import FieldViolation, conflict, duplicate, invalid, not_found
from vikar_shared.events.placement import MunicipalityTermsSet
from vikar_shared.outbox import add_event
from vikar_shared.types.text import email_key

SOURCE = "placement"


def _user(body: MunicipalityUser, prefix: str = "") -> MunicipalityUser:
    """The user as stored: the address in the ``email_key`` form, the name stripped. Raises 422 ``not-blank``
    on ``<prefix>name``."""
    name = body.name.strip()
    if not name:
        raise invalid(f"{prefix}name", "not-blank", "A user's name cannot be blank")
    return MunicipalityUser(email=email_key(body.email), name=name)


def _users(given: list[MunicipalityUser]) -> list[MunicipalityUser]:
    """The users of a new municipality, checked, by e-mail: every field's rule at once (``not-blank`` on
    ``users.<i>.name``, ``cpr-not-allowed`` on ``users.<i>.name`` and ``users.<i>.email``), then ``unique-email``
    (``users``). The count is capped by the request's schema (:data:`MAX_MUNICIPALITY_USERS`)."""
    violations: list[FieldViolation] = []
    users = [collect(violations, partial(_user, body, f"users.{i}.")) for i, body in enumerate(given)]
    violations += cpr_violations(
        [(f"users.{i}.{key}", t) for i, u in enumerate(given) for key, t in (("name", u.name), ("email", u.email))]
    )
    raise_all(violations)
    checked = [u for u in users if u is not None]
    if len({u.email for u in checked}) != len(checked):
        raise invalid("users", "unique-email", "Each user e-mail may appear once")
    return sorted(checked, key=lambda u: u.email)


async def register_municipality(
    conn: asyncpg.Connection, actor: Principal, name: str, users: list[MunicipalityUser] | None = None
) -> UUID:
    """Registers a municipality by ``name`` (stripped) with its ``users`` (addresses that may log in to its
    pages); returns its id. Errors: 409 ``municipality-exists``; 422 ``cpr-not-allowed`` (a name, a user's name or
    address holding a CPR number), ``not-blank``, ``unique-email`` (see :func:`_users`)."""
    municipality_id = uuid.uuid4()
    name = name.strip()
    refuse_cpr([("name", name)])  # on every terms event, statement and e-invoice
    checked = _users(users or [])
    if not await repository.insert_municipality(conn, municipality_id, name, actor.subject):
        # A municipality is one by its name: a second registration is refused, naming the first.
        existing = await repository.municipality_named(conn, name)
        raise duplicate(
            "municipality-exists", f"A municipality named {name!r} is already registered", "municipality", existing
        )
    await repository.insert_users(conn, municipality_id, checked, actor.subject)
    details: dict[str, object] = {"users": [{"email": u.email, "name": u.name} for u in checked]} if checked else {}
    await record(conn, actor=actor.subject, action="municipality.registered", subject=municipality_id, details=details)
    return municipality_id


async def _locked_users(conn: asyncpg.Connection, municipality_id: UUID) -> list[MunicipalityUser]:
    """The municipality's users, the municipality's row locked until commit (changes of one municipality are
    serialised, so the user cap holds). 404 ``municipality-not-found`` when there is none."""
    if await repository.municipality_name(conn, municipality_id, lock=True) is None:
        raise not_found("municipality")
    return (await repository.users_of(conn, [municipality_id])).get(municipality_id, [])


async def put_user(
    conn: asyncpg.Connection, actor: Principal, municipality_id: UUID, body: MunicipalityUser
) -> tuple[Municipality, bool]:
    """Adds a user (the address may then ask for a login link) or renames one; the same name again writes
    nothing. Returns the municipality and whether the user is new. Audited (``municipality.user_added`` /
    ``municipality.user_renamed``). Errors: 404 ``municipality-not-found``; 422 ``not-blank``, ``cpr-not-allowed``
    (``name`` or ``email``); 409 ``municipality-users-limit`` (a new user past :data:`MAX_MUNICIPALITY_USERS`)."""
    refuse_cpr([("name", body.name), ("email", body.email)])
    user = _user(body)
    current = await _locked_users(conn, municipality_id)
    is_new = all(u.email != user.email for u in current)
    if is_new and len(current) >= MAX_MUNICIPALITY_USERS:
        raise conflict("municipality-users-limit", f"A municipality can have at most {MAX_MUNICIPALITY_USERS} users")
    if await repository.upsert_user(conn, municipality_id, user, actor.subject):
        action = "municipality.user_added" if is_new else "municipality.user_renamed"
        details: dict[str, object] = {"email": user.email, "name": user.name}
        await record(conn, actor=actor.subject, action=action, subject=municipality_id, details=details)
    return await get_municipality(conn, actor, municipality_id), is_new


async def remove_user(
    conn: asyncpg.Connection, actor: Principal, municipality_id: UUID, email: str, *, now: datetime
) -> Municipality:
    """Removes a user; their live page sessions for this municipality end in the same transaction
    (``PageSessionEnded``, reason ``access-removed``) and a refresh fails from then on. Audited
    (``municipality.user_removed``). Errors: 404 ``municipality-not-found``, ``municipality-user-not-found``
    (an address that is not this municipality's user, compared in the ``email_key`` form)."""
    current = await _locked_users(conn, municipality_id)
    wanted = email_key(email)
    if all(u.email != wanted for u in current):
        raise not_found("municipality-user", "address")
    await repository.delete_user(conn, municipality_id, wanted)
    await identity.end_sessions_for_removed_access(conn, municipality_id=municipality_id, email=wanted, now=now)
    await record(
        conn,
        actor=actor.subject,
        action="municipality.user_removed",
        subject=municipality_id,
        details={"email": wanted},
    )
    return await get_municipality(conn, actor, municipality_id)


def _statement_contacts(
    violations: list[FieldViolation], given: list[StatementContact]
) -> tuple[StatementContact, ...]:
    """Issue 14 (part A): the statement contacts as stored (names stripped, addresses lower case); appends to
    ``violations`` ``not-blank`` (``statement_contacts.<i>.name``), ``unique-email`` (``statement_contacts``) and
    ``cpr-not-allowed`` (they leave placement on its events and go on mails)."""
    contacts: list[StatementContact] = []
    for i, c in enumerate(given):
        violations += cpr_violations(
            [(f"statement_contacts.{i}.name", c.name), (f"statement_contacts.{i}.email", c.email)]
        )
        if not c.name.strip():
            violations.append(FieldViolation(f"statement_contacts.{i}.name", "not-blank", "name cannot be blank"))
        contacts.append(StatementContact(c.name.strip(), c.email.lower(), c.language))
    if len({c.email for c in contacts}) != len(contacts):
        violations.append(FieldViolation("statement_contacts", "unique-email", "Each address may appear once"))
    return tuple(contacts)


async def set_terms(
    conn: asyncpg.Connection,
    actor: Principal,
    municipality_id: UUID,
    *,
    effective_from: date,
    co_financing_rate_ore_per_hour: int,
    eligibility_threshold_weeks: int,
    target_unique_citizens: int | None = None,
    ean: str | None = None,
    person_reference: str | None = None,
    statement: StatementTerms | None = None,
    statement_contacts: list[StatementContact] | None = None,
) -> Terms:
    """Adds a terms version (rate in øre per hour, threshold in weeks; ``ean`` and the ``statement`` terms checked
    here, see ``check_statement_terms``); audited (``municipality.terms_set``) and published
    (``placement.municipality_terms_set``) in the same transaction. Errors: 404 ``municipality``; 409
    ``terms-exist``; 422 ``ean-format``, ``ean-check-digit`` and the statement terms' rules (``postcode-format``,
    ``vat-exemption-reason-required``/``-not-allowed``, ``payment-means-code-allowed``, ``iban-format``,
    ``iban-checksum``, ``bank-registration-format``, ``bank-account-format``, ``payee-iban-required``,
    ``payee-bank-registration-required``, ``payee-bank-account-required``, ``cpr-not-allowed``), every broken
    rule at once (``request-invalid`` when there are several); ``cpr-not-allowed`` also on ``person_reference``
    (it goes on statements and Peppol documents as the buyer reference)."""
    violations: list[FieldViolation] = []
    raw_ean = ean
    ean = collect(violations, lambda: parse_gln(raw_ean)) if raw_ean is not None else None
    violations += cpr_violations([("person_reference", person_reference)])
    checked = collect(violations, lambda: check_statement_terms(statement or StatementTerms()))
    contacts = _statement_contacts(violations, statement_contacts or [])
    raise_all(violations)  # every field's rule at once; nothing written
    assert checked is not None
    name = await repository.municipality_name(conn, municipality_id, lock=True)
    if name is None:
        raise not_found("municipality")
    terms = Terms(
        uuid.uuid4(),
        municipality_id,
        effective_from,
        co_financing_rate_ore_per_hour,
        eligibility_threshold_weeks,
        target_unique_citizens,
        ean,
        person_reference,
        checked,
        contacts,
    )
    if not await repository.insert_terms(conn, terms, actor.subject):
        # One terms version per municipality and effective date: refused, naming the version in force from it.
        existing = await repository.terms_from(conn, municipality_id, effective_from)
        raise duplicate(
            "terms-exist",
            f"Terms effective from {effective_from} exist ({existing}); add a new date instead",
            "terms",
            existing,
        )
    fields = terms.flat()
    await record(
        conn,
        actor=actor.subject,
        action="municipality.terms_set",
        subject=municipality_id,
        details={
            "terms_id": str(terms.id),
            "effective_from": str(terms.effective_from),
            "rate": terms.co_financing_rate_ore_per_hour,
            "threshold_weeks": terms.eligibility_threshold_weeks,
            "target_unique_citizens": terms.target_unique_citizens,
            "ean": terms.ean,
            "person_reference": terms.person_reference,
        }
        | {field: fields[field] for field in STATEMENT_FIELDS}
        | {"statement_contacts": [dict(c) for c in fields["statement_contacts"]]},
    )
    await add_event(
        conn,
        MunicipalityTermsSet(
            municipality_id=municipality_id,
            municipality_name=name,
            terms_id=terms.id,
            **{k: v for k, v in fields.items() if k not in ("id", "municipality_id")},
        ),
        source=SOURCE,
        subject=municipality_id,
    )
    return terms


async def municipality_name(conn: asyncpg.Connection, municipality_id: UUID) -> str | None:
    """The municipality's name, or None when there is none (for other domains; no viewer check)."""
    return await repository.municipality_name(conn, municipality_id)


async def terms_in_force_on(conn: asyncpg.Connection, municipality_id: UUID, on: date) -> Terms | None:
    """The terms version in force on ``on`` (for other domains; no viewer check)."""
    return await repository.terms_on(conn, municipality_id, on)


async def get_municipality(conn: asyncpg.Connection, viewer: Principal, municipality_id: UUID) -> Municipality:
    """The municipality with its terms and, for agency staff, its users. Errors: 404 ``municipality-not-found``
    (also for a municipality the viewer may not see)."""
    if not viewer.may_see_municipality(municipality_id):
        raise not_found("municipality")
    name = await repository.municipality_name(conn, municipality_id)
    if name is None:
        raise not_found("municipality")
    versions = await repository.list_terms(conn, municipality_id)
    users = await _users_for(conn, viewer, [municipality_id])
    return Municipality(municipality_id, name, versions, users.get(municipality_id, []))


async def _users_for(
    conn: asyncpg.Connection, viewer: Principal, municipality_ids: list[UUID]
) -> dict[UUID, list[MunicipalityUser]]:
    """The users of each municipality as ``viewer`` may read them: agency staff all, anyone else none (a
    municipality's own user does not read the addresses of colleagues)."""
    return await repository.users_of(conn, municipality_ids) if viewer.is_agency_staff else {}


async def list_municipalities(conn: asyncpg.Connection, viewer: Principal) -> list[Municipality]:
    """Agency staff see every municipality (with its users); a municipality user sees only its own."""
    only = None if viewer.is_agency_staff else viewer.municipality_id
    if not viewer.is_agency_staff and only is None:
        return []
    municipalities = await repository.list_municipalities(conn, only)
    ids = [mid for mid, _ in municipalities]
    versions = await repository.terms_of(conn, ids)
    users = await _users_for(conn, viewer, ids)
    return [Municipality(mid, name, versions.get(mid, []), users.get(mid, [])) for mid, name in municipalities]


async def terms_on(conn: asyncpg.Connection, viewer: Principal, municipality_id: UUID, on: date) -> Terms:
    """The version of the terms in force on ``on``: the latest ``effective_from`` on or before it."""
    if not viewer.may_see_municipality(municipality_id):
        raise not_found("municipality")
    if await repository.municipality_name(conn, municipality_id) is None:
        raise not_found("municipality")
    terms = await repository.terms_on(conn, municipality_id, on)
    if terms is None:
        raise not_found("terms")
    return terms
