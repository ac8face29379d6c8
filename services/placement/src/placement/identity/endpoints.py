"""The login pages under ``/auth/`` (the one origin's proxy sends ``/auth/`` here unchanged). Each
request owns one transaction; every failure ends on a page; every POST answers with a 303.

| method and path | what |
|---|---|
| ``GET /auth/login?next=…`` | the e-mail form |
| ``POST /auth/login`` | 303 → ``/auth/check-email`` known address or not; 429 + ``Retry-After``; 422 not an address |
| ``GET /auth/check-email`` | "check your e-mail" |
| ``GET /auth/login/{token}`` | a confirm button (a GET never uses the link); 410 expired/used, 404 unknown |
| ``POST /auth/login/{token}`` | uses the link once, opens the session, sets both cookies, 303 → its ``next`` |
| ``GET /auth/refresh?next=…&lang=…`` | a new access cookie and 303 → ``next``; no live session: 303 → login |

A municipality user (issue 12) whose ``next`` is missing or the default (``/portal/pending``) lands on
``/municipality/`` instead (``models.landing``), after login and after a refresh.
| ``POST /auth/logout`` | ends the session (``PageSessionEnded``), clears both cookies, 303 → login |
| ``GET /auth/static/vikar.css`` | the shared stylesheet every login page links |

An unknown path or a wrong method under ``/auth/`` is a page too (``pages.install_identity_error_pages``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from placement.identity import service
from placement.identity.cookies import (
    CSRF_FIELD,
    access_session_of,
    check_pre_login_form,
    check_session_form,
    clear_session_cookies,
    form_field,
    keep_pre_login_token,
    pre_login_token,
    read_form,
    refresh_secret_of,
    remember_language,
    set_session_cookies,
)
from placement.identity.models import (
    LinkState,
    LoginLinkUnusableError,
    LoginRateLimitedError,
    NoSessionError,
    csrf_for,
    landing,
    looks_like_email,
    normalise_email,
    safe_next,
    supported,
)
from placement.identity.pages import (
    SITE,
    Settings,
    client_address,
    ends_on_a_page,
    login_link_sealer,
    login_policy,
    login_url,
    redirect,
    render,
)
from placement.identity.service import Signer
from vikar_shared.db import transaction
from vikar_shared.http.deps import DbPool, Now
from vikar_shared.web.language import visitor_locale
from vikar_shared.web.static import stylesheet_response

router = APIRouter(prefix="/auth", include_in_schema=False)


def _signer(settings: Settings) -> Signer:
    return Signer(settings.identity_signing_key.get_secret_value(), settings.identity_signing_key_id)


def _login_page(request: Request, settings: Settings, *, email: str, error: str | None, status: int) -> Response:
    token, is_new = pre_login_token(request)
    notice = "logged_out" if request.query_params.get("logged_out") == "1" else None
    next_path = safe_next(request.query_params.get("next") or getattr(request.state, "identity_next", None))
    response = render(
        request,
        "identity/login.html",
        status=status,
        csrf_token=token,
        email=email,
        error=error,
        notice=notice,
        next_path=next_path,
    )
    keep_pre_login_token(response, request, settings, token, is_new)
    return remember_language(response, request, settings)


@router.get("")
@router.get("/")
async def identity_home() -> Response:
    """``/auth`` and ``/auth/`` (the proxy's prefix itself): the login page."""
    return redirect(login_url())


@router.get("/login")
@ends_on_a_page
async def login_form(request: Request, settings: Settings) -> Response:
    return _login_page(request, settings, email="", error=None, status=200)


@router.post("/login")
@ends_on_a_page
async def request_login_link(request: Request, settings: Settings, pool: DbPool, now: Now) -> Response:
    form = await read_form(request)
    check_pre_login_form(request, form_field(form, CSRF_FIELD))
    # The form's language settles this request's (the pages it answers with, the link's mail).
    request.state.page_locale = supported(form_field(form, "lang")) or visitor_locale(request)
    request.state.identity_next = form_field(form, "next")
    raw = (form_field(form, "email") or "")[:300]
    email = normalise_email(raw)
    if not looks_like_email(email):
        return _login_page(request, settings, email=raw.strip(), error="email_invalid", status=422)
    try:
        async with transaction(pool) as conn:
            await service.request_login_links(
                conn,
                email=email,
                client=client_address(request),
                language=request.state.page_locale,
                next_path=request.state.identity_next,
                now=now,
                policy=login_policy(settings),
                base_url=settings.identity_base_url or settings.public_base_url,
                sealer=login_link_sealer(request),
            )
    except LoginRateLimitedError as exc:
        # The same page for every address, known or not: it says only how long to wait (seconds, capped).
        wait = exc.retry_after_seconds
        headers = {"Retry-After": str(wait)}
        return SITE.message(
            request, "rate_limited_title", "rate_limited_text", status=429, headers=headers, params={"count": wait}
        )
    # Known address or not, the answer is the same page: nobody learns who may log in here.
    return redirect("/auth/check-email")


@router.get("/check-email")
@ends_on_a_page
async def check_email(request: Request, settings: Settings) -> Response:
    response = SITE.message(
        request,
        "check_email_title",
        "check_email_text",
        status=200,
        link=(login_url(), "request_new_link"),
        extra="check_email_spam",
        params={"count": settings.login_link_minutes},
    )
    return remember_language(response, request, settings)


def _link_problem(request: Request, settings: Settings, state: LinkState) -> Response:
    title, text = {
        LinkState.EXPIRED: ("link_expired_title", "link_expired_text"),
        LinkState.USED: ("link_used_title", "link_used_text"),
    }.get(state, ("link_unknown_title", "link_unknown_text"))
    return SITE.message(
        request,
        title,
        text,
        status=404 if state in (LinkState.UNKNOWN, LinkState.VALID) else 410,
        link=(login_url(), "request_new_link"),
        params={"count": settings.login_link_minutes},
    )


@router.get("/login/{token}")
@ends_on_a_page
async def confirm_form(token: str, request: Request, settings: Settings, pool: DbPool, now: Now) -> Response:
    async with transaction(pool) as conn:
        state, email = await service.inspect_link(conn, token, now)
    if state is not LinkState.VALID:
        return _link_problem(request, settings, state)
    csrf, is_new = pre_login_token(request)
    response = render(request, "identity/confirm.html", csrf_token=csrf, email=email, action=request.url.path)
    keep_pre_login_token(response, request, settings, csrf, is_new)
    return remember_language(response, request, settings)


@router.post("/login/{token}")
@ends_on_a_page
async def confirm_login(token: str, request: Request, settings: Settings, pool: DbPool, now: Now) -> Response:
    form = await read_form(request)
    check_pre_login_form(request, form_field(form, CSRF_FIELD))
    try:
        async with transaction(pool) as conn:
            # A browser logging in again ends the session it had (announced like a logout).
            try:
                previous = await service.session_of_refresh(conn, refresh_secret_of(request), now)
                await service.logout(conn, previous.session_id, now)
            except NoSessionError:
                pass
            opened = await service.confirm_login(conn, token, now, login_policy(settings), _signer(settings))
    except LoginLinkUnusableError as exc:
        return _link_problem(request, settings, exc.state)
    response = redirect(opened.next_path)
    set_session_cookies(response, request, settings, opened, now)
    return response


@router.get("/refresh")
@ends_on_a_page
async def refresh(request: Request, settings: Settings, pool: DbPool, now: Now) -> Response:
    next_path = safe_next(request.query_params.get("next"))
    language = supported(request.query_params.get("lang"))
    try:
        async with transaction(pool) as conn:
            opened = await service.refresh(
                conn, refresh_secret_of(request), now, login_policy(settings), _signer(settings), language
            )
    except NoSessionError:
        response = redirect(login_url(next_path))
        clear_session_cookies(response, request, settings)
        return response
    response = redirect(landing(opened.session.person, next_path))
    set_session_cookies(response, request, settings, opened, now)
    return remember_language(response, request, settings)


@router.post("/logout")
@ends_on_a_page
async def logout(request: Request, settings: Settings, pool: DbPool, now: Now) -> Response:
    """Ends the session named by the refresh cookie or, without one, by a valid access cookie; the form's
    CSRF value must be the session's (403 page otherwise, nothing ended). Without any session: only
    clears the cookies."""
    form = await read_form(request)
    submitted = form_field(form, CSRF_FIELD)
    secret = refresh_secret_of(request)
    async with transaction(pool) as conn:
        try:
            session = await service.session_of_refresh(conn, secret, now)
            check_session_form(csrf_for(secret or ""), submitted)
            await service.logout(conn, session.session_id, now)
        except NoSessionError:
            claims = access_session_of(request, settings, now)
            if claims is not None:
                check_session_form(claims.csrf, submitted)
                await service.logout(conn, claims.session_id, now)
    response = redirect(login_url(logged_out="1"))
    clear_session_cookies(response, request, settings)
    return response


@router.get("/static/vikar.css")
async def stylesheet() -> Response:
    """The shared stylesheet under the login pages' prefix (``/auth/static/vikar.css``)."""
    return stylesheet_response()
