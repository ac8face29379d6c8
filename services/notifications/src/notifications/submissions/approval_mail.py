"""The "hours await your approval" e-mail (Danish), one per approver of the submission's company."""

from __future__ import annotations

from notifications.companies.models import Approver
from notifications.emails.formatting import format_date, format_minutes
from notifications.emails.models import EmailKind, MailContext, PlannedEmail, message_id_for, single_line
from notifications.emails.templates import MAIL
from notifications.submissions.models import Submission

SUBJECT = "Timer venter på godkendelse: {citizen}"
TOTAL_LABEL = "I alt"


def approval_link(portal_base_url: str) -> str:
    return f"{portal_base_url.rstrip('/')}/portal/pending"


def render_body(submission: Submission, approver: Approver, portal_base_url: str) -> str:
    citizen = single_line(submission.citizen_name)
    rows = [(format_date(e.work_date), format_minutes(e.minutes)) for e in submission.entries_in_date_order]
    total = (TOTAL_LABEL, format_minutes(submission.total_minutes))
    label_width = max(len(label) for label, _ in [*rows, total])
    value_width = max(len(value) for _, value in [*rows, total])

    def line(label: str, value: str) -> str:
        return f"  {label.ljust(label_width)}  {value.rjust(value_width)}"

    return MAIL.text_part(
        "mail/hours_submitted.txt",
        greeting=f"Hej {single_line(approver.name)},",
        locale="da",
        citizen=citizen,
        rows=[line(label, value) for label, value in rows],
        total=line(*total),
        link=approval_link(portal_base_url),
    )


def plan_approval_email(submission: Submission, approver: Approver, context: MailContext) -> PlannedEmail:
    return PlannedEmail(
        kind=EmailKind.HOURS_SUBMITTED,
        event_id=submission.event_id,
        recipient=approver.email,
        recipient_name=single_line(approver.name),
        subject=SUBJECT.format(citizen=single_line(submission.citizen_name)),
        body=render_body(submission, approver, context.portal_base_url),
        message_id=message_id_for(submission.event_id, approver.email, context.message_id_domain),
    )
