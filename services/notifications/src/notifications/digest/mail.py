"""The consultant digest mail (issue 14): Danish or English (the consultant's directory language), text and HTML
parts from ``templates/mail/consultant_digest.<lang>.txt|html``, the agency's name and a footer saying why the
consultant gets it."""

from __future__ import annotations

import uuid

from notifications.digest.models import Digest
from notifications.directory.models import StaffMember, language_or_danish
from notifications.emails.footer import DEFAULT_AGENCY, agency_of
from notifications.emails.formatting import format_minutes
from notifications.emails.models import EmailKind, MailContext, PlannedEmail, message_id_for, single_line
from notifications.emails.templates import MAIL
from vikar_shared.web.formatting import day_with_year

SUBJECTS = {"da": "Din uge hos {agency}: {week}", "en": "Your week at {agency}: {week}"}
GREETINGS = {"da": "Hej {name},", "en": "Dear {name},"}
ACTIVITIES = {
    "da": {
        "follow_up_day_7": "opfølgning dag 7",
        "follow_up_day_30": "opfølgning dag 30",
        "follow_up_day_90": "opfølgning dag 90",
    },
    "en": {
        "follow_up_day_7": "day-7 follow-up",
        "follow_up_day_30": "day-30 follow-up",
        "follow_up_day_90": "day-90 follow-up",
    },
}


def render(digest: Digest, consultant: StaffMember, agency: str = DEFAULT_AGENCY) -> tuple[str, str, str, str]:
    """(language, subject, text, html) of the digest for ``consultant``, signed with ``agency``'s name."""
    lang = language_or_danish(consultant.language)
    subject = SUBJECTS[lang].format(agency=agency, week=digest.week)
    greeting = GREETINGS[lang].format(name=single_line(consultant.name))
    context = {
        "agency": agency,
        "week": digest.week,
        "follow_ups": [
            {
                "citizen": single_line(f.citizen_name),
                "company": single_line(f.company_name),
                "what": ACTIVITIES[lang].get(f.activity_type, f.activity_type),
                "due": day_with_year(f.due_on, lang),
                "overdue": f.overdue,
            }
            for f in digest.follow_ups
        ],
        "openings": [
            {
                "company": single_line(o.company_name),
                "job": single_line(o.job_category),
                "due": day_with_year(o.follow_up_due_on, lang),
            }
            for o in digest.openings
        ],
        "pending": [
            {
                "citizen": single_line(p.citizen_name),
                "week": p.week,
                "minutes": p.minutes,
                "hours": format_minutes(p.minutes),
                "days": p.working_days,
            }
            for p in digest.pending
        ],
        "quiet": [
            {
                "citizen": single_line(q.citizen_name),
                "last": day_with_year(q.last_work_date, lang) if q.last_work_date else None,
            }
            for q in digest.quiet
        ],
    }
    text = MAIL.text_part(f"mail/consultant_digest.{lang}.txt", greeting=greeting, locale=lang, **context)
    html = MAIL.html_part(
        f"mail/consultant_digest.{lang}.html", greeting=greeting, locale=lang, subject=subject, **context
    )
    return lang, subject, text, html


def plan_digest_mail(
    digest: Digest, consultant: StaffMember, event_id: uuid.UUID, context: MailContext
) -> PlannedEmail:
    """The one mail of a digest request, keyed by ``event_id`` (``digest_event_id``)."""
    lang, subject, text, html = render(digest, consultant, agency_of(context))
    return PlannedEmail(
        kind=EmailKind.CONSULTANT_DIGEST,
        event_id=event_id,
        recipient=consultant.email,
        recipient_name=single_line(consultant.name),
        subject=subject,
        body=text,
        message_id=message_id_for(event_id, consultant.email, context.message_id_domain),
        html_body=html,
        language=lang,
    )
