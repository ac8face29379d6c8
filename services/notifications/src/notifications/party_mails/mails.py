"""The parties' mails (issue 14, part B), rendered from the invoicing events: subject, text and HTML part in the
recipient's language (Danish first, English where preferred) from ``templates/mail/<template>.<da|en>.<txt|html>``,
with the agency's name and a footer saying why the recipient gets it. Amounts are integer øre written as kroner
(:func:`vikar_shared.web.formatting.kroner`), dates by Babel. Only what the recipient works with: the company's or
municipality's name, numbers, dates and amounts; never a citizen or a CPR number.

Attachments are references (service ``invoicing`` and a path of its document API), fetched when the mail is sent."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from notifications.directory.models import Recipient
from notifications.emails.footer import agency_of
from notifications.emails.models import (
    AttachmentRef,
    EmailKind,
    MailContext,
    PlannedEmail,
    message_id_for,
    single_line,
)
from notifications.emails.templates import MAIL
from vikar_shared.events.invoicing import (
    CorrectionStatementIssued,
    CreditNoteIssued,
    InvoiceIssued,
    InvoicePaymentFailed,
    PaymentReminderIssued,
    StatementIssued,
)
from vikar_shared.web.formatting import full_date, kroner

PDF = "application/pdf"
CSV = "text/csv"
INVOICING = "invoicing"

GREETING = {"da": "Hej {name},", "en": "Dear {name},"}
SUBJECTS: dict[str, dict[str, str]] = {
    "invoice_issued": {"da": "Faktura {number} fra {agency}", "en": "Invoice {number} from {agency}"},
    "credit_note_issued": {"da": "Kreditnota {number} fra {agency}", "en": "Credit note {number} from {agency}"},
    "payment_failed": {
        "da": "Betalingen af faktura {number} mislykkedes",
        "en": "The payment of invoice {number} failed",
    },
    "payment_reminder": {
        "da": "Rykker {reminder_number} for faktura {number}",
        "en": "Payment reminder {reminder_number} for invoice {number}",
    },
    "payment_reminder_final": {
        "da": "Sidste rykker for faktura {number}",
        "en": "Final payment reminder for invoice {number}",
    },
    "statement_issued": {"da": "Opgørelse {number} fra {agency}", "en": "Statement {number} from {agency}"},
    "correction_statement_issued": {
        "da": "Korrektionsopgørelse {number} fra {agency}",
        "en": "Correction statement {number} from {agency}",
    },
}
UNKNOWN_COMPANY = {"da": "virksomheden", "en": "the company"}
UNKNOWN_MUNICIPALITY = {"da": "kommunen", "en": "the municipality"}


def compose(
    *,
    kind: EmailKind,
    template: str,
    subject_key: str,
    event_id: uuid.UUID,
    recipient: Recipient,
    context: MailContext,
    attachments: Sequence[AttachmentRef] = (),
    **values: Any,
) -> PlannedEmail:
    """One mail to ``recipient`` for the event ``event_id`` (its idempotency key with the address): ``template``'s
    parts in the recipient's language, ``values`` (already formatted) into subject and parts."""
    language = recipient.language if recipient.language in ("da", "en") else "da"
    agency = agency_of(context)
    subject = single_line(SUBJECTS[subject_key][language].format(agency=agency, **values))
    greeting = GREETING[language].format(name=single_line(recipient.name))
    text = MAIL.text_part(
        f"mail/{template}.{language}.txt", greeting=greeting, locale=language, agency=agency, **values
    )
    html = MAIL.html_part(
        f"mail/{template}.{language}.html", greeting=greeting, locale=language, subject=subject, agency=agency, **values
    )
    return PlannedEmail(
        kind=kind,
        event_id=event_id,
        recipient=recipient.email,
        recipient_name=single_line(recipient.name),
        subject=subject,
        body=text,
        message_id=message_id_for(event_id, recipient.email, context.message_id_domain),
        html_body=html,
        language=language,
        attachments=tuple(attachments),
    )


def _company(name: str | None, language: str) -> str:
    return single_line(name) if name else UNKNOWN_COMPANY[language]


def invoice_pdf(invoice_id: uuid.UUID, filename: str) -> AttachmentRef:
    return AttachmentRef(filename=filename, media_type=PDF, service=INVOICING, path=f"/invoices/{invoice_id}/pdf")


