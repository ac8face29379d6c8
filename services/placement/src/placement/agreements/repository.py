from __future__ import annotations

from dataclasses import replace
from datetime import date
from uuid import UUID

import asyncpg

from placement.agreements.models import MunicipalityUser, StatementContact, StatementTerms, Terms
from placement.companies.models import Address

_TERMS_COLUMNS = """id, municipality_id, effective_from, co_financing_rate_ore_per_hour, eligibility_threshold_weeks,
                    target_unique_citizens, ean, person_reference, statement_period, citizen_reference,
                    address_street, address_postcode, address_city, rate_excludes_vat, vat_category,
                    vat_exemption_reason, payment_means_code, payee_iban, payee_bank_registration,
                    payee_bank_account"""
_STATEMENT_COLUMNS = (
    "statement_period",
    "citizen_reference",
    "rate_excludes_vat",
    "vat_category",
    "vat_exemption_reason",
    "payment_means_code",
    "payee_iban",
    "payee_bank_registration",
    "payee_bank_account",
)


def _terms(row: asyncpg.Record) -> Terms:
    fields = dict(row)
    street, postcode, city = fields.pop("address_street"), fields.pop("address_postcode"), fields.pop("address_city")
    address = Address(street=street, postcode=postcode, city=city) if street is not None else None
    statement = StatementTerms(address=address, **{c: fields.pop(c) for c in _STATEMENT_COLUMNS})
    return Terms(**fields, statement=statement)


async def insert_municipality(conn: asyncpg.Connection, municipality_id: UUID, name: str, actor: str) -> bool:
    status = await conn.execute(
        # municipalities_name_key_idx: one municipality per name_key (NFKC, lower case); see migration 80.
        """insert into municipalities (id, name, created_by) values ($1, $2, $3)
           on conflict (name_key) where duplicate_of is null do nothing""",
        municipality_id,
        name,
        actor,
    )
    return bool(status == "INSERT 0 1")


async def municipality_named(conn: asyncpg.Connection, name: str) -> UUID | None:
    """The municipality registered under ``name`` compared as name_key (letter case and Unicode form aside)."""
    found: UUID | None = await conn.fetchval(
        "select id from municipalities where name_key = lower(normalize($1, NFKC)) and duplicate_of is null", name
    )
    return found


async def terms_from(conn: asyncpg.Connection, municipality_id: UUID, effective_from: date) -> UUID | None:
    found: UUID | None = await conn.fetchval(
        "select id from municipality_terms where municipality_id = $1 and effective_from = $2",
        municipality_id,
        effective_from,
    )
    return found


async def municipality_name(conn: asyncpg.Connection, municipality_id: UUID, *, lock: bool = False) -> str | None:
    # FOR UPDATE serialises new terms versions of one municipality, so events leave in order.
    sql = "select name from municipalities where id = $1" + (" for update" if lock else "")
    name: str | None = await conn.fetchval(sql, municipality_id)
    return name


async def list_municipalities(conn: asyncpg.Connection, only: UUID | None) -> list[tuple[UUID, str]]:
    """All municipalities by name, or just ``only`` when the caller is bound to one."""
    rows = await conn.fetch(
        "select id, name from municipalities where $1::uuid is null or id = $1 order by name",
        only,
    )
    return [(r["id"], r["name"]) for r in rows]


async def insert_terms(conn: asyncpg.Connection, terms: Terms, actor: str) -> bool:
    s = terms.statement
    status = await conn.execute(
        """insert into municipality_terms (id, municipality_id, effective_from, co_financing_rate_ore_per_hour,
                                           eligibility_threshold_weeks, target_unique_citizens, ean,
                                           person_reference, statement_period, citizen_reference, address_street,
                                           address_postcode, address_city, rate_excludes_vat, vat_category,
                                           vat_exemption_reason, payment_means_code, payee_iban,
                                           payee_bank_registration, payee_bank_account, created_by)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
           on conflict (municipality_id, effective_from) do nothing""",
        terms.id,
        terms.municipality_id,
        terms.effective_from,
        terms.co_financing_rate_ore_per_hour,
        terms.eligibility_threshold_weeks,
        terms.target_unique_citizens,
        terms.ean,
        terms.person_reference,
        s.statement_period,
        s.citizen_reference,
        s.address.street if s.address else None,
        s.address.postcode if s.address else None,
        s.address.city if s.address else None,
        s.rate_excludes_vat,
        s.vat_category,
        s.vat_exemption_reason,
        s.payment_means_code,
        s.payee_iban,
        s.payee_bank_registration,
        s.payee_bank_account,
        actor,
    )
    if status != "INSERT 0 1":
        return False
    await conn.executemany(
        "insert into terms_statement_contacts (terms_id, position, name, email, language) values ($1, $2, $3, $4, $5)",
        [(terms.id, i, c.name, c.email, c.language) for i, c in enumerate(terms.statement_contacts)],
    )
    return True


