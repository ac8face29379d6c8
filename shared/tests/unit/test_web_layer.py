"""The shared web layer: Babel formatting, the catalogue mechanism, CSRF helpers, the layout, the
stylesheet under a service's prefix, and the mail base."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi import Depends, FastAPI
from fastapi.responses import Response
from fastapi.testclient import TestClient
from starlette.requests import Request

from vikar_shared.errors import Category, DomainError
from vikar_shared.http.query import refuse_repeated_query_keys
from vikar_shared.logging import correlation_id_var
from vikar_shared.web import csrf, formatting
from vikar_shared.web.forms import FormInvalidError
from vikar_shared.web.i18n import LAYOUT_CATALOGUE, PAGE_CATALOGUE, Translator, catalogue_problems
from vikar_shared.web.language import remember_language, session_locale, visitor_locale
from vikar_shared.web.mail import MailTemplates
from vikar_shared.web.pages import SECURITY_HEADERS, make_environment, render_page
from vikar_shared.web.site import PageSite, ends_on_a_page, install_page_error_pages
from vikar_shared.web.static import stylesheet_path, stylesheet_router


@pytest.mark.parametrize(
    ("ore", "da", "en"),
    [
        (123456, "1.234,56\xa0kr.", "DKK\xa01,234.56"),
        (0, "0,00\xa0kr.", "DKK\xa00.00"),
        (5, "0,05\xa0kr.", "DKK\xa00.05"),
        (-5, "-0,05\xa0kr.", "-DKK\xa00.05"),
        (100, "1,00\xa0kr.", "DKK\xa01.00"),
        (28448, "284,48\xa0kr.", "DKK\xa0284.48"),
        (-1125000, "-11.250,00\xa0kr.", "-DKK\xa011,250.00"),
        (123456789012, "1.234.567.890,12\xa0kr.", "DKK\xa01,234,567,890.12"),
        # Beyond a float's exact range: still exact to the øre.
        (12345678901234567891, "123.456.789.012.345.678,91\xa0kr.", "DKK\xa0123,456,789,012,345,678.91"),
    ],
)
def test_ore_are_written_as_kroner_the_page_languages_way(ore: int, da: str, en: str) -> None:
    # Issue 10 (F10b) deliberately changed English: it was the Danish notation ("284,48 kr.") on English pages.
    assert formatting.kroner(ore) == da
    assert formatting.kroner(ore, "da") == da
    assert Translator("da").kroner(ore) == da
    assert formatting.kroner(ore, "en") == en
    assert Translator("en").kroner(ore) == en


@pytest.mark.parametrize(
    ("minutes", "text"), [(0, "0:00"), (5, "0:05"), (135, "2:15"), (6000, "100:00"), (-65, "-1:05")]
)
def test_minutes_are_written_h_mm(minutes: int, text: str) -> None:
    assert formatting.hours_minutes(minutes) == text


def test_dates_in_danish_and_english_from_babel() -> None:
    tuesday = date(2026, 11, 17)
    assert formatting.day(tuesday) == "tirsdag 17. november"
    assert formatting.day(tuesday, "en") == "Tuesday 17 November"
    assert formatting.day_with_year(date(2026, 3, 1)) == "søndag 1. marts 2026"
    assert [formatting.short_day(date(2026, 11, d)) for d in range(16, 23)] == [
        "man. 16.11.",
        "tir. 17.11.",
        "ons. 18.11.",
        "tor. 19.11.",
        "fre. 20.11.",
        "lør. 21.11.",
        "søn. 22.11.",
    ]
    assert formatting.short_day(tuesday, "en") == "Tue 17/11"
    assert formatting.full_date(tuesday) == "17. november 2026"
    assert formatting.month(date(2026, 5, 1), "en") == "May 2026"
    # Winter and summer time on the agency's clock.
    assert formatting.instant(datetime(2026, 1, 5, 23, 30, tzinfo=UTC)) == "6. januar 2026 kl. 00:30"
    assert formatting.instant(datetime(2026, 7, 1, 13, 5, tzinfo=UTC), "en") == "1 July 2026, 15:05"


def test_iso_weeks_at_the_turn_of_the_year() -> None:
    assert formatting.iso_week(date(2026, 1, 1)) == (2026, 1)
    assert formatting.iso_week(date(2027, 1, 1)) == (2026, 53)
    assert formatting.iso_week(date(2024, 12, 30)) == (2025, 1)
    assert Translator("da").week(date(2027, 1, 3)) == "Uge 53, 2026"
    assert Translator("en").week(date(2026, 11, 16)) == "Week 47, 2026"


def test_a_catalogue_with_a_text_in_one_language_or_differing_placeholders_is_reported() -> None:
    assert catalogue_problems(LAYOUT_CATALOGUE) == []
    assert catalogue_problems(PAGE_CATALOGUE) == []
    broken = {"a": {"da": "Hej {name}"}, "b": {"da": "{n} timer", "en": "{count} hours"}, "c": {"da": "", "en": "x"}}
    assert catalogue_problems(broken) == [
        "a: locales ['da'], expected ['da', 'en']",
        "b: the placeholders differ between the locales",
        "c: an empty text",
    ]


def test_csrf_tokens_compare_in_constant_time_and_the_double_submit_needs_both() -> None:
    token = csrf.new_token()
    assert len(token) == 43 and csrf.same_token(token, token)
    assert not csrf.same_token(token, token[:-1] + ("a" if token[-1] != "a" else "b"))
    assert not csrf.same_token(None, None) and not csrf.same_token("", "")
    assert csrf.double_submit_ok(token, token)
    assert not csrf.double_submit_ok(token, None)
    assert not csrf.double_submit_ok(None, token)
    assert not csrf.double_submit_ok("short", "short")  # not a token of ours
    assert csrf.reusable_token(token) == (token, False)
    fresh, is_new = csrf.reusable_token("short")
    assert is_new and fresh != "short" and len(fresh) == 43


def _request(path: str, query: bytes = b"a=1", cookie: str | None = None) -> Request:
    headers = [(b"cookie", cookie.encode())] if cookie else []
    return Request({"type": "http", "method": "GET", "path": path, "query_string": query, "headers": headers})


def test_the_layout_has_the_lang_skip_link_switch_and_the_stylesheet_under_the_prefix(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(
        '{% extends "vikar/layout.html" %}{% block title %}T{% endblock %}'
        "{% block main %}<form>{{ csrf_field(token) }}</form><p>{{ name }}</p>{% endblock %}",
        encoding="utf-8",
    )
    environment = make_environment([tmp_path])
    response = render_page(
        environment, _request("/auth/x"), "page.html", Translator("da"), static_prefix="/auth", token='t"<', name="<b>"
    )
    html = bytes(response.body).decode()
    assert '<html lang="da">' in html
    assert '<a class="skip-link" href="#main">Spring til indhold</a>' in html
    assert '<link rel="stylesheet" href="/auth/static/vikar.css">' in html
    assert 'href="/auth/x?a=1&amp;lang=en" lang="en" hreflang="en">English</a>' in html
    assert '<input type="hidden" name="csrf_token" value="t&#34;&lt;">' in html
    assert "<p>&lt;b&gt;</p>" in html
    assert all(response.headers[k] == v for k, v in SECURITY_HEADERS.items())


def test_the_stylesheet_is_served_under_each_service_prefix_without_collision() -> None:
    app = FastAPI()
    app.include_router(stylesheet_router("/portal"))
    app.include_router(stylesheet_router("/auth"))
    client = TestClient(app)
    for prefix in ("/portal", "/auth"):
        answer = client.get(stylesheet_path(prefix))
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/css")
        assert ".skip-link" in answer.text
    assert client.get("/static/vikar.css").status_code == 404
    with pytest.raises(ValueError, match="prefix of its own"):
        stylesheet_router("/")


def test_the_mail_base_lays_out_greeting_body_and_signature_in_text_and_html(tmp_path: Path) -> None:
    (tmp_path / "m.txt").write_text(
        '{% extends "vikar/mail/base.txt" %}\n{% block body %}\nLine <one>\n\n{{ link }}\n{% endblock %}\n',
        encoding="utf-8",
    )
    (tmp_path / "m.html").write_text(
        '{% extends "vikar/mail/base.html" %}{% block body %}<p>{{ link }}</p>{% endblock %}', encoding="utf-8"
    )
    mails = MailTemplates.over([tmp_path])
    text = mails.text_part("m.txt", greeting="Hej Bo,", locale="da", link="https://x/?a=1&b=2")
    assert text == "Hej Bo,\n\nLine <one>\n\nhttps://x/?a=1&b=2\n\nMed venlig hilsen\nVikarmodellen\n"
    html = mails.html_part("m.html", greeting="Hello <Bo>,", locale="en", subject="S", link="https://x/?a=1&b=2")
    assert '<html lang="en">' in html and "<p>Hello &lt;Bo&gt;,</p>" in html
    assert "<p>https://x/?a=1&amp;b=2</p>" in html and "<p>Kind regards<br>Vikarmodellen</p>" in html


class _SiteWords(Translator):
    catalogue = {
        **PAGE_CATALOGUE,
        "page_not_found_text": {"da": "Ingen side her.", "en": "No page here."},
        "home": {"da": "Til forsiden", "en": "To the front page"},
        "too_big": {"da": "Højst {max}.", "en": "At most {max}."},
        "wait": {"da": "Vent {count} sekunder.", "en": "Wait {count} seconds."},
        "wait_one": {"da": "Vent {count} sekund.", "en": "Wait {count} second."},
    }


def _site(tmp_path: Path, prefix: str) -> PageSite:
    (tmp_path / "message.html").write_text(
        '{% extends "vikar/layout.html" %}{% block title %}{{ t(title) }}{% endblock %}'
        '{% block main %}{% include "vikar/message_card.html" %}{% endblock %}',
        encoding="utf-8",
    )
    return PageSite(
        name=prefix.strip("/"),
        prefix=prefix,
        environment=make_environment([tmp_path]),
        translator=_SiteWords,
        message_template="message.html",
        home=(f"{prefix}/", "home"),
        status_messages={413: ("form_invalid_title", "too_big", {"max": 7})},
    )


def _visible(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_framework_errors_under_each_site_prefix_are_that_sites_pages_elsewhere_as_before(tmp_path: Path) -> None:
    app = FastAPI()

    @app.get("/a/page")
    async def page() -> dict[str, str]:
        return {}

    install_page_error_pages(app, _site(tmp_path, "/a"))
    install_page_error_pages(app, _site(tmp_path, "/b"))
    client = TestClient(app)

    unknown_a = client.get("/a/nothing")
    unknown_b = client.get("/b/nothing?lang=en")
    wrong_method = client.post("/a/page")
    elsewhere = client.get("/nothing")

    assert unknown_a.status_code == 404 and unknown_a.headers["content-type"].startswith("text/html")
    assert "Siden findes ikke Ingen side her. Til forsiden" in _visible(unknown_a.text)
    assert '<a href="/a/">Til forsiden</a>' in unknown_a.text
    assert '<link rel="stylesheet" href="/a/static/vikar.css">' in unknown_a.text
    assert "Page not found No page here." in _visible(unknown_b.text)
    assert '<link rel="stylesheet" href="/b/static/vikar.css">' in unknown_b.text
    assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "GET"
    assert wrong_method.headers["x-frame-options"] == "DENY"
    assert elsewhere.status_code == 404 and elsewhere.json() == {"detail": "Not Found"}


@pytest.mark.parametrize(
    ("raised", "status", "words"),
    [
        (csrf.CsrfRejectedError(), 403, "Handlingen blev afvist"),
        (FormInvalidError("form"), 422, "Formularen kunne ikke bruges"),
        (DomainError(Category.CONFLICT, "taken", "taken"), 409, "Noget gik galt"),
        (RuntimeError("boom"), 500, "Oplys denne reference, hvis du kontakter os: ref-1"),
        (LookupError("expected"), 410, "Højst 7."),
    ],
)
def test_a_failing_page_endpoint_ends_on_a_page(tmp_path: Path, raised: Exception, status: int, words: str) -> None:
    site = _site(tmp_path, "/a")

    def expected(request: Request, exc: Exception) -> Response | None:
        if isinstance(exc, LookupError):
            return site.message(request, "form_invalid_title", "too_big", status=410, params={"max": 7})
        return None

    app = FastAPI()

    @app.get("/a/fails")
    @ends_on_a_page(site, expected)
    async def fails(request: Request) -> Response:
        correlation_id_var.set("ref-1")  # the shared middleware's id of this request
        raise raised

    response = TestClient(app).get("/a/fails")

    assert response.status_code == status
    assert words in _visible(response.text) and "boom" not in response.text
    assert response.headers["content-security-policy"].startswith("default-src 'none'")


def test_a_repeated_query_key_on_a_page_is_the_sites_422_page(tmp_path: Path) -> None:
    """The shared refusal of a repeated query key (as ``create_service_app`` installs it) ends on the site's
    page there, in the visitor's language, and stays problem+json elsewhere."""
    app = FastAPI(dependencies=[Depends(refuse_repeated_query_keys)])

    @app.get("/a/list")
    async def listing(request: Request) -> dict[str, str | None]:
        return {"page": request.query_params.get("page")}

    @app.get("/api/list")
    async def api_listing(page: int = 1) -> dict[str, int]:
        return {"page": page}

    install_page_error_pages(app, _site(tmp_path, "/a"))
    client = TestClient(app)

    assert client.get("/a/list?page=2").json() == {"page": "2"}
    page = client.get("/a/list?page=1&page=2&lang=en")
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    assert "The address could not be used" in _visible(page.text), _visible(page.text)
    assert page.headers["x-frame-options"] == "DENY"
    api = client.get("/api/list?page=1&page=2")
    assert api.status_code == 422
    assert [(e["loc"], e["type"]) for e in api.json()["detail"]] == [(["query", "page"], "repeated")]


