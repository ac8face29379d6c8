import re
import uuid
from datetime import date

from notifications.companies.models import Approver, unique_approvers
from notifications.emails.models import EmailKind, MailContext, domain_of, message_id_for
from notifications.submissions.approval_mail import plan_approval_email, render_body, render_html
from notifications.submissions.models import Submission, SubmittedHours

COMPANY = uuid.UUID("11111111-1111-1111-1111-111111111111")
EVENT = uuid.UUID("22222222-2222-2222-2222-222222222222")
CONTEXT = MailContext(portal_base_url="https://portal.example.dk/", message_id_domain="vikarmodel.dk")
CORRECTED = uuid.UUID("44444444-4444-4444-4444-444444444444")


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
    body = render_body(submission, Approver("anne@example.dk", "Anne Jensen"), CONTEXT, "Bager Hansen ApS")
    assert body == (
        "Hej Anne Jensen,\n"
        "\n"
        "Vikarmodellen har registreret timer for Mette Hansen, som venter på jeres godkendelse:\n"
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
        "Du får denne mail fra Vikarmodellen, fordi du godkender timer for Bager Hansen ApS.\n"
        "\n"
        "Med venlig hilsen\n"
        "Vikarmodellen\n"
    )


def test_body_has_no_decimal_hours() -> None:
    submission = _submission((date(2026, 1, 12), 90), (date(2026, 1, 13), 20))
    body = render_body(submission, Approver("anne@example.dk", "Anne"), CONTEXT)
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
    assert email.language == "da"
    assert email.html_body is not None and '<html lang="da">' in email.html_body
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


def _with_correction() -> Submission:
    return Submission(
        event_id=EVENT,
        submission_id=uuid.uuid4(),
        placement_id=uuid.uuid4(),
        company_id=COMPANY,
        citizen_name="Mette Hansen",
        entries=(
            SubmittedHours(uuid.uuid4(), date(2026, 1, 12), 150),
            SubmittedHours(uuid.uuid4(), date(2026, 1, 13), -60, CORRECTED),
        ),
    )


def test_a_correction_line_is_marked_as_a_correction_with_its_signed_minutes() -> None:
    body = render_body(_with_correction(), Approver("anne@example.dk", "Anne"), CONTEXT, "Bager ApS")

    assert "har indsendt" not in body
    assert "Vikarmodellen har registreret timer for Mette Hansen" in body
    assert re.search(r"  mandag 12\. januar 2026 +2:30\n", body)
    assert re.search(r"  tirsdag 13\. januar 2026 +rettelse: −1:00\n", body)
    assert re.search(r"I alt +1:30\n", body)
    assert "En rettelse ændrer timer, der allerede er registreret" in body
    # Ordinary hours are not called a correction.
    plain = render_body(_submission((date(2026, 1, 12), 60)), Approver("anne@example.dk", "Anne"), CONTEXT)
    assert "rettelse" not in plain


def test_english_variant_for_an_approver_who_prefers_english() -> None:
    approver = Approver("anne@example.dk", "Anne Jensen", "en")
    context = MailContext("https://portal.example.dk/", "vikarmodel.dk", agency_name="Jobbro Vikar")

    email = plan_approval_email(_with_correction(), approver, context, "Bager ApS")

    assert email.language == "en"
    assert email.subject == "Hours await your approval: Mette Hansen"
    assert email.body.startswith(
        "Dear Anne Jensen,\n\nJobbro Vikar has registered hours for Mette Hansen that await your approval:\n"
    )
    assert re.search(r"  Tuesday 13 January 2026 +correction: −1:00\n", email.body)
    assert re.search(r"Total +1:30\n", email.body)
    assert "Approve or reject the hours here:\nhttps://portal.example.dk/portal/pending\n" in email.body
    assert "You receive this mail from Jobbro Vikar because you approve hours for Bager ApS.\n" in email.body
    assert email.body.endswith("Kind regards\nVikarmodellen\n")
    assert email.html_body is not None
    assert '<html lang="en">' in email.html_body
    assert "<em>correction: −1:00</em>" in email.html_body
    assert "because you approve hours for Bager ApS." in email.html_body
    # The same Message-ID whatever the language: idempotency is the event and the address.
    assert email.message_id == message_id_for(EVENT, "anne@example.dk", "vikarmodel.dk")


def test_html_part_lists_the_hours_links_the_portal_and_escapes_names() -> None:
    submission = _submission((date(2026, 1, 12), 75), citizen="Mette <b>Hansen</b>")
    context = MailContext("https://portal.example.dk/", "vikarmodel.dk", agency_name="A & B Vikar")

    html = render_html(submission, Approver("anne@example.dk", "Anne <i>"), context, "Bager & Søn")

    assert "<b>Hansen</b>" not in html and "Mette &lt;b&gt;Hansen&lt;/b&gt;" in html
    assert "Hej Anne &lt;i&gt;," in html
    assert "A &amp; B Vikar har registreret timer for" in html
    assert "<td>" in html and "1:15" in html
    assert '<a href="https://portal.example.dk/portal/pending">Godkend eller afvis timerne her</a>' in html
    assert "Du får denne mail fra A &amp; B Vikar, fordi du godkender timer for Bager &amp; Søn." in html


def test_unknown_company_name_gives_a_generic_footer() -> None:
    body = render_body(_submission((date(2026, 1, 12), 60)), Approver("anne@example.dk", "Anne"), CONTEXT)

    assert "Du får denne mail fra Vikarmodellen, fordi du godkender timer for jeres virksomhed.\n" in body
