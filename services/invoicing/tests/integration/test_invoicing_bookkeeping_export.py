"""The bookkeeping export (issue 10): a period's issued invoices and credit notes, one row per document and VAT
rate, as e-conomic, Dinero and Billy import them; exact bytes for a small case; who may export; bad ranges."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from vikar_shared.auth import Role
from vikar_shared.clock import FixedClock
from vikar_shared.testing.plugin import bearer

FINANCE = bearer(Role.FINANCE)


async def _close_and_issue(invoicing: Any, today: date) -> list[dict[str, Any]]:
    invoicing.app.state.clock = FixedClock.on(today)
    r = await invoicing.client.post("/closes", json={"through": "2026-10-31"}, headers=FINANCE)
    assert r.status_code == 201, r.text
    issued = []
    for draft in sorted(r.json()["invoices"], key=lambda d: d["net_ore"]):
        r = await invoicing.client.post(f"/invoices/{draft['invoice_id']}/issue", headers=FINANCE)
        assert r.status_code == 200, r.text
        issued.append(r.json())
    return issued


async def test_the_bookkeeping_csv_has_one_row_per_document_and_rate_exactly(invoicing: Any, build: Any) -> None:
    bager, evil = uuid.uuid4(), uuid.uuid4()
    await invoicing.publish_company_events(
        build.company(bager, name="Bager; Hansen"), build.company(evil, name="=Evil")
    )
    anna, bo = (
        build.placement(company_id=c, municipality_id=uuid.uuid4(), citizen_name="A", bill_rate=17_999, eligible=False)
        for c in (bager, evil)
    )
    await invoicing.publish_placement_events(anna, bo)
    worked = build.approval(anna, date(2026, 10, 5), 90)
    await invoicing.publish_approvals(worked, build.approval(bo, date(2026, 10, 5), 6_000))
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=2, what="accrued")
    await invoicing.wait_for_count("select count(*) from companies", expected=2, what="companies")
    # A credit note is due when issued (its due date is its issue date).
    # Bager: 90 min at 17 999 = 26 999 + VAT 6 750 = 33 749; Evil: 100 h = 1 799 900 + 449 975 = 2 249 875.
    invoices = await _close_and_issue(invoicing, date(2026, 11, 6))
    assert [i["number"] for i in invoices] == ["2026-000001", "2026-000002"]
    # 30 minutes taken off Bager's hours: a credit note of 9 000 (8 999.5 half up) + 2 250 VAT = 11 250.
    await invoicing.publish_approvals(build.approval(anna, date(2026, 10, 5), -30, corrects=worked))
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=3, what="correction")
    [credit] = await _close_and_issue(invoicing, date(2026, 11, 10))
    assert (credit["document_type"], credit["number"], credit["total_ore"]) == ("credit_note", "2026-000003", 11_250)

    r = await invoicing.client.get(
        "/exports/bookkeeping.csv", params={"from": "2026-11-01", "to": "2026-11-30"}, headers=FINANCE
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"] == 'attachment; filename="bogfoering-2026-11-01-2026-11-30.csv"'
    assert (
        r.content
        == (
            "\ufeffBilagsnummer;Dato;Type;Kunde;CVR;Netto;Momssats;Moms;Total;Forfaldsdato;Valuta;Krediterer\r\n"
            '2026-000001;06-11-2026;Faktura;"Bager; Hansen";12345674;269,99;25;67,50;337,49;20-11-2026;DKK;\r\n'
            "2026-000002;06-11-2026;Faktura;'=Evil;12345674;17999,00;25;4499,75;22498,75;20-11-2026;DKK;\r\n"
            '2026-000003;10-11-2026;Kreditnota;"Bager; Hansen";12345674;-90,00;25;-22,50;-112,50;10-11-2026;DKK;'
            "2026-000001\r\n"
        ).encode()
    )

    # The range is by issue date, both days included.
    r = await invoicing.client.get(
        "/exports/bookkeeping.csv", params={"from": "2026-11-07", "to": "2026-11-10"}, headers=FINANCE
    )
    assert [line.split(";")[0] for line in r.text.lstrip("\ufeff").splitlines()[1:]] == ["2026-000003"]
    r = await invoicing.client.get(
        "/exports/bookkeeping.csv", params={"from": "2026-11-07", "to": "2026-11-09"}, headers=FINANCE
    )
    assert r.text.lstrip("\ufeff").splitlines()[1:] == []
    r = await invoicing.client.get(
        "/exports/bookkeeping.csv", params={"from": "2026-01-01", "to": "2026-12-31"}, headers=bearer(Role.ADMIN)
    )
    assert r.status_code == 200 and r.content.count(b"\r\n") == 4


async def test_bad_export_ranges_and_other_roles_are_refused(invoicing: Any) -> None:
    for params, status, rule in (
        ({"from": "2026-11-30", "to": "2026-11-01"}, 422, "range-reversed"),
        ({"from": "2026-01-01", "to": "2027-01-01"}, 422, "range-too-long"),
        ({"from": "2026-11-01", "to": "2026-11-31"}, 422, "date-format"),
        ({"from": "2026-11-01"}, 422, "missing"),
    ):
        r = await invoicing.client.get("/exports/bookkeeping.csv", params=params, headers=FINANCE)
        assert r.status_code == status, (params, r.text)
        assert rule in {e["rule"] for e in r.json()["errors"]}, (params, r.json())
    ok = await invoicing.client.get(
        "/exports/bookkeeping.csv", params={"from": "2024-02-29", "to": "2025-02-28"}, headers=FINANCE
    )
    assert ok.status_code == 200
    assert (
        ok.content
        == "\ufeffBilagsnummer;Dato;Type;Kunde;CVR;Netto;Momssats;Moms;Total;Forfaldsdato;Valuta;Krediterer\r\n".encode()
    )
    for role in (Role.CONSULTANT, Role.COMPANY_APPROVER, Role.MUNICIPALITY):
        caller = bearer(
            role,
            company_id=uuid.uuid4() if role is Role.COMPANY_APPROVER else None,
            municipality_id=uuid.uuid4() if role is Role.MUNICIPALITY else None,
        )
        r = await invoicing.client.get(
            "/exports/bookkeeping.csv", params={"from": "2026-11-01", "to": "2026-11-30"}, headers=caller
        )
        assert r.status_code == 403, role