def invoice_issued(
    event_id: uuid.UUID, data: InvoiceIssued, recipient: Recipient, company: str | None, context: MailContext
) -> PlannedEmail:
    lang = recipient.language
    return compose(
        kind=EmailKind.INVOICE_ISSUED,
        template="invoice_issued",
        subject_key="invoice_issued",
        event_id=event_id,
        recipient=recipient,
        context=context,
        attachments=[invoice_pdf(data.invoice_id, f"faktura-{data.number}.pdf")],
        number=single_line(data.number),
        company=_company(company, lang),
        issue_date=full_date(data.issue_date, lang),
        period=f"{full_date(data.period_start, lang)} – {full_date(data.period_end, lang)}",
        net=kroner(data.net_ore, lang),
        vat=kroner(data.vat_ore, lang),
        vat_rate=data.vat_rate_percent,
        total=kroner(data.total_ore, lang),
        due_date=full_date(data.due_date, lang),
    )


def credit_note_issued(
    event_id: uuid.UUID, data: CreditNoteIssued, recipient: Recipient, company: str | None, context: MailContext
) -> PlannedEmail:
    lang = recipient.language
    return compose(
        kind=EmailKind.CREDIT_NOTE_ISSUED,
        template="credit_note_issued",
        subject_key="credit_note_issued",
        event_id=event_id,
        recipient=recipient,
        context=context,
        attachments=[invoice_pdf(data.credit_note_id, f"kreditnota-{data.number}.pdf")],
        number=single_line(data.number),
        credited_number=single_line(data.credited_invoice_number),
        company=_company(company, lang),
        issue_date=full_date(data.issue_date, lang),
        total=kroner(data.total_ore, lang),
    )


def payment_failed(
    event_id: uuid.UUID,
    data: InvoicePaymentFailed,
    recipient: Recipient,
    company: str | None,
    context: MailContext,
    *,
    audience: str,
) -> PlannedEmail:
    """``audience``: ``billing`` (the company's billing contact) or ``finance`` (the agency's finance staff)."""
    lang = recipient.language
    return compose(
        kind=EmailKind.PAYMENT_FAILED,
        template="payment_failed",
        subject_key="payment_failed",
        event_id=event_id,
        recipient=recipient,
        context=context,
        number=single_line(data.number),
        company=_company(company, lang),
        attempt_count=data.attempt_count,
        reason=single_line(data.reason) if data.reason else None,
        audience=audience,
    )


def payment_reminder(
    event_id: uuid.UUID, data: PaymentReminderIssued, recipient: Recipient, company: str | None, context: MailContext
) -> PlannedEmail:
    lang = recipient.language
    return compose(
        kind=EmailKind.PAYMENT_REMINDER,
        template="payment_reminder",
        subject_key="payment_reminder_final" if data.final else "payment_reminder",
        event_id=event_id,
        recipient=recipient,
        context=context,
        number=single_line(data.invoice_number),
        reminder_number=data.reminder_number,
        company=_company(company, lang),
        due_date=full_date(data.due_date, lang),
        issued_on=full_date(data.issued_on, lang),
        pay_by=full_date(data.pay_by, lang),
        outstanding=kroner(data.outstanding_ore, lang),
        fee=kroner(data.fee_ore, lang),
        has_fee=data.fee_ore > 0,
        fees_total=kroner(data.fees_total_ore, lang),
        to_pay=kroner(data.outstanding_ore + data.fees_total_ore, lang),
        final=data.final,
    )


def statement_issued(
    event_id: uuid.UUID,
    data: StatementIssued | CorrectionStatementIssued,
    recipient: Recipient,
    municipality: str | None,
    context: MailContext,
) -> PlannedEmail:
    lang = recipient.language
    correction = isinstance(data, CorrectionStatementIssued)
    stem = f"{'korrektionsopgoerelse' if correction else 'opgoerelse'}-{data.number}"
    base = f"/statements/{data.statement_id}"
    return compose(
        kind=EmailKind.STATEMENT_ISSUED,
        template="statement_issued",
        subject_key="correction_statement_issued" if correction else "statement_issued",
        event_id=event_id,
        recipient=recipient,
        context=context,
        attachments=[
            AttachmentRef(filename=f"{stem}.pdf", media_type=PDF, service=INVOICING, path=f"{base}/statement.pdf"),
            AttachmentRef(filename=f"{stem}.csv", media_type=CSV, service=INVOICING, path=f"{base}/statement.csv"),
        ],
        number=single_line(data.number),
        correction=correction,
        corrected_number=(
            single_line(data.corrected_statement_number) if isinstance(data, CorrectionStatementIssued) else None
        ),
        municipality=single_line(municipality) if municipality else UNKNOWN_MUNICIPALITY[lang],
        period=f"{full_date(data.period_start, lang)} – {full_date(data.period_end, lang)}",
        total=kroner(data.total_ore, lang),
        due_date=full_date(data.due_date, lang) if isinstance(data, StatementIssued) else None,
    )
