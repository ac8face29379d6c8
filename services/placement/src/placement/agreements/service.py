"""Use cases for municipalities and their effective-dated agreement terms."""

from __future__ import annotations

import uuid
from datetime import date
from uuid import UUID

import asyncpg

from placement.agreements import repository
from placement.agreements.models import STATEMENT_FIELDS, Municipality, StatementTerms, Terms, check_statement_terms
from placement.audit.repository import record
from placement.field_rules import collect, cpr_violations, raise_all, refuse_cpr
from placement.reference.models import parse_gln
from vikar_shared.auth import Principal
from vikar_shared.errors import FieldViolation, duplicate, not_found
from vikar_shared.events.placement import MunicipalityTermsSet
from vikar_shared.outbox import add_event

SOURCE = "placement"


async def register_municipality(conn: asyncpg.Connection, actor: Principal, name: str) -> UUID:
    """Registers a municipality by ``name`` (stripped); returns its id. Errors: 409 ``municipality-exists``;
    422 ``cpr-not-allowed`` (a name holding a CPR number)."""
    municipality_id = uuid.uuid4()
    name = name.strip()
    refuse_cpr([("name", name)])  # on every terms event, statement and e-invoice
    if not await repository.insert_municipality(conn, municipality_id, name, actor.subject):
        # A municipality is one by its name: a second registration is refused, naming the first.
        existing = await repository.municipality_named(conn, name)
        raise duplicate(
            "municipality-exists", f"A municipality named {name!r} is already registered", "municipality", existing
        )
    await record(conn, actor=actor.subject, action="municipality.registered", subject=municipality_id)
    return municipality_id


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
        | {field: fields[field] for field in STATEMENT_FIELDS},
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
    if not viewer.may_see_municipality(municipality_id):
        raise not_found("municipality")
    name = await repository.municipality_name(conn, municipality_id)
    if name is None:
        raise not_found("municipality")
    versions = await repository.list_terms(conn, municipality_id)
    return Municipality(municipality_id, name, versions)


async def list_municipalities(conn: asyncpg.Connection, viewer: Principal) -> list[Municipality]:
    """Agency staff see every municipality; a municipality user sees only its own."""
    only = None if viewer.is_agency_staff else viewer.municipality_id
    if not viewer.is_agency_staff and only is None:
        return []
    municipalities = await repository.list_municipalities(conn, only)
    versions = await repository.terms_of(conn, [mid for mid, _ in municipalities])
    return [Municipality(mid, name, versions.get(mid, [])) for mid, name in municipalities]


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
