"""The validator (issue 11) catches what the official artefacts forbid, by rule id: totals that do not add up,
a schema violation, the Danish payment rules, a line whose net is not quantity x price; and says how to fetch
the artefacts when they are missing (a failure, never a skip)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from invoicing import cli
from invoicing.peppol import validation
from invoicing.peppol.examples import BANK, VARIANTS
from invoicing.peppol.ubl import CAC, CBC, statement_ubl
from invoicing.peppol.validation import PeppolArtefactsMissingError, ValidationReport, validate

NS = {"cac": CAC, "cbc": CBC}


def report(document: bytes) -> ValidationReport:
    try:
        return validate(document)
    except PeppolArtefactsMissingError as error:
        pytest.fail(str(error))


def altered(name: str, change: Callable[[etree._Element], None]) -> bytes:
    root = etree.fromstring(statement_ubl(VARIANTS[name]))
    change(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def set_text(path: str, text: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        element = root.find(path, NS)
        assert element is not None, path
        element.text = text

    return change


def fatal_ids(document: bytes) -> set[str]:
    return {finding.rule_id for finding in report(document).fatal}


def test_the_valid_document_has_no_fatal_finding() -> None:
    assert fatal_ids(statement_ubl(VARIANTS["S excluding VAT, IBAN"])) == set()


def test_totals_that_do_not_add_up_are_caught_by_their_rule() -> None:
    # Payable 1 kr. more than the VAT-inclusive total (BR-CO-16), the inclusive total 1 kr. more than
    # exclusive + VAT (BR-CO-15), the lines' sum stated 1 øre off (BR-CO-10).
    payable = altered("S excluding VAT, IBAN", set_text("cac:LegalMonetaryTotal/cbc:PayableAmount", "706.11"))
    assert "BR-CO-16" in fatal_ids(payable)

    def inclusive(root: etree._Element) -> None:
        set_text("cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", "706.11")(root)
        set_text("cac:LegalMonetaryTotal/cbc:PayableAmount", "706.11")(root)

    assert "BR-CO-15" in fatal_ids(altered("S excluding VAT, IBAN", inclusive))
    lines = altered("S excluding VAT, IBAN", set_text("cac:LegalMonetaryTotal/cbc:LineExtensionAmount", "564.10"))
    assert "BR-CO-10" in fatal_ids(lines)
    # The VAT subtotal no longer adds up to the VAT total (BR-CO-14).
    vat = altered("S excluding VAT, IBAN", set_text("cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount", "141.52"))
    assert "BR-CO-14" in fatal_ids(vat)


def test_a_line_net_that_is_not_quantity_times_price_is_caught() -> None:
    # Without its rounding allowance (0.32 kr.) the per-entry-rounded line breaks PEPPOL-EN16931-R120.
    def drop_allowance(root: etree._Element) -> None:
        line = root.find("cac:InvoiceLine", NS)
        line.remove(line.find("cac:AllowanceCharge", NS))

    assert "PEPPOL-EN16931-R120" in fatal_ids(altered("awkward rounding, many entries", drop_allowance))


def test_the_danish_payment_rules_are_applied() -> None:
    code = altered("S excluding VAT, IBAN", set_text("cac:PaymentMeans/cbc:PaymentMeansCode", "30"))
    assert "DK-R-005" in fatal_ids(code)

    def no_registration(root: etree._Element) -> None:
        account = root.find("cac:PaymentMeans/cac:PayeeFinancialAccount", NS)
        account.remove(account.find("cac:FinancialInstitutionBranch", NS))

    assert BANK.code == "31"
    assert "DK-R-006" in fatal_ids(altered("payment means 31", no_registration))


def test_a_schema_violation_is_an_xsd_finding_and_stops_there() -> None:
    def misplaced(root: etree._Element) -> None:  # DueDate after InvoiceTypeCode: the schema's order is broken
        due = root.find("cbc:DueDate", NS)
        root.remove(due)
        root.find("cbc:InvoiceTypeCode", NS).addnext(due)

    found = report(altered("S excluding VAT, IBAN", misplaced))
    assert [f.rule_id for f in found.fatal] == ["XSD"]
    assert "DueDate" in found.fatal[0].text
    assert not found.valid
    amount = report(altered("S excluding VAT, IBAN", set_text("cac:LegalMonetaryTotal/cbc:PayableAmount", "many")))
    assert amount.rule_ids == ("XSD",)


def test_not_xml_and_not_ubl_are_fatal() -> None:
    assert report(b"<Invoice").rule_ids == ("XML",)
    assert report(b"<Order xmlns='urn:example'/>").rule_ids == ("XSD",)


def test_missing_artefacts_fail_with_the_how_to(tmp_path: Path) -> None:
    with pytest.raises(PeppolArtefactsMissingError, match="ensure_peppol_artefacts") as raised:
        validation.validator(tmp_path)
    assert str(tmp_path) in str(raised.value)
    assert "deploy/local/test" in str(raised.value)


def test_the_artefacts_directory_comes_from_the_settings_then_the_stack(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("VIKAR_STACK_DIR", str(tmp_path / "stack"))
    monkeypatch.delenv("INVOICING_PEPPOL_ARTEFACTS_DIR", raising=False)
    assert validation.artefacts_dir() == tmp_path / "stack" / "peppol"
    monkeypatch.setenv("INVOICING_PEPPOL_ARTEFACTS_DIR", str(tmp_path / "own"))
    assert validation.artefacts_dir() == tmp_path / "own"
    monkeypatch.delenv("INVOICING_PEPPOL_ARTEFACTS_DIR")
    monkeypatch.delenv("VIKAR_STACK_DIR")
    assert validation.artefacts_dir() == Path(validation.__file__).resolve().parents[5] / ".stack" / "peppol"


def test_threads_validate_with_the_one_compiled_validator() -> None:
    good = statement_ubl(VARIANTS["many lines"])
    bad = altered("S excluding VAT, IBAN", set_text("cac:LegalMonetaryTotal/cbc:PayableAmount", "706.11"))
    results: list[tuple[bool, bool]] = []

    def work() -> None:
        for _ in range(3):
            results.append((report(good).valid, "BR-CO-16" in {f.rule_id for f in report(bad).fatal}))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [(True, True)] * 12


def test_the_cli_prints_the_findings_and_exits_1_on_a_fatal_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad = tmp_path / "good.xml", tmp_path / "bad.xml"
    good.write_bytes(statement_ubl(VARIANTS["correction statement (CreditNote)"]))
    bad.write_bytes(altered("S excluding VAT, IBAN", set_text("cac:LegalMonetaryTotal/cbc:PayableAmount", "706.11")))
    assert cli.main(["peppol-validate", str(good)]) == 0
    assert "valid (0 fatal" in " ".join(capsys.readouterr().out.split())
    assert cli.main(["peppol-validate", str(bad)]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "BR-CO-16 (fatal)" in out
    assert "INVALID (1 fatal" in out
    assert cli.main(["peppol-validate", str(tmp_path / "missing.xml")]) == 2
