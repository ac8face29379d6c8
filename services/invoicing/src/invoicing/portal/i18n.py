"""Every word of the portal's invoices pages, in Danish (the default) and English, on the shared catalogue
(:data:`vikar_shared.web.i18n.PORTAL_CATALOGUE`: the layout's, the shared message pages' and the portal's
navigation words); dates and kroner are written by Babel (``t.full_date``, ``t.month``, ``t.kroner``).

A missing key is a KeyError at render time; the unit tests check the catalogue
(:func:`vikar_shared.web.i18n.catalogue_problems`) and the integration tests render every page in both
languages."""

from __future__ import annotations

from vikar_shared.web.i18n import PAGER_CATALOGUE, PORTAL_CATALOGUE
from vikar_shared.web.i18n import Translator as BaseTranslator

__all__ = ["CATALOGUE", "Translator"]

CATALOGUE: dict[str, dict[str, str]] = {
    **PORTAL_CATALOGUE,
    **PAGER_CATALOGUE,
    "invoices_title": {"da": "Fakturaer", "en": "Invoices"},
    "invoices_intro": {
        "da": "Fakturaer og kreditnotaer, vi har udstedt til {company}.",
        "en": "Invoices and credit notes we have issued to {company}.",
    },
    "invoices_intro_unnamed": {
        "da": "Fakturaer og kreditnotaer, vi har udstedt til jeres virksomhed.",
        "en": "Invoices and credit notes we have issued to your company.",
    },
    "invoices_none": {"da": "Der er ikke udstedt nogen fakturaer endnu.", "en": "No invoices have been issued yet."},
    "invoices_none_on_page": {
        "da": "Der er ingen fakturaer på side {page}.",
        "en": "There are no invoices on page {page}.",
    },
    "invoices_caption": {
        "da": "Fakturaer og kreditnotaer, side {page}",
        "en": "Invoices and credit notes, page {page}",
    },
    "col_number": {"da": "Nummer", "en": "Number"},
    "col_type": {"da": "Type", "en": "Type"},
    "col_period": {"da": "Periode", "en": "Period"},
    "col_issued": {"da": "Udstedt", "en": "Issued"},
    "col_due": {"da": "Forfald", "en": "Due"},
    "col_total": {"da": "Beløb i alt", "en": "Total"},
    "col_payment": {"da": "Betaling", "en": "Payment"},
    "col_document": {"da": "Dokument", "en": "Document"},
    "type_invoice": {"da": "Faktura", "en": "Invoice"},
    "type_credit_note": {"da": "Kreditnota", "en": "Credit note"},
    "period_days": {"da": "{start} – {end}", "en": "{start} – {end}"},
    "payment_unpaid": {"da": "Ubetalt", "en": "Unpaid"},
    "payment_partially_paid": {"da": "Delvist betalt", "en": "Partly paid"},
    "payment_paid": {"da": "Betalt", "en": "Paid"},
    "payment_overpaid": {"da": "Overbetalt", "en": "Overpaid"},
    "payment_credited": {"da": "Krediteret", "en": "Credited"},
    "overdue_days": {"da": "forfalden, {count} dage", "en": "overdue, {count} days"},
    "overdue_days_one": {"da": "forfalden, 1 dag", "en": "overdue, 1 day"},
    "credits_invoice": {"da": "Krediterer faktura {number}", "en": "Credits invoice {number}"},
    "download_pdf": {"da": "Hent PDF", "en": "Download PDF"},
    "download_pdf_of": {"da": "Hent PDF af {kind} {number}", "en": "Download the PDF of {kind} {number}"},
    "other_pages": {"da": "Se også", "en": "See also"},
    # Issue 14 (part E): one invoice's page, deemed approval, payment reminders (rykkere).
    "invoice_title": {"da": "{kind} {number}", "en": "{kind} {number}"},
    "invoice_lines": {"da": "Linjer", "en": "Lines"},
    "col_citizen": {"da": "Medarbejder", "en": "Employee"},
    "col_dates": {"da": "Arbejdsdage", "en": "Work days"},
    "col_hours": {"da": "Timer", "en": "Hours"},
    "col_rate": {"da": "Timepris", "en": "Hourly rate"},
    "col_amount": {"da": "Beløb", "en": "Amount"},
    "col_approval": {"da": "Godkendelse", "en": "Approval"},
    "approved_by_approver": {"da": "Godkendt", "en": "Approved"},
    "deemed_approved": {
        "da": "godkendt ved fristudløb ({deemed} af {entries} registreringer)",
        "en": "deemed approved when the deadline ran out ({deemed} of {entries} entries)",
    },
    "deemed_note": {
        "da": "Timer markeret \u201egodkendt ved fristudløb\u201c blev ikke godkendt eller afvist inden fristen i "
        "jeres aftale og er derfor godkendt automatisk.",
        "en": "Hours marked \u201cdeemed approved\u201d were neither approved nor rejected before the deadline in your "
        "agreement, and were therefore approved automatically.",
    },
    "net_total": {"da": "Beløb uden moms", "en": "Net amount"},
    "vat_total": {"da": "Moms", "en": "VAT"},
    "reminders_title": {"da": "Rykkere", "en": "Payment reminders"},
    "reminders_none": {"da": "Der er ikke sendt nogen rykkere.", "en": "No payment reminders have been sent."},
    "col_reminder": {"da": "Rykker", "en": "Reminder"},
    "col_sent": {"da": "Sendt", "en": "Sent"},
    "col_fee": {"da": "Rykkergebyr", "en": "Reminder fee"},
    "col_pay_by": {"da": "Betal senest", "en": "Pay by"},
    "reminder_number": {"da": "{number}. rykker", "en": "Reminder {number}"},
    "reminder_final": {
        "da": "sidste rykker før inkasso",
        "en": "last reminder before collection",
    },
    "reminder_fees_total": {
        "da": "Rykkergebyrer i alt: {amount} (skyldes ud over fakturaens beløb, jf. renteloven § 9 b)",
        "en": "Reminder fees in all: {amount} (owed beside the invoice's amount, renteloven § 9 b)",
    },
    "show_invoice": {"da": "Vis {kind} {number}", "en": "Show {kind} {number}"},
    # Messages
    "page_invalid_title": {"da": "Ugyldigt sidenummer", "en": "Invalid page number"},
    "page_invalid_text": {
        "da": "Sidenummeret skal være et helt tal fra 1 til {max}. Der vises ingen anden side i stedet.",
        "en": "The page number must be a whole number from 1 to {max}. No other page is shown instead.",
    },
    "document_not_ready_title": {"da": "PDF-filen er ikke klar endnu", "en": "The PDF is not ready yet"},
    "document_not_ready_text": {
        "da": "Fakturaen er udstedt, men dens PDF bliver stadig lavet. Prøv igen om et øjeblik.",
        "en": "The invoice has been issued, but its PDF is still being made. Try again in a moment.",
    },
    "not_found_title": {"da": "Ikke fundet", "en": "Not found"},
    "not_found_text": {
        "da": "Fakturaen findes ikke, eller du har ikke adgang til den.",
        "en": "That invoice does not exist, or you do not have access to it.",
    },
    "page_not_found_text": {
        "da": "Den side findes ikke i portalen. Brug menuen, eller gå tilbage til fakturaerne.",
        "en": "That page does not exist in the portal. Use the menu, or go back to the invoices.",
    },
    "back_to_invoices": {"da": "Tilbage til fakturaerne", "en": "Back to the invoices"},
}


class Translator(BaseTranslator):
    """The invoices pages' words (and the shared formats: ``t.full_date``, ``t.month``, ``t.kroner``…) in one
    locale."""

    catalogue = CATALOGUE
