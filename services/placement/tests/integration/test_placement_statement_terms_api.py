"""Issue 11, placement's side: the agreement's statement terms (period, citizen reference, address, VAT, payment
means) and the referral's case number and birth year, against real PostgreSQL through the HTTP API."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import asyncpg
import pytest

from vikar_shared.auth import Role
from vikar_shared.testing.plugin import bearer

Api = Any  # conftest.Api (conftest modules are not importable under --import-mode=importlib)
ADMIN = bearer(Role.ADMIN, sub="admin-1")
FINANCE = bearer(Role.FINANCE, sub="fie")
CONSULTANT = bearer(Role.CONSULTANT, sub="anna")
IBAN = "DK5000400440116243"
OUTSIDE = "Uden for momsens anvendelsesområde: tilskud uden direkte prisforbindelse (momslovens § 27, stk. 1)"
BASE = {"effective_from": "2026-01-01", "co_financing_rate_ore_per_hour": 5000, "eligibility_threshold_weeks": 52}
STATED = {
    "statement_period": "quarterly",
    "citizen_reference": "case_number",
    "address": {"street": "Boulevarden 13", "postcode": "9000", "city": "Aalborg"},
    "rate_excludes_vat": False,
    "vat_category": "O",
    "vat_exemption_reason": OUTSIDE,
    "payment_means_code": "58",
    "payee_iban": IBAN,
    "payee_bank_registration": None,
    "payee_bank_account": None,
}
BANK = {
    "statement_period": None,
    "citizen_reference": "name_birth_year",
    "address": None,
    "rate_excludes_vat": True,
    "vat_category": "S",
    "vat_exemption_reason": None,
    "payment_means_code": "31",
    "payee_iban": None,
    "payee_bank_registration": "0040",
    "payee_bank_account": "0440116243",
}


@pytest.fixture
async def api(serve_placement: Any) -> AsyncIterator[Api]:
    async with serve_placement(date(2026, 3, 2)) as running:
        yield running


async def _municipality(api: Api, name: str = "Aalborg Kommune") -> str:
    r = await api.client.post("/municipalities", json={"name": name}, headers=ADMIN)
    assert r.status_code == 201, r.text
    mid: str = r.json()["id"]
    return mid


async def _terms(api: Api, mid: str, **fields: Any) -> Any:
    return await api.client.post(f"/municipalities/{mid}/terms", headers=FINANCE, json=BASE | fields)


async def test_statement_terms_round_trip_and_are_published_and_audited(api: Api) -> None:
    mid = await _municipality(api)
    # As a person types them: the IBAN in groups and lower case, the account number in groups.
    sent = STATED | {"payee_iban": "dk50 0040 0440 1162 43", "address": {**STATED["address"], "city": " Aalborg "}}  # type: ignore[dict-item]
    first = await _terms(api, mid, ean="5798000416604", person_reference="Jobcenter Aalborg, att. Lene Holm", **sent)
    assert first.status_code == 201, first.text
    second = await _terms(api, mid, effective_from="2026-07-01", **BANK | {"payee_bank_account": "0440 116 243"})
    assert second.status_code == 201, second.text
    core = {"municipality_id": mid, "co_financing_rate_ore_per_hour": 5000, "eligibility_threshold_weeks": 52}
    expected_first = (
        {"id": first.json()["id"], "effective_from": "2026-01-01", "target_unique_citizens": None}
        | core
        | {"ean": "5798000416604", "person_reference": "Jobcenter Aalborg, att. Lene Holm"}
        | STATED
    )
    expected_second = (
        {"id": second.json()["id"], "effective_from": "2026-07-01", "target_unique_citizens": None}
        | core
        | {"ean": None, "person_reference": None}
        | BANK
    )
    assert first.json() == expected_first
    assert second.json() == expected_second

    async def on(day: str) -> Any:
        r = await api.client.get(f"/municipalities/{mid}/terms", params={"on": day}, headers=CONSULTANT)
        assert r.status_code == 200, r.text
        return r.json()

    assert await on("2026-06-30") == expected_first
    assert await on("2026-07-01") == expected_second
    own = bearer(Role.MUNICIPALITY, municipality_id=uuid.UUID(mid))
    listed = await api.client.get(f"/municipalities/{mid}", headers=own)
    assert listed.json()["terms"] == [expected_first, expected_second]

    events = await api.events("placement.municipality_terms_set")
    published = {e["data"]["terms_id"]: e["data"] for e in events}
    for expected in (expected_first, expected_second):
        data = published[expected["id"]]
        assert data == {k: v for k, v in expected.items() if k != "id"} | {
            "terms_id": expected["id"],
            "municipality_name": "Aalborg Kommune",
            "statement_contacts": [],  # issue 14: the event carries them (the answer leaves them out while none)
        }

    audits = await api.sql("select subject, details::text from audit_log where action = 'municipality.terms_set'")
    details = {json.loads(a["details"])["terms_id"]: json.loads(a["details"]) for a in audits}
    assert [a["subject"] for a in audits] == [mid, mid]
    for expected in (expected_first, expected_second):
        audited = details[expected["id"]]
        assert {k: audited[k] for k in STATED} == {k: expected[k] for k in STATED}
        assert audited["rate"] == 5000


async def test_bad_statement_terms_are_refused_naming_field_and_rule_and_nothing_is_written(api: Api) -> None:
    mid = await _municipality(api)
    account = {"payee_bank_registration": "0040", "payee_bank_account": "0440116243"}
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"vat_category": "E"}, "vat_exemption_reason", "vat-exemption-reason-required"),
        ({"vat_category": "O"}, "vat_exemption_reason", "vat-exemption-reason-required"),
        ({"vat_category": "S", "vat_exemption_reason": OUTSIDE}, "vat_exemption_reason", "vat-exemption-reason-not-allowed"),
        ({"vat_exemption_reason": OUTSIDE}, "vat_exemption_reason", "vat-exemption-reason-not-allowed"),
        ({"vat_category": "E", "vat_exemption_reason": "  "}, "vat_exemption_reason", "not-blank"),
        ({"vat_category": "Z"}, "vat_category", "literal_error"),
        ({"payment_means_code": "99", "payee_iban": IBAN}, "payment_means_code", "payment-means-code-allowed"),
        ({"payment_means_code": 58, "payee_iban": IBAN}, "payment_means_code", "string_type"),
        ({"payment_means_code": "58"}, "payee_iban", "payee-iban-required"),
        ({"payment_means_code": "58", **account}, "payee_iban", "payee-iban-required"),
        ({"payment_means_code": "58", "payee_iban": "DK5100400440116243"}, "payee_iban", "iban-checksum"),
        ({"payment_means_code": "58", "payee_iban": "DK500040044011624"}, "payee_iban", "iban-format"),
        ({"payee_iban": "DK5100400440116243"}, "payee_iban", "iban-checksum"),
        ({"payment_means_code": "31"}, "payee_bank_registration", "payee-bank-registration-required"),
        ({"payment_means_code": "31", "payee_bank_registration": "0040"}, "payee_bank_account", "payee-bank-account-required"),
        ({"payment_means_code": "42", "payee_bank_account": "1"}, "payee_bank_registration", "payee-bank-registration-required"),
        ({"payment_means_code": "31", **account, "payee_bank_registration": "040"}, "payee_bank_registration", "bank-registration-format"),
        ({"payment_means_code": "31", **account, "payee_bank_registration": "00400"}, "payee_bank_registration", "bank-registration-format"),
        ({"payment_means_code": "31", **account, "payee_bank_account": "12345678901"}, "payee_bank_account", "bank-account-format"),
        ({"address": {"street": "Boulevarden 13", "postcode": "900", "city": "Aalborg"}}, "address.postcode", "postcode-format"),
        ({"address": {"street": "Boulevarden 13", "city": "Aalborg"}}, "address.postcode", "missing"),
        ({"statement_period": "weekly"}, "statement_period", "literal_error"),
        ({"citizen_reference": "cpr"}, "citizen_reference", "literal_error"),
        ({"rate_excludes_vat": "yes"}, "rate_excludes_vat", "bool_type"),
    ]  # fmt: skip
    for fields, field, rule in cases:
        r = await _terms(api, mid, **fields)
        assert r.status_code == 422, (fields, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert {"field": field, "rule": rule} in [
            {"field": e["field"], "rule": e["rule"]} for e in r.json()["errors"]
        ], (
            fields,
            r.json(),
        )
    assert (await api.sql("select count(*) as n from municipality_terms"))[0]["n"] == 0
    assert (await api.sql("select count(*) as n from outbox"))[0]["n"] == 0
    assert (await api.sql("select count(*) as n from audit_log where action = 'municipality.terms_set'"))[0]["n"] == 0


@pytest.mark.parametrize(
    ("columns", "values"),
    [
        ("vat_category", "'E'"),  # no reason (BR-E-10)
        ("vat_category, vat_exemption_reason", "'S', 'x'"),  # a reason with S (BR-S-10)
        ("payment_means_code", "'58'"),  # no IBAN
        ("payment_means_code, payee_bank_registration", "'31', '0040'"),  # no account (DK-R-006)
        ("payment_means_code, payee_iban", f"'99', '{IBAN}'"),  # not a Danish code (DK-R-005)
        ("address_street, address_postcode", "'Boulevarden 13', '9000'"),  # a part of an address
    ],
)
async def test_the_database_holds_the_same_rules(api: Api, columns: str, values: str) -> None:
    mid = await _municipality(api)
    conn = await asyncpg.connect(api.settings.database_url)
    try:
        insert = f"""insert into municipality_terms (id, municipality_id, effective_from, co_financing_rate_ore_per_hour,
                                                     eligibility_threshold_weeks, created_by, {columns})
                     values (gen_random_uuid(), $1, date '2026-01-01', 5000, 52, 'test', {values})"""
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute(insert, uuid.UUID(mid))
    finally:
        await conn.close()


async def test_a_referral_records_the_case_number_and_publishes_the_birth_year_never_the_cpr(api: Api) -> None:
    mid = await api.municipality()
    born_1979 = {
        "cpr": "120379-4123",  # century digit 4 with year 79: 1979
        "name": "Mette Jensen",
        "municipality_id": mid,
        "referred_on": "2026-02-02",
        "weeks_unemployed": 60,
        "case_number": " SAG-2026-00417 ",
    }
    born_2001 = born_1979 | {"cpr": "0506014321", "name": "Jonas Berg", "case_number": None}  # 4 with 01: 2001
    first = await api.client.post("/referrals", headers=CONSULTANT, json=born_1979)
    assert first.status_code == 201, first.text
    second = await api.client.post("/referrals", headers=CONSULTANT, json=born_2001)
    assert second.status_code == 201, second.text
    assert first.json()["case_number"] == "SAG-2026-00417"
    assert second.json()["case_number"] is None
    fetched = await api.client.get(f"/referrals/{first.json()['id']}", headers=CONSULTANT)
    assert fetched.json() == first.json()
    own = bearer(Role.MUNICIPALITY, municipality_id=uuid.UUID(mid))
    listed = await api.client.get(f"/citizens/{first.json()['citizen_id']}/referrals", headers=own)
    assert [r["case_number"] for r in listed.json()] == ["SAG-2026-00417"]

    envelopes = await api.events("placement.citizen_referred")
    data = {e["data"]["referral_id"]: e["data"] for e in envelopes}
    assert (data[first.json()["id"]]["birth_year"], data[first.json()["id"]]["case_number"]) == (1979, "SAG-2026-00417")
    assert (data[second.json()["id"]]["birth_year"], data[second.json()["id"]]["case_number"]) == (2001, None)
    rows = await api.sql("select envelope::text as e from outbox")
    outbox = " ".join(r["e"] for r in rows)
    for cpr in ("1203794123", "120379-4123", "0506014321", "050601-4321"):
        assert cpr not in outbox
    assert all("cpr" not in json.loads(r["e"])["data"] for r in rows)

    audits = await api.sql("select subject, details::text as d from audit_log where action = 'citizen.referred'")
    audited = {a["subject"]: json.loads(a["d"]) for a in audits}
    assert audited[first.json()["id"]]["case_number"] == "SAG-2026-00417"
    assert audited[second.json()["id"]]["case_number"] is None
    assert "birth_year" not in audited[first.json()["id"]]


async def test_a_bad_case_number_is_refused_and_nothing_is_written(api: Api) -> None:
    mid = await api.municipality()
    body = {"cpr": "120379-4123", "name": "Mette Jensen", "municipality_id": mid, "referred_on": "2026-02-02"}
    for case_number, rule in (("  ", "not-blank"), ("x" * 101, "string_too_long"), ("a\nb", "text-line-break")):
        r = await api.client.post(
            "/referrals", headers=CONSULTANT, json=body | {"weeks_unemployed": 60, "case_number": case_number}
        )
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] == "case_number"
        assert r.json()["errors"][0]["rule"] == rule
    assert (await api.sql("select count(*) as n from referrals"))[0]["n"] == 0
    assert (await api.sql("select count(*) as n from citizens"))[0]["n"] == 0


# Tester 11, F1: a CPR number typed into a free text that leaves placement (the citizen's own as the case number,
# in the name, in the terms' texts that go on statements and Peppol documents) is refused, nothing written.
CPR_TEXTS = ("250384-1881", "2503841881", "Kurt 250384-1881", "sag 250384 1881", "２５０３８４-１８８１")


async def _nothing_written(api: Api, *tables: str) -> None:
    for table in ("outbox", *tables):
        assert (await api.sql(f"select count(*) as n from {table}"))[0]["n"] == 0, table


async def test_a_referral_whose_case_number_or_name_holds_a_cpr_number_is_refused(api: Api) -> None:
    mid = await api.municipality()
    await api.sql("delete from outbox")
    body = {"cpr": "250384-1881", "name": "Kurt Hansen", "municipality_id": mid, "referred_on": "2026-02-02"}
    body |= {"weeks_unemployed": 60}
    for text in CPR_TEXTS:
        for fields, named in (
            ({"case_number": text}, ["case_number"]),
            ({"name": text if not text[0].isdigit() else f"Kurt {text}"}, ["name"]),
            ({"name": f"Kurt {text}", "case_number": text}, ["name", "case_number"]),
        ):
            r = await api.client.post("/referrals", headers=CONSULTANT, json=body | fields)
            assert r.status_code == 422, (fields, r.text)
            assert r.headers["content-type"] == "application/problem+json"
            errors = r.json()["errors"]
            assert [(e["field"], e["rule"]) for e in errors] == [(f, "cpr-not-allowed") for f in named], errors
            assert "1881" not in r.text  # the answer never repeats the number
    await _nothing_written(api, "referrals", "citizens")
    # Digits that are no CPR number (no valid birth date, or part of a longer number) are a case number.
    for case_number in ("SAG-2026-00417", "993412-1234", "12503841881"):
        r = await api.client.post("/referrals", headers=CONSULTANT, json=body | {"case_number": case_number})
        assert r.status_code == 201, (case_number, r.text)
        await api.sql("delete from referrals")


def _broken(r: Any) -> list[tuple[str, str]]:
    """The (field, rule) pairs of a 422 naming several fields (code ``request-invalid``), sorted."""
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "request-invalid"
    return sorted((e["field"], e["rule"]) for e in r.json()["errors"])


async def test_terms_texts_holding_a_cpr_number_are_refused_naming_each_field(api: Api) -> None:
    mid = await _municipality(api)
    address = {"street": "Boulevarden 250384-1881", "postcode": "9000", "city": "Aalborg 250384 1881"}
    texts = {"person_reference": "Att. 250384-1881", "vat_exemption_reason": "Momsfritaget for 2503841881"}
    r = await _terms(api, mid, vat_category="E", address=address, **texts)
    named = ["address.city", "address.street", "person_reference", "vat_exemption_reason"]
    assert _broken(r) == [(field, "cpr-not-allowed") for field in named]
    for fields in ({"person_reference": "250384-1881"}, {"vat_category": "O", "vat_exemption_reason": "2503841881"}):
        one = await _terms(api, mid, **fields)
        assert one.status_code == 422, one.text
        assert one.json()["code"] == "cpr-not-allowed"
    named = await api.client.post("/municipalities", json={"name": "Kommune 250384-1881"}, headers=ADMIN)
    assert named.status_code == 422, named.text
    assert [(e["field"], e["rule"]) for e in named.json()["errors"]] == [("name", "cpr-not-allowed")]
    assert (await api.sql("select count(*) as n from municipalities"))[0]["n"] == 1
    await _nothing_written(api, "municipality_terms")


async def test_every_broken_statement_terms_rule_is_reported_at_once(api: Api) -> None:  # Tester 11, F8
    mid = await _municipality(api)
    bank = {"payee_bank_registration": "12345", "payee_bank_account": "12345678901"}
    assert _broken(await _terms(api, mid, vat_category="E", payment_means_code="42", **bank)) == [
        ("payee_bank_account", "bank-account-format"),
        ("payee_bank_registration", "bank-registration-format"),
        ("vat_exemption_reason", "vat-exemption-reason-required"),
    ]
    assert _broken(await _terms(api, mid, payment_means_code="31")) == [
        ("payee_bank_account", "payee-bank-account-required"),
        ("payee_bank_registration", "payee-bank-registration-required"),
    ]
    assert _broken(await _terms(api, mid, ean="123", payment_means_code="99")) == [
        ("ean", "ean-format"),
        ("payment_means_code", "payment-means-code-allowed"),
    ]
    await _nothing_written(api, "municipality_terms")
