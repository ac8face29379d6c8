"""The reminder ladder's mails (reminder, follow-up, escalation) and the deemed-approved mail, Danish or
English by the recipient's language: everything pending (or deemed approved) for the company, by ISO week and
citizen, minutes as hours:minutes, with the portal link and a footer saying why the recipient gets it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from itertools import groupby
from typing import Any

from markupsafe import Markup

from notifications.directory.models import Recipient, language_or_danish
from notifications.emails.footer import footer
from notifications.emails.formatting import format_minutes
from notifications.emails.models import EmailKind, MailContext, PlannedEmail, message_id_for, single_line
from notifications.emails.templates import MAIL
from notifications.reminders.models import Step
from vikar_shared.web.formatting import day_with_year, iso_week

# Fixed forever: the ladder's mail event ids (hence Message-IDs) must stay the same across releases and replicas.
_LADDER_NAMESPACE = uuid.UUID("0b8f5a52-7a0e-4f55-9d8c-3e1c51c2a6d4")

KINDS = {
    Step.REMINDER: EmailKind.APPROVAL_REMINDER,
    Step.FOLLOW_UP: EmailKind.APPROVAL_FOLLOW_UP,
    Step.ESCALATION: EmailKind.APPROVAL_ESCALATION,
}

SUBJECTS = {
    (Step.REMINDER, "da"): "Påmindelse: timer venter på godkendelse hos {company}",
    (Step.REMINDER, "en"): "Reminder: hours await approval at {company}",
    (Step.FOLLOW_UP, "da"): "Opfølgning: timer venter stadig på godkendelse hos {company}",
    (Step.FOLLOW_UP, "en"): "Follow-up: hours still await approval at {company}",
    (Step.ESCALATION, "da"): "Eskalering: timer hos {company} er ikke godkendt",
    (Step.ESCALATION, "en"): "Escalation: hours at {company} are not approved",
}
INTROS = {
    (Step.REMINDER, "da"): "{company} har timer, der har ventet {days} arbejdsdage eller mere på godkendelse.",
    (Step.REMINDER, "en"): "{company} has hours that have waited {days} working days or more for approval.",
    (Step.FOLLOW_UP, "da"): "Vi har tidligere mindet om disse timer hos {company}; de venter stadig på godkendelse "
    "({days} arbejdsdage eller mere).",
    (Step.FOLLOW_UP, "en"): "We reminded you of these hours at {company} before; they still await approval "
    "({days} working days or more).",
    (Step.ESCALATION, "da"): "Timer hos {company} har ventet {days} arbejdsdage eller mere på godkendelse, trods "
    "påmindelser. Borgeren får løn for timerne; hjælp venligst med at få dem godkendt.",
    (Step.ESCALATION, "en"): "Hours at {company} have waited {days} working days or more for approval despite "
    "reminders. The citizen is paid for them; please help get them approved.",
}
DEEMED_SUBJECT = {
    "da": "Timer anset for godkendt hos {company}",
    "en": "Hours deemed approved at {company}",
}
DEEMED_INTRO = {
    "da": "Disse timer hos {company} ventede længere end aftalens frist og er nu anset for godkendt. Er der fejl, "
    "så kontakt os, så retter vi dem.",
    "en": "These hours at {company} waited longer than the agreed deadline and are now deemed approved. If any are "
    "wrong, contact us and we will correct them.",
}
REASONS = {
    ("approver", "da"): "du godkender timer for {company}",
    ("approver", "en"): "you approve hours for {company}",
    ("backup", "da"): "du er stedfortræder for godkenderne hos {company} i denne periode",
    ("backup", "en"): "you stand in for the approvers of {company} in this period",
    ("consultant", "da"): "du er konsulent for en borger i job hos {company}",
    ("consultant", "en"): "you are the consultant of a citizen placed at {company}",
}
LABELS = {
    "pending": {"da": "Venter i alt", "en": "Pending in all"},
    "subtotal": {"da": "I alt", "en": "Total"},
    "deemed": {"da": "Anset for godkendt i alt", "en": "Deemed approved in all"},
    "approve": {"da": "Godkend eller afvis timerne her", "en": "Approve or reject the hours here"},
    "see": {"da": "Se timerne i portalen", "en": "See the hours in the portal"},
    "week": {"da": "Uge {week} ({year})", "en": "Week {week} ({year})"},
    "company": {"da": "jeres virksomhed", "en": "your company"},
    "greeting": {"da": "Hej {name},", "en": "Dear {name},"},
}


@dataclass(frozen=True)
class ListedHours:
    """One entry as a mail lists it: whole ``minutes`` (signed for a correction)."""

    citizen_name: str
    work_date: date
    minutes: int


@dataclass(frozen=True)
class Addressee:
    """A recipient and why they get the mail: ``approver``, ``backup`` or ``consultant``."""

    recipient: Recipient
    role: str


def ladder_event_id(company_id: uuid.UUID, step: Step, slot: datetime) -> uuid.UUID:
    """The idempotency key of a step's mails for a company in one run: the same after a restart, so each
    approver gets one mail per step and a resend carries the same Message-ID."""
    return uuid.uuid5(_LADDER_NAMESPACE, f"{company_id}/{step.value}/{slot.astimezone(UTC).isoformat()}")


def portal_link(portal_base_url: str) -> str:
    return f"{portal_base_url.rstrip('/')}/portal/pending"


@lru_cache(maxsize=4096)
def _day(day: date, locale: str) -> str:
    return day_with_year(day, locale)


@lru_cache(maxsize=64)
def _listing(hours: tuple[ListedHours, ...], locale: str) -> tuple[str, Markup]:
    """The hours by ISO week and citizen as the text and the HTML part show them; rendered once per company and
    language (every addressee of a company gets the same listing, and a run renders hundreds of companies')."""
    values = {"weeks": _weeks(hours, locale), "subtotal_label": LABELS["subtotal"][locale]}
    environment = MAIL.environment
    text = environment.get_template("mail/hours_weeks.txt").render(**values).rstrip("\n")
    html = environment.get_template("mail/hours_weeks.html").render(**values)
    return text, Markup(html)  # noqa: S704 - rendered by the autoescaping environment: every value escaped


def _weeks(hours: tuple[ListedHours, ...], locale: str) -> list[dict[str, Any]]:
    ordered = sorted(hours, key=lambda h: (iso_week(h.work_date), h.citizen_name, h.work_date))
    weeks = []
    for (year, week), in_week in groupby(ordered, key=lambda h: iso_week(h.work_date)):
        citizens = []
        for name, rows in groupby(in_week, key=lambda h: h.citizen_name):
            listed = list(rows)
            citizens.append(
                {
                    "name": single_line(name),
                    "rows": [{"day": _day(h.work_date, locale), "minutes": format_minutes(h.minutes)} for h in listed],
                    "total": format_minutes(sum(h.minutes for h in listed)),
                }
            )
        weeks.append({"label": LABELS["week"][locale].format(week=week, year=year), "citizens": citizens})
    return weeks


def _render(
    *,
    kind: EmailKind,
    event_id: uuid.UUID,
    addressee: Addressee,
    subject: str,
    intro: str,
    hours: Sequence[ListedHours],
    total_label: str,
    link_label: str,
    footer: str,
    context: MailContext,
    locale: str,
) -> PlannedEmail:
    recipient = addressee.recipient
    name = single_line(recipient.name) or recipient.email
    greeting = LABELS["greeting"][locale].format(name=name)
    text_listing, html_listing = _listing(tuple(hours), locale)
    values: dict[str, Any] = {
        "intro": intro,
        "total": format_minutes(sum(h.minutes for h in hours)),
        "total_label": total_label,
        "link_label": link_label,
        "link": portal_link(context.portal_base_url),
        "footer": footer,
    }
    return PlannedEmail(
        kind=kind,
        event_id=event_id,
        recipient=recipient.email,
        recipient_name=name,
        subject=subject,
        body=MAIL.text_part("mail/hours_listing.txt", greeting=greeting, locale=locale, listing=text_listing, **values),
        html_body=MAIL.html_part(
            "mail/hours_listing.html", greeting=greeting, locale=locale, subject=subject, listing=html_listing, **values
        ),
        message_id=message_id_for(event_id, recipient.email, context.message_id_domain),
        language=locale,
    )


def _footer(agency: str, role: str, company: str, locale: str) -> str:
    return footer(agency, REASONS[(role, locale)].format(company=company), locale)


def plan_ladder_mail(
    *,
    step: Step,
    days: int,
    company_id: uuid.UUID,
    company_name: str | None,
    slot: datetime,
    addressee: Addressee,
    hours: Sequence[ListedHours],
    agency: str,
    context: MailContext,
) -> PlannedEmail:
    """The ``step`` mail (reminder, follow-up, escalation) to one addressee, listing ``hours`` (everything pending
    for the company); ``days`` the step's working days."""
    locale = language_or_danish(addressee.recipient.language)
    company = single_line(company_name) if company_name else LABELS["company"][locale]
    return _render(
        kind=KINDS[step],
        event_id=ladder_event_id(company_id, step, slot),
        addressee=addressee,
        subject=SUBJECTS[(step, locale)].format(company=company),
        intro=INTROS[(step, locale)].format(company=company, days=days),
        hours=hours,
        total_label=LABELS["pending"][locale],
        link_label=LABELS["approve"][locale],
        footer=_footer(agency, addressee.role, company, locale),
        context=context,
        locale=locale,
    )


def plan_deemed_mail(
    *,
    event_id: uuid.UUID,
    company_name: str | None,
    addressee: Addressee,
    hours: Sequence[ListedHours],
    agency: str,
    context: MailContext,
) -> PlannedEmail:
    """The "hours deemed approved" mail to one approver, listing what was deemed approved."""
    locale = language_or_danish(addressee.recipient.language)
    company = single_line(company_name) if company_name else LABELS["company"][locale]
    return _render(
        kind=EmailKind.DEEMED_APPROVED,
        event_id=event_id,
        addressee=addressee,
        subject=DEEMED_SUBJECT[locale].format(company=company),
        intro=DEEMED_INTRO[locale].format(company=company),
        hours=hours,
        total_label=LABELS["deemed"][locale],
        link_label=LABELS["see"][locale],
        footer=_footer(agency, addressee.role, company, locale),
        context=context,
        locale=locale,
    )
