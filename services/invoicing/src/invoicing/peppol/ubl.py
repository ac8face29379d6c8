"""A statement as a Peppol BIS Billing 3.0 UBL 2.1 Invoice; a correction statement as a CreditNote.

What the document states (Peppol BIS Billing 3.0, with the Danish national rules ``DK-R-*``):

- ``Invoice`` (type code 380) for a statement, ``CreditNote`` (381) for a correction statement, with
  ``cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID`` the number of the statement it corrects; every
  amount on a credit note is positive (``DK-R-016``).
- ID = the statement number, IssueDate, DueDate (an Invoice's; a CreditNote has none), currency DKK,
  ``cbc:BuyerReference`` = the terms' *personreference* (``PEPPOL-EN16931-R003``), InvoicePeriod = the
  statement period, one document Note (``PEPPOL-EN16931-R002``: at most one) with the citizens and hours.
- Seller (``issue.seller``): EndpointID scheme ``0184`` = CVR, name, postal address (DK), PartyLegalEntity
  CompanyID scheme ``0184`` (``DK-R-002``, ``DK-R-014``), the VAT identifier ``DK``+CVR except for category
  ``O`` (``BR-O-02``: no seller VAT identifier outside the scope of VAT), the contact where known.
- Buyer (``issue.buyer``): EndpointID scheme ``0088`` = the EAN/GLN (``PEPPOL-COMMON-R040`` checks its check
  digit), name, postal address (country DK), PartyLegalEntity RegistrationName.
- PaymentMeans (``issue.payment_means``, ``DK-R-005``): ``58`` with the IBAN as PayeeFinancialAccount;
  ``31``/``42`` with the account number as PayeeFinancialAccount and the registration number as its
  FinancialInstitutionBranch (``DK-R-006``); PaymentID = the statement number. PaymentTerms: a note.
- One TaxSubtotal of ``issue.vat``: ``S`` 25 %; ``E`` 0 % with the exemption reason (``BR-E-10``); ``O``
  without a rate and with the exemption reason (``BR-O-05``, ``BR-O-10``). Amounts from
  :func:`invoicing.statements.models.statement_totals` (line nets of a VAT-inclusive rate split by largest
  remainder), which must agree with ``issue.vat_ore`` and ``issue.total_ore``.
- One InvoiceLine/CreditNoteLine per statement line: item "Medfinansiering", the description naming the
  citizen by the statement's citizen reference (never a CPR number) with the minutes, rate and work dates; the
  line's InvoicePeriod is the first and last work date when they lie in the statement period
  (``PEPPOL-EN16931-R110``/``R111``: a line period lies within the invoice period), else (late hours, an
  adjustment of an earlier period) the dates are in the description only.

**Quantities and the per-entry rounding** (``PEPPOL-EN16931-R120``: line net = quantity × price / base
quantity + line charges − line allowances, within 0.02): a line's amount is the sum of its co-financing
entries, each rounded half up to the øre when accrued, so it may differ from minutes × rate by up to half an
øre per entry (7 + 7 + 7 minutes at 45.37 kr./h: 3 × 5.29 = 15.87 kr., while 21 minutes cost 15.8795 kr.).
The line therefore states the quantity in whole hours (``HUR``) when the minutes are whole hours, else in
minutes (``MIN``) with the hourly price over a base quantity of 60 minutes, and the difference between the
line's amount and minutes × rate rounded half up to the øre as one line charge (positive) or allowance
(negative) with the reason "Afrunding pr. registrering". The line net is the statement's amount exactly and
R120 holds within half an øre. For a VAT-inclusive rate the price is the rate's net (rate × 100 / 125, exact to
a tenth of an øre) and the charge/allowance also absorbs the line's share of the net's largest-remainder split.
An **adjustment line** (a retroactive rate change: no minutes) is quantity 1 (``C62``, one) at its amount
(−1 when negative: a price may not be negative, ``BR-27``).

Amounts are integer øre written as 2-decimal strings (prices exact decimals); no floats. The output is
deterministic: the same statement gives the same bytes (no generated ids or clock).
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from lxml import etree

from invoicing.money import MINUTES_PER_HOUR, divide_round_half_up
from invoicing.statements.models import (
    STATEMENT_PAYMENT_MEANS,
    PaymentMeans,
    Statement,
    StatementIssue,
    StatementLine,
    StatementPeriod,
    VatCategory,
    VatTerms,
    statement_totals,
)
from vikar_shared.types.identifiers import contains_cpr

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
INVOICE_TYPE_CODE = "380"
CREDIT_NOTE_TYPE_CODE = "381"
SELLER_SCHEME = "0184"  # Danish CVR number
BUYER_SCHEME = "0088"  # EAN/GLN
COUNTRY = "DK"
ITEM_NAME = "Medfinansiering"
ROUNDING_REASON = "Afrunding pr. registrering"
# The Danish payment means (DK-R-005) a document can state from the terms (statements.models).
SUPPORTED_PAYMENT_MEANS = STATEMENT_PAYMENT_MEANS

UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"


def statement_ubl(statement: Statement) -> bytes:
    """The UBL document (UTF-8 XML bytes) of the issued ``statement``: an Invoice, or a CreditNote for a
    correction statement.

    Raises ``ValueError`` (the message names what is missing) for a draft, a statement without lines, a buyer
    without EAN or person reference, a VAT category ``E``/``O`` without exemption reason, a correction
    statement without the number it corrects, a citizen reference shaped like a CPR number, payment means
    outside :data:`SUPPORTED_PAYMENT_MEANS` or without their account (58: IBAN; 31/42: registration and
    account number), and an issue whose VAT or total disagrees with the lines (``statement_totals``)."""
    issue = statement.issue
    if not statement.is_issued or issue is None:
        raise ValueError(f"statement {statement.statement_id} is a draft: only an issued statement has a document")
    _check(statement, issue)
    credit = statement.is_correction
    totals = statement_totals([line.amount_ore for line in statement.lines], issue.vat)
    if (totals.vat_ore, totals.total_ore) != (issue.vat_ore, issue.total_ore):
        raise ValueError(
            f"statement {issue.number}: issued VAT {issue.vat_ore} and total {issue.total_ore} øre disagree with "
            f"its lines ({totals.vat_ore} and {totals.total_ore} øre)"
        )
    namespace = UBL_CREDIT_NOTE if credit else UBL_INVOICE
    root = etree.Element(
        etree.QName(namespace, "CreditNote" if credit else "Invoice"),
        nsmap={None: namespace, "cac": CAC, "cbc": CBC},
    )
    _cbc(root, "CustomizationID", CUSTOMIZATION_ID)
    _cbc(root, "ProfileID", PROFILE_ID)
    _cbc(root, "ID", issue.number)
    _cbc(root, "IssueDate", issue.issue_date.isoformat())
    if credit:
        _cbc(root, "CreditNoteTypeCode", CREDIT_NOTE_TYPE_CODE)
    else:
        _cbc(root, "DueDate", issue.due_date.isoformat())
        _cbc(root, "InvoiceTypeCode", INVOICE_TYPE_CODE)
    _cbc(root, "Note", _document_note(statement, issue, totals.total_ore))
    _cbc(root, "DocumentCurrencyCode", statement.currency)
    _cbc(root, "BuyerReference", issue.buyer.person_reference)
    _period(root, statement.period.start, statement.period.end)
    if credit:
        reference = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
        _cbc(reference, "ID", statement.corrects_statement_number)
    _seller(root, issue)
    _buyer(root, issue)
    _payment(root, issue, credit)
    _tax_total(root, issue.vat, totals.net_ore, totals.vat_ore, statement.currency)
    monetary = _cac(root, "LegalMonetaryTotal")
    for name, ore in (
        ("LineExtensionAmount", totals.net_ore),
        ("TaxExclusiveAmount", totals.net_ore),
        ("TaxInclusiveAmount", totals.total_ore),
        ("PayableAmount", totals.total_ore),
    ):
        _money(monetary, name, ore, statement.currency)
    for line, net in zip(statement.lines, totals.line_net_ore, strict=True):
        _line(root, line, net, issue.vat, statement.currency, credit, statement.period)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)  # type: ignore[no-any-return]


def _check(statement: Statement, issue: StatementIssue) -> None:
    buyer = issue.buyer
    if not buyer.ean:
        raise ValueError(f"statement {issue.number}: the municipality {buyer.name} has no EAN (Peppol endpoint)")
    if not buyer.person_reference:
        raise ValueError(f"statement {issue.number}: the terms state no person reference (cbc:BuyerReference)")
    if issue.vat.category is not VatCategory.STANDARD and not issue.vat.exemption_reason:
        raise ValueError(f"statement {issue.number}: VAT category {issue.vat.category} needs an exemption reason")
    if statement.is_correction and not statement.corrects_statement_number:
        raise ValueError(f"correction statement {issue.number} names no statement it corrects")
    if not statement.lines:
        raise ValueError(f"statement {issue.number} has no lines (a UBL document has at least one)")
    for line in statement.lines:  # defence in depth: invoicing never holds a CPR number; refuse one that looks so
        if contains_cpr(line.citizen_reference):
            raise ValueError(f"statement {issue.number} line {line.position}: the citizen reference holds a CPR number")
    means = issue.payment_means
    if means.code not in SUPPORTED_PAYMENT_MEANS:
        supported = ", ".join(sorted(SUPPORTED_PAYMENT_MEANS, key=int))
        raise ValueError(f"statement {issue.number}: payment means {means.code} is not supported (only {supported})")
    if means.code == "58" and not means.iban:
        raise ValueError(f"statement {issue.number}: payment means 58 needs the IBAN (BR-61)")
    if means.code in ("31", "42") and not (means.bank_registration and means.bank_account):
        raise ValueError(
            f"statement {issue.number}: payment means {means.code} needs the registration and account number (DK-R-006)"
        )


def _q(name: str, namespace: str = CBC) -> str:
    return f"{{{namespace}}}{name}"


def _cbc(parent: etree._Element, name: str, text: str | None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, _q(name), attributes)
    element.text = text
    return element


def _cac(parent: etree._Element, name: str) -> etree._Element:
    return etree.SubElement(parent, _q(name, CAC))


def _kroner(ore: int) -> str:
    """Øre as a 2-decimal amount: 157473 -> ``1574.73``; -5 -> ``-0.05``."""
    sign = "-" if ore < 0 else ""
    whole, cents = divmod(abs(ore), 100)
    return f"{sign}{whole}.{cents:02d}"


def _decimal(value: Fraction) -> str:
    """An exact decimal of at least 2 places (the denominator must divide a power of ten)."""
    places = 2
    while (value * 10**places).denominator != 1:
        places += 1
        if places > 12:
            raise ValueError(f"{value} has no short exact decimal")
    scaled = int(value * 10**places)
    sign = "-" if scaled < 0 else ""
    whole, fraction = divmod(abs(scaled), 10**places)
    return f"{sign}{whole}.{fraction:0{places}d}"


def _money(parent: etree._Element, name: str, ore: int, currency: str) -> etree._Element:
    return _cbc(parent, name, _kroner(ore), currencyID=currency)


def _period(parent: etree._Element, start: date, end: date) -> None:
    period = _cac(parent, "InvoicePeriod")
    _cbc(period, "StartDate", start.isoformat())
    _cbc(period, "EndDate", end.isoformat())


def _hours(minutes: int) -> str:
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), MINUTES_PER_HOUR)
    return f"{sign}{hours} t {rest:02d} min"


def _danish_kroner(ore: int) -> str:
    return _kroner(ore).replace(".", ",")


def _document_note(statement: Statement, issue: StatementIssue, total_ore: int) -> str:
    kind = "Kreditering af medfinansiering" if statement.is_correction else "Medfinansiering"
    note = (
        f"{kind} {statement.period.start:%d.%m.%Y}-{statement.period.end:%d.%m.%Y}: "
        f"{statement.unique_citizens} borgere i perioden, {statement.unique_citizens_to_date} siden aftalens start"
    )
    if statement.target_unique_citizens is not None:
        note += f" (mål {statement.target_unique_citizens})"
    note += f"; i alt {_hours(statement.total_minutes)}."
    if statement.is_correction:
        note += f" Krediterer {statement.corrects_statement_number}."
    if issue.vat.category is VatCategory.STANDARD and not issue.vat.rate_excludes_vat:
        note += (
            f" Satserne er inkl. moms: linjerne viser nettobeløb; satsernes beløb i alt "
            f"{_danish_kroner(statement.net_ore)} kr., at betale {_danish_kroner(total_ore)} kr."
        )
    return note


def _address(
    party: etree._Element, street: str | None = None, city: str | None = None, postcode: str | None = None
) -> None:
    address = _cac(party, "PostalAddress")
    if street:
        _cbc(address, "StreetName", street)
    if city:
        _cbc(address, "CityName", city)
    if postcode:
        _cbc(address, "PostalZone", postcode)
    _cbc(_cac(address, "Country"), "IdentificationCode", COUNTRY)


def _party(
    root: etree._Element,
    role: str,
    endpoint: tuple[str | None, str],
    name: str,
    address: tuple[str | None, str | None, str | None],
) -> etree._Element:
    """``cac:<role>/cac:Party`` with its EndpointID (``(id, scheme)``), name and ``(street, city, postcode)``."""
    party = _cac(_cac(root, role), "Party")
    _cbc(party, "EndpointID", endpoint[0], schemeID=endpoint[1])
    _cbc(_cac(party, "PartyName"), "Name", name)
    _address(party, *address)
    return party


def _seller(root: etree._Element, issue: StatementIssue) -> None:
    seller = issue.seller
    address = (seller.street, seller.city, seller.postcode)
    party = _party(root, "AccountingSupplierParty", (seller.cvr, SELLER_SCHEME), seller.name, address)
    if issue.vat.category is not VatCategory.OUTSIDE_SCOPE:
        tax_scheme = _cac(party, "PartyTaxScheme")
        _cbc(tax_scheme, "CompanyID", f"{COUNTRY}{seller.cvr}")
        _cbc(_cac(tax_scheme, "TaxScheme"), "ID", "VAT")
    legal = _cac(party, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", seller.name)
    _cbc(legal, "CompanyID", seller.cvr, schemeID=SELLER_SCHEME)
    if seller.contact_name or seller.contact_email:
        contact = _cac(party, "Contact")
        if seller.contact_name:
            _cbc(contact, "Name", seller.contact_name)
        if seller.contact_email:
            _cbc(contact, "ElectronicMail", seller.contact_email)


def _buyer(root: etree._Element, issue: StatementIssue) -> None:
    buyer = issue.buyer
    address = (buyer.street, buyer.city, buyer.postcode)
    party = _party(root, "AccountingCustomerParty", (buyer.ean, BUYER_SCHEME), buyer.name, address)
    _cbc(_cac(party, "PartyLegalEntity"), "RegistrationName", buyer.name)


def _payment(root: etree._Element, issue: StatementIssue, credit: bool) -> None:
    means: PaymentMeans = issue.payment_means
    element = _cac(root, "PaymentMeans")
    _cbc(element, "PaymentMeansCode", means.code)
    _cbc(element, "PaymentID", issue.number)
    account_id = means.iban if means.code == "58" else means.bank_account
    if account_id:
        account = _cac(element, "PayeeFinancialAccount")
        _cbc(account, "ID", account_id.replace(" ", ""))
        if means.code in ("31", "42") and means.bank_registration:
            _cbc(_cac(account, "FinancialInstitutionBranch"), "ID", means.bank_registration)
    days = (issue.due_date - issue.issue_date).days
    terms = (
        f"Kreditnota til {issue.number}: modregnes eller udbetales senest {issue.due_date:%d.%m.%Y}."
        if credit
        else f"Netto {days} dage: betales senest {issue.due_date:%d.%m.%Y} med reference {issue.number}."
    )
    _cbc(_cac(root, "PaymentTerms"), "Note", terms)


def _tax_category(parent: etree._Element, name: str, vat: VatTerms, *, reason: bool) -> None:
    category = _cac(parent, name)
    _cbc(category, "ID", vat.category.value)
    if vat.category is not VatCategory.OUTSIDE_SCOPE:
        _cbc(category, "Percent", str(vat.rate_percent))
    if reason and vat.category is not VatCategory.STANDARD:
        _cbc(category, "TaxExemptionReason", vat.exemption_reason)
    _cbc(_cac(category, "TaxScheme"), "ID", "VAT")


def _tax_total(root: etree._Element, vat: VatTerms, net_ore: int, vat_ore: int, currency: str) -> None:
    total = _cac(root, "TaxTotal")
    _money(total, "TaxAmount", vat_ore, currency)
    subtotal = _cac(total, "TaxSubtotal")
    _money(subtotal, "TaxableAmount", net_ore, currency)
    _money(subtotal, "TaxAmount", vat_ore, currency)
    _tax_category(subtotal, "TaxCategory", vat, reason=True)


def _net_rate(rate_ore_per_hour: int, vat: VatTerms) -> Fraction:
    """The hourly price in øre the line states: the rate, or its net when the rate includes VAT."""
    if vat.category is VatCategory.STANDARD and not vat.rate_excludes_vat:
        return Fraction(rate_ore_per_hour * 100, 100 + vat.rate_percent)
    return Fraction(rate_ore_per_hour)


def _description(line: StatementLine) -> str:
    dates = f"{line.first_work_date:%d.%m.%Y}" + (
        "" if line.last_work_date == line.first_work_date else f"-{line.last_work_date:%d.%m.%Y}"
    )
    if line.adjustment:
        text = (
            f"{line.citizen_reference}: efterregulering til satsen {_danish_kroner(line.rate_ore_per_hour)} kr./time "
            f"for arbejde {dates}"
        )
    else:
        text = (
            f"{line.citizen_reference}: {_hours(line.minutes)} à {_danish_kroner(line.rate_ore_per_hour)} "
            f"kr./time, arbejde {dates}"
        )
    return text + (" (sent godkendte timer)" if line.late else "")


def _line(
    root: etree._Element,
    line: StatementLine,
    net_ore: int,
    vat: VatTerms,
    currency: str,
    credit: bool,
    period: StatementPeriod,
) -> None:
    element = _cac(root, "CreditNoteLine" if credit else "InvoiceLine")
    _cbc(element, "ID", str(line.position))
    quantity_name = "CreditedQuantity" if credit else "InvoicedQuantity"
    base: str | None = None
    rounding = 0
    if line.adjustment:
        # No minutes: one unit at the amount (a price is never negative, BR-27: the quantity carries the sign).
        unit, quantity, price = "C62", (-1 if net_ore < 0 else 1), Fraction(abs(net_ore))
    else:
        rate = _net_rate(line.rate_ore_per_hour, vat)
        price = rate
        if line.minutes % MINUTES_PER_HOUR == 0:
            unit, quantity = "HUR", line.minutes // MINUTES_PER_HOUR
        else:
            unit, quantity, base = "MIN", line.minutes, str(MINUTES_PER_HOUR)
        exact = line.minutes * rate / MINUTES_PER_HOUR
        rounding = net_ore - divide_round_half_up(exact.numerator, exact.denominator)
    _cbc(element, quantity_name, str(quantity), unitCode=unit)
    _money(element, "LineExtensionAmount", net_ore, currency)
    if period.start <= line.first_work_date and line.last_work_date <= period.end:
        _period(element, line.first_work_date, line.last_work_date)  # else (late lines) in the description only
    if rounding:
        charge = _cac(element, "AllowanceCharge")
        _cbc(charge, "ChargeIndicator", "true" if rounding > 0 else "false")
        _cbc(charge, "AllowanceChargeReason", ROUNDING_REASON)
        _money(charge, "Amount", abs(rounding), currency)
    item = _cac(element, "Item")
    _cbc(item, "Description", _description(line))
    _cbc(item, "Name", ITEM_NAME)
    _tax_category(item, "ClassifiedTaxCategory", vat, reason=False)
    price_element = _cac(element, "Price")
    _cbc(price_element, "PriceAmount", _decimal(price / 100), currencyID=currency)
    if base is not None:
        _cbc(price_element, "BaseQuantity", base, unitCode=unit)
