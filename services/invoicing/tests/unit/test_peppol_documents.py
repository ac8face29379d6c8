"""Peppol BIS Billing 3.0 documents of statements (issue 11), each validated by the REAL official artefacts
(the UBL 2.1 XSD, the CEN EN 16931 and Peppol BIS 3 Schematron with the Danish rules): no fatal finding.

The artefacts come from ``deploy/local/test`` (``ensure_peppol_artefacts``); without them these tests fail
with the how-to (never skip)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from lxml import etree

from invoicing.peppol.examples import AALBORG_EAN, BUYER, EXCLUDING, EXEMPT, INCLUDING, OUTSIDE, VARIANTS
from invoicing.peppol.ubl import CAC, CBC, statement_ubl
from invoicing.peppol.validation import PeppolArtefactsMissingError, ValidationReport, validate
from invoicing.statements.models import StatementStatus, VatCategory, statement_totals

NS = {"cac": CAC, "cbc": CBC}


def checked(document: bytes) -> ValidationReport:
    """The report of ``document``, failing with every fatal rule id and text when there is one."""
    try:
        report = validate(document)
    except PeppolArtefactsMissingError as error:  # never a skip: the how-to is the failure
        pytest.fail(str(error))
    assert report.valid, "fatal: " + ", ".join(sorted({f.rule_id for f in report.fatal})) + "\n" + report.describe()
    return report


def parsed(document: bytes) -> etree._Element:
    return etree.fromstring(document)


@pytest.mark.parametrize("name", list(VARIANTS))
def test_every_variant_passes_the_official_rules(name: str) -> None:
    document = statement_ubl(VARIANTS[name])
    checked(document)


def test_an_invoice_states_the_parties_references_and_totals() -> None:
    subject = VARIANTS["S excluding VAT, IBAN"]
    root = parsed(statement_ubl(subject))
    assert etree.QName(root).localname == "Invoice"
    text = {
        path: root.findtext(path, namespaces=NS)
        for path in (
            "cbc:ID",
            "cbc:InvoiceTypeCode",
            "cbc:DueDate",
            "cbc:BuyerReference",
            "cbc:DocumentCurrencyCode",
            "cac:InvoicePeriod/cbc:StartDate",
            "cac:InvoicePeriod/cbc:EndDate",
            "cac:AccountingSupplierParty/cac:Party/cbc:EndpointID",
            "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID",
            "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID",
            "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID",
            "cac:PaymentMeans/cbc:PaymentMeansCode",
            "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID",
            "cac:TaxTotal/cbc:TaxAmount",
            "cac:LegalMonetaryTotal/cbc:PayableAmount",
        )
    }
    # 600 min at 45.37 = 453.70; 125 min = 94.5208 -> 94.52; 3 x 7 min = 3 x 5.29 = 15.87: net 564.09, VAT 141.02
    assert text == {
        "cbc:ID": "S-2026-000001",
        "cbc:InvoiceTypeCode": "380",
        "cbc:DueDate": "2026-12-31",
        "cbc:BuyerReference": "Jobcenter Aalborg, Lise Jensen",
        "cbc:DocumentCurrencyCode": "DKK",
        "cac:InvoicePeriod/cbc:StartDate": "2026-11-01",
        "cac:InvoicePeriod/cbc:EndDate": "2026-11-30",
        "cac:AccountingSupplierParty/cac:Party/cbc:EndpointID": "29403473",
        "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID": "29403473",
        "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID": "DK29403473",
        "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID": AALBORG_EAN,
        "cac:PaymentMeans/cbc:PaymentMeansCode": "58",
        "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID": "DK5000400440116243",
        "cac:TaxTotal/cbc:TaxAmount": "141.02",
        "cac:LegalMonetaryTotal/cbc:PayableAmount": "705.11",
    }
    schemes = [e.get("schemeID") for e in root.iterfind(".//cbc:EndpointID", NS)]
    assert schemes == ["0184", "0088"]
    amounts = [e.text for e in root.iterfind("cac:InvoiceLine/cbc:LineExtensionAmount", NS)]
    assert amounts == ["453.70", "94.52", "15.87"]


def test_the_awkward_line_states_minutes_the_hourly_price_and_the_rounding_as_a_charge_or_allowance() -> None:
    root = parsed(statement_ubl(VARIANTS["S excluding VAT, IBAN"]))
    hours, _, awkward = root.iterfind("cac:InvoiceLine", NS)
    assert hours.find("cbc:InvoicedQuantity", NS).attrib["unitCode"] == "HUR"
    assert hours.findtext("cbc:InvoicedQuantity", namespaces=NS) == "10"
    assert hours.find("cac:AllowanceCharge", NS) is None
    assert awkward.findtext("cbc:InvoicedQuantity", namespaces=NS) == "21"
    assert awkward.find("cbc:InvoicedQuantity", NS).attrib["unitCode"] == "MIN"
    assert awkward.findtext("cac:Price/cbc:PriceAmount", namespaces=NS) == "45.37"
    assert awkward.findtext("cac:Price/cbc:BaseQuantity", namespaces=NS) == "60"
    # 21 min x 45.37 / 60 = 15.8795 -> 15.88; the line is 15.87: an allowance of 0.01
    assert awkward.findtext("cac:AllowanceCharge/cbc:ChargeIndicator", namespaces=NS) == "false"
    assert awkward.findtext("cac:AllowanceCharge/cbc:Amount", namespaces=NS) == "0.01"
    many = parsed(statement_ubl(VARIANTS["awkward rounding, many entries"]))
    first = next(many.iterfind("cac:InvoiceLine", NS))
    # 100 x round(7 x 45.37 / 60 = 5.2932) = 529.00; 700 min = 529.3167 -> 529.32: allowance 0.32 (> the 0.02 slack)
    assert first.findtext("cbc:LineExtensionAmount", namespaces=NS) == "529.00"
    assert first.findtext("cac:AllowanceCharge/cbc:Amount", namespaces=NS) == "0.32"
    for item in many.iterfind("cac:InvoiceLine", NS):  # PEPPOL-EN16931-R120 by hand, exact
        quantity = Decimal(item.findtext("cbc:InvoicedQuantity", namespaces=NS))
        price = Decimal(item.findtext("cac:Price/cbc:PriceAmount", namespaces=NS))
        base = Decimal(item.findtext("cac:Price/cbc:BaseQuantity", default="1", namespaces=NS))
        sign = -1 if item.findtext("cac:AllowanceCharge/cbc:ChargeIndicator", namespaces=NS) == "false" else 1
        adjust = sign * Decimal(item.findtext("cac:AllowanceCharge/cbc:Amount", default="0", namespaces=NS))
        net = Decimal(item.findtext("cbc:LineExtensionAmount", namespaces=NS))
        assert abs(quantity * price / base + adjust - net) <= Decimal("0.005")


def test_including_vat_the_lines_are_nets_and_the_price_the_net_rate() -> None:
    subject = VARIANTS["S including VAT"]
    root = parsed(statement_ubl(subject))
    totals = statement_totals([item.amount_ore for item in subject.lines], INCLUDING)
    nets = [e.text for e in root.iterfind("cac:InvoiceLine/cbc:LineExtensionAmount", NS)]
    assert nets == [f"{n // 100}.{n % 100:02d}" for n in totals.line_net_ore]
    assert root.findtext("cac:InvoiceLine/cac:Price/cbc:PriceAmount", namespaces=NS) == "36.296"  # 45.37 / 1.25
    assert root.findtext("cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount", namespaces=NS) == "451.27"
    assert root.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=NS) == "564.09"


def test_exempt_and_outside_scope_state_the_reason_and_outside_scope_no_rate_nor_seller_vat_id() -> None:
    exempt = parsed(statement_ubl(VARIANTS["E with reason"]))
    outside = parsed(statement_ubl(VARIANTS["O outside scope"]))
    category = "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/"
    assert exempt.findtext(category + "cbc:ID", namespaces=NS) == "E"
    assert exempt.findtext(category + "cbc:Percent", namespaces=NS) == "0"
    assert exempt.findtext(category + "cbc:TaxExemptionReason", namespaces=NS) == EXEMPT.exemption_reason
    assert outside.findtext(category + "cbc:ID", namespaces=NS) == "O"
    assert outside.find(category + "cbc:Percent", NS) is None
    assert outside.findtext(category + "cbc:TaxExemptionReason", namespaces=NS) == OUTSIDE.exemption_reason
    assert outside.find("cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme", NS) is None
    assert outside.findtext("cac:TaxTotal/cbc:TaxAmount", namespaces=NS) == "0.00"


def test_payment_means_31_states_registration_and_account_number() -> None:
    root = parsed(statement_ubl(VARIANTS["payment means 31"]))
    assert root.findtext("cac:PaymentMeans/cbc:PaymentMeansCode", namespaces=NS) == "31"
    account = root.find("cac:PaymentMeans/cac:PayeeFinancialAccount", NS)
    assert account.findtext("cbc:ID", namespaces=NS) == "0012345678"
    assert account.findtext("cac:FinancialInstitutionBranch/cbc:ID", namespaces=NS) == "1234"


def test_a_correction_statement_is_a_credit_note_referring_to_the_statement_it_corrects() -> None:
    root = parsed(statement_ubl(VARIANTS["correction statement (CreditNote)"]))
    assert etree.QName(root).localname == "CreditNote"
    assert root.findtext("cbc:CreditNoteTypeCode", namespaces=NS) == "381"
    assert root.findtext("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID", namespaces=NS) == "S-2026-000001"
    amounts = [e.text for e in root.iterfind("cac:CreditNoteLine/cbc:LineExtensionAmount", NS)]
    assert amounts == ["90.74", "0.37"]
    assert root.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=NS) == "113.89"


def test_the_adjustment_line_is_one_unit_at_its_amount_and_the_late_line_says_so() -> None:
    root = parsed(statement_ubl(VARIANTS["adjustment line"]))
    adjustment = list(root.iterfind("cac:InvoiceLine", NS))[1]
    assert adjustment.findtext("cbc:InvoicedQuantity", namespaces=NS) == "1"
    assert adjustment.find("cbc:InvoicedQuantity", NS).attrib["unitCode"] == "C62"
    assert adjustment.findtext("cac:Price/cbc:PriceAmount", namespaces=NS) == "12.60"
    assert "efterregulering" in adjustment.findtext("cac:Item/cbc:Description", namespaces=NS)
    late = list(parsed(statement_ubl(VARIANTS["late lines"])).iterfind("cac:InvoiceLine", NS))[1]
    assert late.find("cac:InvoicePeriod", NS) is None  # outside the statement's period (PEPPOL-EN16931-R110)
    assert "28.10.2026 (sent godkendte timer)" in late.findtext("cac:Item/cbc:Description", namespaces=NS)
    in_period = parsed(statement_ubl(VARIANTS["late lines"])).find("cac:InvoiceLine", NS)
    assert in_period.findtext("cac:InvoicePeriod/cbc:StartDate", namespaces=NS) == "2026-11-02"


def test_the_same_statement_gives_the_same_bytes() -> None:
    subject = VARIANTS["many lines"]
    assert statement_ubl(subject) == statement_ubl(subject)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: replace(s, status=StatementStatus.DRAFT), "draft"),
        (lambda s: replace(s, issue=replace(s.issue, buyer=replace(BUYER, ean=None))), "EAN"),
        (lambda s: replace(s, issue=replace(s.issue, buyer=replace(BUYER, person_reference=None))), "person reference"),
        (
            lambda s: replace(s, issue=replace(s.issue, vat=replace(EXCLUDING, category=VatCategory.EXEMPT))),
            "exemption",
        ),
        (lambda s: replace(s, issue=replace(s.issue, total_ore=s.issue.total_ore + 1)), "disagree"),
    ],
)
def test_what_cannot_become_a_document_is_refused(change, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        statement_ubl(change(VARIANTS["S excluding VAT, IBAN"]))
