"""The "hours await your approval" e-mail, one per approver of the submission's company, Danish or English by the
approver's language (:attr:`Approver.language`), text and HTML parts from
``templates/mail/hours_submitted.<da|en>.<txt|html>``: the hours the agency registered for the citizen by date (a
correction line marked as one, its minutes signed), the total, the portal link, the agency's name and a footer
saying why the approver gets it."""

from __future__ import annotations

from typing import Any

from notifications.companies.models import Approver
from notifications.emails.footer import agency_of, footer
from notifications.emails.formatting import format_minutes
from notifications.emails.models import EmailKind, MailContext, PlannedEmail, message_id_for, single_line
from notifications.emails.templates import MAIL
from notifications.submissions.models import Submission, SubmittedHours
from vikar_shared.web.formatting import day_with_year

SUBJECT = {"da": "Timer venter på godkendelse: {citizen}", "en": "Hours await your approval: {citizen}"}
GREETING = {"da": "Hej {name},", "en": "Dear {name},"}
TOTAL_LABEL = {"da": "I alt", "en": "Total"}
CORRECTION_LABEL = {"da": "rettelse", "en": "correction"}
UNKNOWN_COMPANY = {"da": "jeres virksomhed", "en": "your company"}
REASON = {"da": "du godkender timer for {company}", "en": "you approve hours for {company}"}


def approval_link(portal_base_url: str) -> str:
    return f"{portal_base_url.rstrip('/')}/portal/pending"


def language_of(approver: Approver) -> str:
    return "en" if approver.language == "en" else "da"


def _value(entry: SubmittedHours, locale: str) -> str:
    minutes = format_minutes(entry.minutes).replace("-", "−")
    return f"{CORRECTION_LABEL[locale]}: {minutes}" if entry.is_correction else minutes


def _values(
    submission: Submission, approver: Approver, context: MailContext, company_name: str | None
) -> dict[str, Any]:
    locale = language_of(approver)
    agency = agency_of(context)
    company = single_line(company_name) if company_name else UNKNOWN_COMPANY[locale]
    entries = submission.entries_in_date_order
    rows = [(day_with_year(e.work_date, locale), _value(e, locale)) for e in entries]
    total = (TOTAL_LABEL[locale], format_minutes(submission.total_minutes).replace("-", "−"))
    label_width = max(len(label) for label, _ in [*rows, total])
    value_width = max(len(value) for _, value in [*rows, total])

    def line(label: str, value: str) -> str:
        return f"  {label.ljust(label_width)}  {value.rjust(value_width)}"

    return {
        "locale": locale,
        "greeting": GREETING[locale].format(name=single_line(approver.name) or approver.email),
        "agency": agency,
        "citizen": single_line(submission.citizen_name),
        "rows": [line(label, value) for label, value in rows],
        "total": line(*total),
        "cells": [
            {"day": label, "value": value, "correction": e.is_correction}
            for (label, value), e in zip(rows, entries, strict=True)
        ],
        "total_label": total[0],
        "total_value": total[1],
        "has_correction": any(e.is_correction for e in entries),
        "link": approval_link(context.portal_base_url),
        "footer": footer(agency, REASON[locale].format(company=company), locale),
    }


def render_body(
    submission: Submission, approver: Approver, context: MailContext, company_name: str | None = None
) -> str:
    """The text part (ends in one newline)."""
    values = _values(submission, approver, context, company_name)
    locale = values.pop("locale")
    return MAIL.text_part(f"mail/hours_submitted.{locale}.txt", locale=locale, **values)


def render_html(
    submission: Submission, approver: Approver, context: MailContext, company_name: str | None = None
) -> str:
    """The HTML part (every value escaped)."""
    values = _values(submission, approver, context, company_name)
    locale = values.pop("locale")
    subject = SUBJECT[locale].format(citizen=values["citizen"])
    return MAIL.html_part(f"mail/hours_submitted.{locale}.html", locale=locale, subject=subject, **values)


def plan_approval_email(
    submission: Submission, approver: Approver, context: MailContext, company_name: str | None = None
) -> PlannedEmail:
    """The mail to ``approver`` (in their language) for ``submission``; ``company_name`` names the company in the
    footer (None: "your company"). Keyed by the submission's event id and the address (Message-ID stable)."""
    locale = language_of(approver)
    return PlannedEmail(
        kind=EmailKind.HOURS_SUBMITTED,
        event_id=submission.event_id,
        recipient=approver.email,
        recipient_name=single_line(approver.name),
        subject=SUBJECT[locale].format(citizen=single_line(submission.citizen_name)),
        body=render_body(submission, approver, context, company_name),
        html_body=render_html(submission, approver, context, company_name),
        language=locale,
        message_id=message_id_for(submission.event_id, approver.email, context.message_id_domain),
    )
