"""Identity's pure rules (ported from timesheet's portal rules when login moved here, issue 7): secrets,
link states, the login rate limit, the derived CSRF value, addresses, safe redirects, access claims."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from placement.identity.i18n import CATALOGUE, Translator
from placement.identity.models import (
    DEFAULT_NEXT,
    MUNICIPALITY_HOME,
    Backoff,
    LinkState,
    LoginPolicy,
    Person,
    RecentRequests,
    Session,
    access_claims,
    csrf_for,
    digest,
    landing,
    link_state,
    login_link,
    login_wait,
    looks_like_email,
    new_secret,
    normalise_email,
    rate_limit_client,
    retry_after_seconds,
    safe_next,
    same_secret,
)
from vikar_shared.auth.principal import Role
from vikar_shared.web.i18n import PAGE_CATALOGUE, catalogue_problems

NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
POLICY = LoginPolicy(
    link_ttl=timedelta(minutes=15),
    window=timedelta(minutes=10),
    per_email=Backoff(free=3, base=timedelta(seconds=5), cap=timedelta(seconds=60)),
    per_client=Backoff(free=10, base=timedelta(seconds=5), cap=timedelta(seconds=60)),
    session_ttl=timedelta(hours=8),
)


def test_secrets_are_256_bit_url_safe_and_stored_as_sha256() -> None:
    first, second = new_secret(), new_secret()
    assert first != second
    assert len(first) == 43 and re.fullmatch(r"[A-Za-z0-9_-]+", first)
    assert len(digest(first)) == 32
    assert digest(first) == digest(first) != digest(second)
    assert same_secret(first, first)
    assert not same_secret(first, second)
    assert not same_secret(first, None)


def test_the_link_points_below_auth_on_the_origin() -> None:
    assert login_link("https://vikarmodel.example/", "abc") == "https://vikarmodel.example/auth/login/abc"


@pytest.mark.parametrize(
    ("found", "used_at", "expires_at", "state"),
    [
        (False, None, None, LinkState.UNKNOWN),
        (True, None, NOW + timedelta(seconds=1), LinkState.VALID),
        (True, None, NOW, LinkState.EXPIRED),
        (True, NOW - timedelta(minutes=1), NOW + timedelta(minutes=5), LinkState.USED),
        # Used and since expired: "used" tells the person more.
        (True, NOW - timedelta(minutes=20), NOW - timedelta(minutes=5), LinkState.USED),
    ],
)
def test_link_states(found: bool, used_at: datetime | None, expires_at: datetime | None, state: LinkState) -> None:
    assert link_state(found=found, used_at=used_at, expires_at=expires_at, now=NOW) is state


def _recent(count: int, seconds_ago: float | None) -> RecentRequests:
    return RecentRequests(count, None if seconds_ago is None else NOW - timedelta(seconds=seconds_ago))


@pytest.mark.parametrize(
    ("by_email", "by_client", "wait_seconds"),
    [
        ((0, None), (0, None), 0),
        ((2, 0), (9, 0), 0),  # still within the free requests
        ((3, 0), (3, 0), 5),  # the address's fourth: 5 s after the third
        ((3, 2), (3, 2), 3),
        ((3, 5), (3, 5), 0),
        ((4, 0), (0, None), 10),
        ((6, 0), (0, None), 40),
        ((7, 0), (0, None), 60),  # capped
        ((10_000, 0), (0, None), 60),  # however many: never more than the cap
        ((0, None), (10, 1), 4),  # the client's eleventh
        ((4, 0), (12, 0), 20),  # the longer of the two
    ],
)
def test_the_login_rate_limit_is_a_doubling_backoff_capped_at_a_minute(
    by_email: tuple[int, float | None], by_client: tuple[int, float | None], wait_seconds: int
) -> None:
    wait = login_wait(_recent(*by_email), _recent(*by_client), POLICY, NOW)
    assert wait == timedelta(seconds=wait_seconds)


def test_retry_after_is_whole_seconds_rounded_up_and_at_least_one() -> None:
    assert retry_after_seconds(timedelta(seconds=4, milliseconds=1)) == 5
    assert retry_after_seconds(timedelta(milliseconds=1)) == 1
    assert retry_after_seconds(timedelta(seconds=60)) == 60


def test_the_csrf_value_derives_from_the_refresh_secret_and_is_not_its_stored_digest() -> None:
    secret = new_secret()
    csrf = csrf_for(secret)
    assert csrf == csrf_for(secret) != csrf_for(new_secret())
    assert len(csrf) == 43 and re.fullmatch(r"[A-Za-z0-9_-]+", csrf)
    assert csrf.encode() != digest(secret) and secret not in csrf
    assert not same_secret("", "")  # an empty expected value matches nothing


@pytest.mark.parametrize(
    ("raw", "ok"),
    [("bo@bager.dk", True), ("Bo.Hansen+tid@bager.co.uk", True), ("bo", False), ("bo@", False), ("a b@c.dk", False)],
)
def test_only_address_shaped_input_is_looked_up(raw: str, ok: bool) -> None:
    assert looks_like_email(normalise_email(raw)) is ok


def test_addresses_are_compared_trimmed_and_lower_cased() -> None:
    assert normalise_email("  Bo@Bager.DK ") == "bo@bager.dk"


@pytest.mark.parametrize(
    ("host", "client"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),  # the same subscriber's network: one client
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("testclient", "testclient"),
    ],
)
def test_the_per_client_limit_counts_ipv6_by_its_64(host: str, client: str) -> None:
    assert rate_limit_client(host) == client


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("/portal/pending", True),
        ("/portal/history?month=2026-11", True),
        ("/kommune/borgere#top", True),
        (None, False),
        ("", False),
        ("//evil.example/", False),
        ("https://evil.example/", False),
        ("/\\evil.example", False),
        ("/\t/evil.example", False),
        ("/portal\r\nSet-Cookie: x=1", False),
        ("http:/evil", False),
        ("portal/pending", False),
        ("/" + "a" * 2000, False),
    ],
)
def test_next_is_a_path_on_this_origin_or_the_default(raw: str | None, kept: bool) -> None:
    assert safe_next(raw) == (raw if kept else DEFAULT_NEXT)


def test_an_access_token_lives_5_minutes_never_past_its_session() -> None:
    person = Person(email="bo@bager.dk", role=Role.COMPANY_APPROVER, company_id=uuid.uuid4())
    session = Session(uuid.uuid4(), person, "da", created_at=NOW, expires_at=NOW + timedelta(hours=8))

    early = access_claims(session, "c" * 43, NOW, POLICY.access_ttl)
    late = access_claims(session, "c" * 43, NOW + timedelta(hours=8, minutes=-2), POLICY.access_ttl)

    assert early.expires_at - early.issued_at == timedelta(minutes=5)
    assert late.expires_at == session.expires_at
    assert (early.subject, early.company_id, early.session_id) == (person.email, person.company_id, session.session_id)
    assert session.not_after(NOW + timedelta(hours=1)) == NOW + timedelta(hours=1, minutes=15)
    assert session.not_after(NOW + timedelta(hours=7, minutes=55)) == session.expires_at


def test_every_string_exists_in_danish_and_english_with_the_same_placeholders() -> None:
    # The shared check every page site runs: each key in every language, no empty text, same placeholders.
    assert catalogue_problems(CATALOGUE) == []


def test_the_login_pages_words_are_the_shared_page_words_plus_their_own() -> None:
    assert {k: CATALOGUE[k] for k in PAGE_CATALOGUE} == PAGE_CATALOGUE
    assert Translator("en")("page_not_found_title") == "Page not found"
    assert (
        Translator("da")
        .plural("check_email_text", 15)
        .endswith("Linket virker i 15 minutter og kan kun bruges én gang.")
    )


@pytest.mark.parametrize(
    ("key", "count", "da", "en"),
    [
        ("rate_limited_text", 1, "Vent 1 sekund, og prøv igen.", "Wait 1 second and try again."),
        ("rate_limited_text", 5, "Vent 5 sekunder, og prøv igen.", "Wait 5 seconds and try again."),
        ("check_email_text", 1, "virker i 1 minut og", "works for 1 minute and"),
        ("link_expired_text", 1, "virker kun i 1 minut.", "only works for 1 minute."),
        ("link_expired_text", 15, "virker kun i 15 minutter.", "only works for 15 minutes."),
    ],
)
def test_the_login_pages_counts_agree_in_number(key: str, count: int, da: str, en: str) -> None:
    # The message pages pick <key>_one by their ``count`` param (t.message); "Vent 1 sekunder" was wrong.
    assert da in Translator("da").message(key, {"count": count})
    assert en in Translator("en").message(key, {"count": count})


def test_a_municipality_user_lands_on_the_municipality_pages_unless_the_link_named_another_page() -> None:
    user = Person(email="mette@aalborg.dk", role=Role.MUNICIPALITY, municipality_id=uuid.uuid4())
    approver = Person(email="bo@bager.dk", role=Role.COMPANY_APPROVER, company_id=uuid.uuid4())

    assert MUNICIPALITY_HOME == "/municipality/"
    assert landing(user, safe_next(None)) == landing(user, DEFAULT_NEXT) == "/municipality/"
    assert landing(user, safe_next("//evil.example")) == "/municipality/"
    assert landing(user, "/municipality/statements") == "/municipality/statements"
    assert landing(approver, safe_next(None)) == DEFAULT_NEXT
    assert landing(approver, "/portal/history?month=2026-11") == "/portal/history?month=2026-11"


def test_the_login_pages_speak_to_approvers_and_municipality_users_in_both_languages() -> None:
    for key in ("login_intro", "check_email_text"):
        danish, english = Translator("da")(key, count=15), Translator("en")(key, count=15)
        assert "virksomhed" in danish and "kommune" in danish, key
        assert "compan" in english and "municipalit" in english, key
