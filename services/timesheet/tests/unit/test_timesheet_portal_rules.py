"""The portal's pure parts: reasons, months, h:mm, who a logged-in approver acts as, the catalogue in both
languages, and every page rendering in both languages. (Login links, their rate limit and sessions are the
identity owner's: their rules are tested in placement.)"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime

import pytest
from starlette.requests import Request

from timesheet.approvals.models import IsoWeek, PendingCitizen, PendingWeek
from timesheet.entries.models import Entry, EntryStatus
from timesheet.portal.i18n import CATALOGUE, LOCALES, Translator
from timesheet.portal.models import (
    Flash,
    PortalSession,
    ReasonProblem,
    hours_and_minutes,
    next_month,
    parse_month,
    previous_month,
    reason_problem,
)
from timesheet.portal.pages import render
from vikar_shared.auth.principal import Role
from vikar_shared.web.i18n import catalogue_problems

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("minutes", "text"), [(0, "0:00"), (15, "0:15"), (135, "2:15"), (720, "12:00"), (6000, "100:00"), (-65, "-1:05")]
)
def test_minutes_are_written_as_h_mm(minutes: int, text: str) -> None:
    assert hours_and_minutes(minutes) == text


@pytest.mark.parametrize(
    ("reason", "problem"),
    [
        ("ok", ReasonProblem.TOO_SHORT),
        ("", ReasonProblem.TOO_SHORT),
        ("Syg", None),
        ("x" * 1000, None),
        ("x" * 1001, ReasonProblem.TOO_LONG),
        ("bad\x00day", ReasonProblem.INVALID_CHARACTER),
    ],
)
def test_reason_rules_match_the_api(reason: str, problem: ReasonProblem | None) -> None:
    assert reason_problem(reason) is problem


def test_months_parse_and_step_across_years() -> None:
    assert parse_month("2026-11") == date(2026, 11, 1)
    assert [parse_month(raw) for raw in ("2026-13", "2026-00", "26-11", "2026-1", None, "x")] == [None] * 6
    assert next_month(date(2026, 12, 1)) == date(2027, 1, 1)
    assert previous_month(date(2026, 1, 1)) == date(2025, 12, 1)
    assert previous_month(date(2026, 11, 1)) == date(2026, 10, 1)


def test_the_session_acts_as_a_company_approver_of_its_company() -> None:
    company_id = uuid.uuid4()
    session = PortalSession(uuid.uuid4(), company_id, "bo@bager.dk", "Bo", "Bager", "csrf", "da", NOW)
    principal = session.principal
    assert (principal.role, principal.company_id, principal.subject) == (
        Role.COMPANY_APPROVER,
        company_id,
        "bo@bager.dk",
    )
    assert principal.may_see_company(company_id)
    assert not principal.may_see_company(uuid.uuid4())


def test_every_string_exists_in_danish_and_english_with_the_same_placeholders() -> None:
    # The shared check every page site runs: each key in every language, no empty text, same placeholders.
    assert catalogue_problems(CATALOGUE) == []


def test_dates_and_instants_in_each_language_on_copenhagen_time() -> None:
    da, en = Translator("da"), Translator("en")
    day = date(2026, 11, 16)
    assert (da.day(day), en.day(day)) == ("mandag 16. november", "Monday 16 November")
    assert (da.short_day(day), en.short_day(day)) == ("man. 16.11.", "Mon 16/11")
    assert (da.month(date(2026, 3, 1)), en.month(date(2026, 3, 1))) == ("marts 2026", "March 2026")
    assert da.instant(datetime(2026, 11, 27, 13, 5, tzinfo=UTC)) == "27. november 2026 kl. 14:05"
    assert en.instant(datetime(2026, 7, 1, 13, 5, tzinfo=UTC)) == "1 July 2026, 15:05"


def test_counts_agree_in_number() -> None:
    da = Translator("da")
    assert da.plural("pending_summary", 1, hours="0:45") == "1 registrering venter, i alt 0:45 timer."
    assert da.plural("pending_summary", 2, hours="1:45") == "2 registreringer venter, i alt 1:45 timer."
    assert da.message("flash_approved_many", {"count": 1}) == "1 registrering er godkendt."
    assert da.message("flash_skipped", {"count": 2}).startswith("2 var allerede afgjort")


def _request(path: str = "/portal/pending") -> Request:
    return Request({"type": "http", "method": "GET", "path": path, "query_string": b"", "headers": []})


def _entry(status: EntryStatus, minutes: int = 240, reason: str | None = None) -> Entry:
    decided = status is not EntryStatus.SUBMITTED
    return Entry(
        id=uuid.uuid4(),
        submission_id=uuid.uuid4(),
        placement_id=uuid.uuid4(),
        company_id=uuid.uuid4(),
        citizen_name="Ida <b>Jensen</b>",
        work_date=date(2026, 11, 16),
        minutes=minutes,
        status=status,
        version=2 if decided else 1,
        submitted_by="anna",
        submitted_at=NOW,
        decided_by="bo@bager.dk" if decided else None,
        decided_at=NOW if decided else None,
        rejection_reason=reason,
        citizen_id=uuid.uuid4(),
        bill_rate_ore_per_hour=15_500,
    )


def _pages() -> list[tuple[str, dict[str, object]]]:
    session = PortalSession(
        uuid.uuid4(), uuid.uuid4(), "bo@bager.dk", "Bo", "Bager Hansen ApS", "csrf-token", "da", NOW
    )
    pending = _entry(EntryStatus.SUBMITTED)
    week = PendingWeek(IsoWeek(2026, 47), [PendingCitizen(pending.citizen_id, pending.citizen_name, [pending])])
    logged_in = {"session": session, "csrf_token": session.csrf_token}
    rejected = _entry(EntryStatus.REJECTED, 90, "Syg")
    return [
        (
            "portal/message.html",
            {
                "title": "no_access_title",
                "text": "no_access_text",
                "link": ("/auth/login?next=%2Fportal%2Fpending", "log_in_again"),
            },
        ),
        ("portal/message.html", {"title": "csrf_title", "text": "csrf_text", "link": None}),
        (
            "portal/pending.html",
            {
                **logged_in,
                "nav": "pending",
                "weeks": [(week, [pending])],
                "all_entries": [pending],
                "total_minutes": 240,
                "flash": [Flash("flash_approved_many", {"count": 2})],
            },
        ),
        ("portal/pending.html", {**logged_in, "nav": "pending", "weeks": [], "all_entries": [], "total_minutes": 0}),
        ("portal/reject.html", {**logged_in, "entry": pending, "reason": "", "error": "reason_too_short"}),
        ("portal/already_decided.html", {**logged_in, "entry": _entry(EntryStatus.APPROVED)}),
        ("portal/already_decided.html", {**logged_in, "entry": rejected}),
        ("portal/already_decided.html", {**logged_in, "entry": pending}),
        (
            "portal/changed.html",
            {**logged_in, "changed": [pending, _entry(EntryStatus.SUBMITTED, 600)], "shown": {pending.id: 1}},
        ),
        (
            "portal/changed.html",
            {**logged_in, "changed": [pending], "shown": {pending.id: 0}, "nothing_done": "changed_nothing_rejected"},
        ),
        (
            "portal/history.html",
            {
                **logged_in,
                "nav": "history",
                "month": date(2026, 11, 1),
                "previous": date(2026, 10, 1),
                "following": None,
                "entries": [rejected],
                "totals": [],
            },
        ),
    ]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(("template", "context"), _pages(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_page_renders_in_both_languages_escaped_and_labelled(
    locale: str, template: str, context: dict[str, object]
) -> None:
    response = render(_request(), template, Translator(locale), **context)

    html = bytes(response.body).decode()
    assert f'<html lang="{locale}">' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "<b>Jensen</b>" not in html  # names are escaped
    for field_id in re.findall(r'<(?:input|textarea)[^>]*\sid="([^"]+)"', html):
        assert f'<label for="{field_id}">' in html, field_id
    assert not re.search(r"<button[^>]*>\s*</button>", html)


def test_the_pending_page_offers_no_approve_button_naming_more_entries_than_one_action_takes() -> None:
    pending = [_entry(EntryStatus.SUBMITTED, 60), _entry(EntryStatus.SUBMITTED, 60)]
    week = PendingWeek(IsoWeek.of(pending[0].work_date), [PendingCitizen(uuid.uuid4(), "Ida", pending)])
    context = {"weeks": [(week, pending)], "all_entries": pending, "total_minutes": 120, "nav": "pending"}

    within = bytes(render(_request(), "portal/pending.html", Translator("da"), **context).body).decode()
    beyond = bytes(
        render(_request(), "portal/pending.html", Translator("en"), max_per_action=1, **context).body
    ).decode()

    assert 'action="/portal/approve"' in within and "Godkend alle (2 registreringer)" in within
    assert 'action="/portal/approve"' not in beyond
    assert "More than 1 entries are waiting, so approve them week by week or one at a time." in beyond
