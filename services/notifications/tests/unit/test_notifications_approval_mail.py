import re
import uuid
from datetime import date

from notifications.companies.models import Approver, unique_approvers
from notifications.emails.models import EmailKind, MailContext, domain_of, message_id_for
from notifications.submissions.approval_mail import plan_approval_email, render_body
from notifications.submissions.models import Submission, SubmittedHours

COMPANY = uuid.UUID("11111111-1111-1111-1111-111111111111")
EVENT = uuid.UUID("22222222-2222-2222-2222-222222222222")
CONTEXT = MailContext(portal_base_url="https://portal.example.dk/", message_id_domain="vikarmodel.dk")


def _submission(*entries: tuple[date, int], citizen: str = "Mette Hansen") -> Submission:
    return Submission(
        event_id=EVENT,
        submission_id=uuid.uuid4(),
        placement_id=uuid.uuid4(),
        company_id=COMPANY,
        citizen_name=citizen,
        entries=tuple(SubmittedHours(uuid.uuid4(), d, m) for d, m in entries),
    )


def test_body_lists_each_entry_in_date_order_with_total_and_link() -> None:
    submission = _submission((date(2026, 1, 13), 75), (date(2026, 1, 12), 150), (date(2026, 1, 14), 45))
    body = render_body(submission, Approver("anne@example.dk", "Anne Jensen"), CONTEXT.portal_base_url)
    assert body == (
        "Hej Anne Jensen,\n"
        "\n"
        "Mette Hansen har indsendt timer, som venter på jeres godkendelse:\n"
        "\n"
        "  mandag 12. januar 2026   2:30\n"
        "  tirsdag 13. januar 2026  1:15\n"
        "  onsdag 14. januar 2026   0:45\n"
        "\n"
        "  I alt                    4:30\n"
        "\n"
        "Godkend eller afvis timerne her:\n"
        "https://portal.example.dk/portal/pending\n"
        "\n"
        "Med venlig hilsen\n"
        "Vikarmodellen\n"
    )


def test_body_has_no_decimal_hours() -> None:
    submission = _submission((date(2026, 1, 12), 90), (date(2026, 1, 13), 20))
    body = render_body(submission, Approver("anne@example.dk", "Anne"), CONTEXT.portal_base_url)
    without_dates = re.sub(r"\d+\. \w+ \d{4}", "", body)
    assert not re.search(r"\d[.,]\d", without_dates)
    assert "1:30" in body
    assert "0:20" in body
    assert re.search(r"I alt\s+1:50\n", body)


def test_planned_email_has_danish_subject_and_deterministic_message_id() -> None:
    submission = _submission((date(2026, 1, 12), 60), citizen="Mette\n Hansen")
    email = plan_approval_email(submission, Approver("anne@example.dk", "Anne Jensen"), CONTEXT)
    assert email.kind is EmailKind.HOURS_SUBMITTED
    assert email.subject == "Timer venter på godkendelse: Mette Hansen"
    assert email.recipient == "anne@example.dk"
    assert email.event_id == EVENT
    again = plan_approval_email(submission, Approver("anne@example.dk", "Anne Jensen"), CONTEXT)
    assert email.message_id == again.message_id
    other = plan_approval_email(submission, Approver("bo@example.dk", "Bo"), CONTEXT)
    assert other.message_id != email.message_id
    assert re.fullmatch(r"<[0-9a-f-]{36}@vikarmodel\.dk>", email.message_id)


def test_message_id_ignores_address_case_but_not_the_event() -> None:
    assert message_id_for(EVENT, "Anne@Example.dk", "x.dk") == message_id_for(EVENT, "anne@example.dk", "x.dk")
    assert message_id_for(uuid.uuid4(), "anne@example.dk", "x.dk") != message_id_for(EVENT, "anne@example.dk", "x.dk")


def test_approvers_are_normalised_and_each_address_kept_once() -> None:
    approvers = unique_approvers([(" Anne@Example.dk ", "Anne  Jensen"), ("anne@example.dk", "Other"), ("", "Nobody")])
    assert approvers == (Approver("anne@example.dk", "Anne Jensen"),)


def test_message_id_domain_comes_from_the_sender_address() -> None:
    assert domain_of("Vikarmodellen <noreply@mail.vikarmodel.dk>") == "mail.vikarmodel.dk"
    assert domain_of("not an address") == "vikarmodel.dk"