async def _with_contacts(conn: asyncpg.Connection, versions: list[Terms]) -> list[Terms]:
    """Issue 14 (part A): each version with its statement contacts (in their order)."""
    rows = await conn.fetch(
        """select terms_id, name, email, language from terms_statement_contacts where terms_id = any($1::uuid[])
           order by terms_id, position""",
        [t.id for t in versions],
    )
    contacts: dict[UUID, list[StatementContact]] = {}
    for r in rows:
        contacts.setdefault(r["terms_id"], []).append(StatementContact(r["name"], r["email"], r["language"]))
    return [replace(t, statement_contacts=tuple(contacts.get(t.id, []))) for t in versions]


async def list_terms(conn: asyncpg.Connection, municipality_id: UUID) -> list[Terms]:
    return (await terms_of(conn, [municipality_id])).get(municipality_id, [])


async def terms_of(conn: asyncpg.Connection, municipality_ids: list[UUID]) -> dict[UUID, list[Terms]]:
    """Every version of each municipality's terms, oldest first."""
    rows = await conn.fetch(
        f"""select {_TERMS_COLUMNS} from municipality_terms
            where municipality_id = any($1::uuid[]) order by municipality_id, effective_from""",
        municipality_ids,
    )
    versions: dict[UUID, list[Terms]] = {}
    for t in await _with_contacts(conn, [_terms(r) for r in rows]):
        versions.setdefault(t.municipality_id, []).append(t)
    return versions


async def terms_on(conn: asyncpg.Connection, municipality_id: UUID, on: date) -> Terms | None:
    row = await conn.fetchrow(
        f"""select {_TERMS_COLUMNS} from municipality_terms where municipality_id = $1 and effective_from <= $2
            order by effective_from desc limit 1""",
        municipality_id,
        on,
    )
    return (await _with_contacts(conn, [_terms(row)]))[0] if row else None


# --- Municipality users (issue 12) -------------------------------------------------------------------


async def insert_users(
    conn: asyncpg.Connection, municipality_id: UUID, users: list[MunicipalityUser], actor: str
) -> None:
    await conn.executemany(
        "insert into municipality_users (municipality_id, email, name, added_by) values ($1, $2, $3, $4)",
        [(municipality_id, u.email, u.name, actor) for u in users],
    )


async def upsert_user(conn: asyncpg.Connection, municipality_id: UUID, user: MunicipalityUser, actor: str) -> bool:
    """Adds the user or renames them; False when they were already there under that name (nothing written)."""
    changed = await conn.fetchval(
        """insert into municipality_users (municipality_id, email, name, added_by) values ($1, $2, $3, $4)
           on conflict (municipality_id, email) do update set name = excluded.name
           where municipality_users.name is distinct from excluded.name
           returning true""",
        municipality_id,
        user.email,
        user.name,
        actor,
    )
    return bool(changed)


async def delete_user(conn: asyncpg.Connection, municipality_id: UUID, email: str) -> bool:
    status = await conn.execute(
        "delete from municipality_users where municipality_id = $1 and email = $2", municipality_id, email
    )
    return bool(status == "DELETE 1")


async def users_of(conn: asyncpg.Connection, municipality_ids: list[UUID]) -> dict[UUID, list[MunicipalityUser]]:
    """Each municipality's users, by e-mail."""
    rows = await conn.fetch(
        """select municipality_id, email, name from municipality_users
           where municipality_id = any($1::uuid[]) order by municipality_id, email""",
        municipality_ids,
    )
    users: dict[UUID, list[MunicipalityUser]] = {}
    for r in rows:
        users.setdefault(r["municipality_id"], []).append(MunicipalityUser(email=r["email"], name=r["name"]))
    return users


async def municipalities_with_user(conn: asyncpg.Connection, email: str) -> list[asyncpg.Record]:
    """The municipalities listing ``email`` (``email_key`` form) as a user: id, the municipality's name and the
    person's name, by municipality id. A municipality merged into another (``duplicate_of``) lists nobody."""
    return list(
        await conn.fetch(
            """select u.municipality_id, m.name as municipality_name, u.name as person_name
               from municipality_users u join municipalities m on m.id = u.municipality_id
               where u.email = $1 and m.duplicate_of is null
               order by u.municipality_id""",
            email,
        )
    )


async def is_user(conn: asyncpg.Connection, municipality_id: UUID, email: str) -> bool:
    return bool(
        await conn.fetchval(
            """select exists(select 1 from municipality_users u join municipalities m on m.id = u.municipality_id
                             where u.municipality_id = $1 and u.email = $2 and m.duplicate_of is null)""",
            municipality_id,
            email,
        )
    )