def test_a_message_page_with_a_count_agrees_in_number(tmp_path: Path) -> None:
    """A message page's text with a ``count`` param is the catalogue's ``<key>_one`` for exactly one (the
    login rate-limit page said "Vent 1 sekunder")."""
    site = _site(tmp_path, "/a")
    app = FastAPI()

    @app.get("/a/wait/{count}")
    async def wait(request: Request, count: int) -> Response:
        return site.message(request, "error_title", "wait", status=429, params={"count": count})

    client = TestClient(app)
    assert "Vent 1 sekund." in _visible(client.get("/a/wait/1").text)
    assert "Wait 1 second." in _visible(client.get("/a/wait/1?lang=en").text)
    assert "Vent 5 sekunder." in _visible(client.get("/a/wait/5").text)
    assert "Vent 0 sekunder." in _visible(client.get("/a/wait/0").text)


def test_the_language_of_a_page_one_cookie_for_the_origin() -> None:
    sid = uuid.uuid4()
    assert visitor_locale(_request("/auth/login")) == "da"
    assert visitor_locale(_request("/auth/login", cookie="vikar_lang=en")) == "en"
    assert visitor_locale(_request("/auth/login", cookie=f"vikar_lang=en:{sid}")) == "en"
    assert visitor_locale(_request("/auth/login", b"lang=da", cookie="vikar_lang=en")) == "da"
    assert visitor_locale(_request("/auth/login", b"lang=xx", cookie="vikar_lang=de")) == "da"
    # In a session: the cookie counts only when chosen in that session, else the token's language.
    assert session_locale(_request("/portal/x", cookie=f"vikar_lang=en:{sid}"), sid, "da") == "en"
    assert session_locale(_request("/portal/x", cookie=f"vikar_lang=en:{uuid.uuid4()}"), sid, "da") == "da"
    assert session_locale(_request("/portal/x", cookie="vikar_lang=en"), sid, "da") == "da"
    assert session_locale(_request("/portal/x", b"lang=en"), sid, "da") == "en"

    chosen = remember_language(Response(), _request("/portal/x", b"lang=en"), forced_secure=None, session_id=sid)
    assert chosen.headers["set-cookie"] == (f"vikar_lang=en:{sid}; HttpOnly; Max-Age=31536000; Path=/; SameSite=lax")
    untouched = remember_language(Response(), _request("/portal/x", b"lang=xx"), forced_secure=True)
    assert "set-cookie" not in untouched.headers
    secure = remember_language(Response(), _request("/auth/login", b"lang=da"), forced_secure=True)
    assert secure.headers["set-cookie"].startswith("vikar_lang=da;") and "Secure" in secure.headers["set-cookie"]
