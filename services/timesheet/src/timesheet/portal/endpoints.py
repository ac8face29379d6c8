"""The portal's pages and form posts. Each request owns one transaction; every failure ends on a page.

POSTs answer with a 303 redirect (post/redirect/get), so reloading a page never repeats an action."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from timesheet.config import TimesheetSettings
from timesheet.entries.models import Entry, EntryStatus
from timesheet.entries.transitions import EntryConflictError
from timesheet.portal import service
from timesheet.portal.csrf import FIELD, check_pre_login_form, check_session_form, keep_pre_login_token, pre_login_token
from timesheet.portal.i18n import Translator, supported
from timesheet.portal.models import (
    MAX_ENTRIES_PER_ACTION,
    Flash,
    LinkState,
    LoginLinkUnusableError,
    LoginRateLimitedError,
    clean_reason,
    looks_like_email,
    next_month,
    normalise_email,
    previous_month,
    reason_problem,
)
from timesheet.portal.pages import SECURITY_HEADERS, render
from timesheet.portal.pages import redirect as see_other
from timesheet.portal.sessions import SESSION_COOKIE, clear_cookie, session_id_of, set_cookie
from timesheet.portal.web import (
    FormTooLargeError,
    Settings,
    Visit,
    anonymous_locale,
    client_address,
    ends_on_a_page,
    entry_words,
    form_field,
    login_link_sealer,
    login_policy,
    message_page,
    open_visit,
    parse_entry_id,
    parse_seen,
    parse_version,
    read_form,
    remember_language,
    session_page,
)
from vikar_shared.clock import agency_date
from vikar_shared.db import transaction
from vikar_shared.errors import Category, DomainError
from vikar_shared.http.deps import DbPool, Now
from vikar_shared.http.idempotency import IdempotentRun, claim, request_for
from vikar_shared.types.periods import FIRST_YEAR, LAST_YEAR, PeriodError, month_of
from vikar_shared.web.static import stylesheet_response

router = APIRouter(prefix="/portal", include_in_schema=False)
# Hidden field of every decision form: a fresh Idempotency-Key per rendered form, so a double click or a
# re-sent post replays the first answer instead of acting twice.
FORM_KEY_FIELD = "idempotency_key"


# --- Login ---------------------------------------------------------------------------------------


@router.get("")
async def portal_home() -> Response:
    return see_other("/portal/pending")


def _login_page(
    request: Request, settings: TimesheetSettings, *, email: str, error: str | None, status: int
) -> Response:
    t = Translator(anonymous_locale(request))
    token, is_new = pre_login_token(request)
    notice = "logged_out" if request.query_params.get("logged_out") == "1" else None
    response = render(
        request, "portal/login.html", t, status=status, csrf_token=token, email=email, error=error, notice=notice
    )
    keep_pre_login_token(response, request, settings, token, is_new)
    return remember_language(response, request, settings)


@router.get("/login")
@ends_on_a_page
async def login_form(request: Request, settings: Settings) -> Response:
    return _login_page(request, settings, email="", error=None, status=200)


@router.post("/login")
@ends_on_a_page
async def request_login_link(request: Request, settings: Settings, pool: DbPool, now: Now) -> Response:
    form = await read_form(request)
    check_pre_login_form(request, form_field(form, FIELD))
    request.state.portal_locale = supported(form_field(form, "lang")) or anonymous_locale(request)
    raw = (form_field(form, "email") or "")[:300]
    email = normalise_email(raw)
    if not looks_like_email(email):
        return _login_page(request, settings, email=raw.strip(), error="email_invalid", status=422)
    client = client_address(request)
    try:
        async with transaction(pool) as conn:
            await service.request_login_links(
                conn,
                email=email,
                client=client,
                locale=request.state.portal_locale,
                now=now,
                policy=login_policy(settings),
                base_url=settings.portal_base_url,
                sealer=login_link_sealer(request),
            )
    except LoginRateLimitedError as exc:
        # The same page for every address, known or not: it says only how long to wait (seconds, capped).
        wait = exc.retry_after_seconds
        return message_page(
            request,
            "rate_limited_title",
            "rate_limited_text",
            status=429,
            headers={"Retry-After": str(wait)},
            seconds=wait,
        )
    # Known address or not, the answer is the same page: nobody learns who is an approver here.
    return see_other("/portal/check-email")


@router.get("/check-email")
@ends_on_a_page
async def check_email(request: Request, settings: Settings) -> Response:
    response = message_page(
        request,
        "check_email_title",
        "check_email_text",
        status=200,
        link=("/portal/login", "request_new_link"),
        minutes=settings.portal_login_link_minutes,
        extra="check_email_spam",
    )
    return remember_language(response, request, settings)


def _link_problem(request: Request, settings: TimesheetSettings, state: LinkState) -> Response:
    title, text = {
        LinkState.EXPIRED: ("link_expired_title", "link_expired_text"),
        LinkState.USED: ("link_used_title", "link_used_text"),
    }.get(state, ("link_unknown_title", "link_unknown_text"))
    return message_page(
        request,
        title,
        text,
        status=404 if state in (LinkState.UNKNOWN, LinkState.VALID) else 410,
        link=("/portal/login", "request_new_link"),
        minutes=settings.portal_login_link_minutes,
    )


@router.get("/login/{token}")
@ends_on_a_page
async def confirm_form(token: str, request: Request, settings: Settings, pool: DbPool, now: Now) -> Response:
    async with transaction(pool) as conn:
        state, email = await service.inspect_link(conn, token, now)
    if state is not LinkState.VALID:
        return _link_problem(request, settings, state)
    t = Translator(anonymous_locale(request))
    csrf, is_new = pre_login_token(request)
    response = render(request, "portal/confirm.html", t, csrf_token=csrf, email=email, action=request.url.path)
    keep_pre_login_token(response, request, settings, csrf, is_new)
    return remember_language(response, request, settings)


@router.post("/login/{token}")
@ends_on_a_page
async def confirm_login(token: str, request: Request, settings: Settings, pool: DbPool, now: Now) -> Response:
    form = await read_form(request)
    check_pre_login_form(request, form_field(form, FIELD))
    policy = login_policy(settings)
    try:
        async with transaction(pool) as conn:
            previous = session_id_of(request)
            if previous is not None:
                await service.end_session(conn, previous)
            opened = await service.confirm_login(conn, token, now, policy)
    except LoginLinkUnusableError as exc:
        return _link_problem(request, settings, exc.state)
    response = see_other("/portal/pending")
    max_age = int(policy.session_ttl.total_seconds())
    set_cookie(response, request, settings, SESSION_COOKIE, opened.session_id, max_age=max_age)
    return response


@router.post("/logout")
@ends_on_a_page
async def logout(request: Request, settings: Settings, pool: DbPool, now: Now) -> Response:
    form = await read_form(request)
    async with transaction(pool) as conn:
        visit = await open_visit(conn, request, now)
        check_session_form(visit.session, form_field(form, FIELD))
        await service.end_session(conn, visit.session_id)
    response = see_other("/portal/login?logged_out=1")
    clear_cookie(response, request, settings, SESSION_COOKIE)
    return response


# --- Hours ---------------------------------------------------------------------------------------


@router.get("/pending")
@ends_on_a_page
async def pending(request: Request, settings: Settings, pool: DbPool, now: Now) -> Response:
    async with transaction(pool) as conn:
        visit = await open_visit(conn, request, now)
        flash = await service.take_flash(conn, visit.session_id)
        weeks = await service.pending_weeks(conn, visit.session)
    # Each approve button names exactly the entries shown beside it.
    shown = [(week, [e for c in week.citizens for e in c.entries]) for week in weeks]
    all_entries = [e for _, entries in shown for e in entries]
    return session_page(
        request,
        settings,
        visit,
        "portal/pending.html",
        nav="pending",
        flash=flash,
        weeks=shown,
        all_entries=all_entries,
        total_minutes=sum(e.minutes for e in all_entries),
    )


async def _already_decided(
    request: Request, settings: TimesheetSettings, pool: asyncpg.Pool, now: datetime, entry_id: UUID, *, action: str
) -> Response:
    """The entry was not as the form showed it: change nothing, and say which of two things happened.

    Decided by someone else (approved or rejected): ``already_decided.html`` names who and when. Still
    submitted but changed since the page was shown (moved, new minutes, rejected and resubmitted): the
    page of changed entries (``changed.html``, as for a bulk form), with the entry as it is now and a
    way to look again; ``action`` ("approve" or "reject") says what was not done."""
    async with transaction(pool) as conn:
        visit = await open_visit(conn, request, now)
        entry = await service.entry_of(conn, visit.session, entry_id)
    status = 409 if request.method == "POST" else 200
    if entry.status is EntryStatus.SUBMITTED:
        nothing = "changed_nothing_rejected" if action == "reject" else "changed_nothing_done"
        context = {"changed": [entry], "shown": {entry.id: 0}, "nothing_done": nothing}
        return session_page(request, settings, visit, "portal/changed.html", status=status, **context)
    return session_page(request, settings, visit, "portal/already_decided.html", status=status, entry=entry)


def _conflict_of(exc: DomainError) -> bool:
    """A conflict about the entries themselves (not an idempotency key still in flight)."""
    return exc.category is Category.CONFLICT and exc.code != "idempotency-key-in-flight"


async def _run_once(conn: asyncpg.Connection, request: Request, visit: Visit, form: FormData) -> IdempotentRun:
    """The form's own idempotency key (hidden field, fresh per rendered form), scoped to the approver."""
    fields = urlencode([(k, v) for k, v in form.multi_items() if isinstance(v, str)]).encode()
    idem = await request_for(request, visit.session.principal, form_field(form, FORM_KEY_FIELD), body=fields)
    run = await claim(conn, idem)
    if run.replay is not None:
        run.replay.headers.update(SECURITY_HEADERS)
    return run


@router.post("/entries/{entry_id}/approve")
@ends_on_a_page
async def approve_entry(entry_id: str, request: Request, settings: Settings, pool: DbPool, now: Now) -> Response:
    form = await read_form(request)
    target = parse_entry_id(entry_id)
    try:
        async with transaction(pool) as conn:
            visit = await open_visit(conn, request, now)
            check_session_form(visit.session, form_field(form, FIELD))
            version = parse_version(form_field(form, "version"))
            run = await _run_once(conn, request, visit, form)
            if run.replay is not None:
                return run.replay
            entry = await service.approve_one(conn, visit.session, target, version)
            flash = Flash("flash_approved_one", entry_words(visit.t, entry))
            await service.leave_flash(conn, visit.session_id, [flash])
            response = see_other("/portal/pending")
            await run.complete_response(response)
    except DomainError as exc:
        if not _conflict_of(exc):
            raise
        return await _already_decided(request, settings, pool, now, target, action="approve")
    return response


@router.post("/approve")
@ends_on_a_page
async def approve_entries(request: Request, settings: Settings, pool: DbPool, now: Now) -> Response:
    form = await read_form(request, entries=MAX_ENTRIES_PER_ACTION)
    if len(form.getlist("entry_id")) > MAX_ENTRIES_PER_ACTION:
        raise FormTooLargeError()
    shown: list[tuple[UUID, int]] = []
    try:
        async with transaction(pool) as conn:
            visit = await open_visit(conn, request, now)
            check_session_form(visit.session, form_field(form, FIELD))
            shown = parse_seen(form)
            run = await _run_once(conn, request, visit, form)
            if run.replay is not None:
                return run.replay
            outcome = await service.approve_many(conn, visit.session, shown)
            flash = [Flash("flash_approved_many", {"count": len(outcome.approved)})]
            if outcome.already_decided:
                flash.append(Flash("flash_skipped", {"count": len(outcome.already_decided)}))
            await service.leave_flash(conn, visit.session_id, flash)
            response = see_other("/portal/pending")
            await run.complete_response(response)
    except EntryConflictError as exc:
        if not _conflict_of(exc):
            raise
        return await _entries_changed(request, settings, pool, now, exc.entries, dict(shown))
    return response


async def _entries_changed(
    request: Request,
    settings: TimesheetSettings,
    pool: asyncpg.Pool,
    now: datetime,
    changed: list[Entry],
    shown: dict[UUID, int],
) -> Response:
    """Entries on the page changed after it was shown: nothing was approved; list them as they are now."""
    async with transaction(pool) as conn:
        visit = await open_visit(conn, request, now)
    context = {"changed": changed, "shown": shown, "nothing_done": "changed_nothing_done"}
    return session_page(request, settings, visit, "portal/changed.html", status=409, **context)


@router.get("/entries/{entry_id}/reject")
@ends_on_a_page
async def reject_form(entry_id: str, request: Request, settings: Settings, pool: DbPool, now: Now) -> Response:
    target = parse_entry_id(entry_id)
    async with transaction(pool) as conn:
        visit = await open_visit(conn, request, now)
        entry = await service.entry_of(conn, visit.session, target)
    if entry.status is not EntryStatus.SUBMITTED:
        return session_page(request, settings, visit, "portal/already_decided.html", entry=entry)
    return session_page(request, settings, visit, "portal/reject.html", entry=entry, reason="", error=None)


@router.post("/entries/{entry_id}/reject")
@ends_on_a_page
async def reject_entry(entry_id: str, request: Request, settings: Settings, pool: DbPool, now: Now) -> Response:
    form = await read_form(request)
    target = parse_entry_id(entry_id)
    typed = (form_field(form, "reason") or "").strip()
    try:
        async with transaction(pool) as conn:
            visit = await open_visit(conn, request, now)
            check_session_form(visit.session, form_field(form, FIELD))
            problem = reason_problem(typed)
            if problem is not None:
                entry = await service.entry_of(conn, visit.session, target)
                context = {"entry": entry, "reason": typed, "error": problem}
                return session_page(request, settings, visit, "portal/reject.html", status=422, **context)
            # Stored exactly as the API stores it (NFC, trimmed, CR LF → LF), so both doors keep one text.
            reason = clean_reason(typed)
            version = parse_version(form_field(form, "version"))
            run = await _run_once(conn, request, visit, form)
            if run.replay is not None:
                return run.replay
            entry = await service.reject_one(conn, visit.session, target, reason, version)
            flash = Flash("flash_rejected_one", entry_words(visit.t, entry))
            await service.leave_flash(conn, visit.session_id, [flash])
            response = see_other("/portal/pending")
            await run.complete_response(response)
    except DomainError as exc:
        if not _conflict_of(exc):
            raise
        return await _already_decided(request, settings, pool, now, target, action="reject")
    return response


@router.get("/history")
@ends_on_a_page
async def history(request: Request, settings: Settings, pool: DbPool, now: Now) -> Response:
    this_month = agency_date(now).replace(day=1)
    raw = request.query_params.get("month")
    async with transaction(pool) as conn:
        visit = await open_visit(conn, request, now)
        try:
            # The shared parser (years 2000..2100, ASCII digits): a bad month is said, never replaced.
            month = this_month if raw is None else month_of(raw).first_day
        except PeriodError as error:
            text = "month_out_of_range_text" if error.rule == "month-out-of-range" else "month_format_text"
            context: dict[str, object] = {
                "title": "month_invalid_title",
                "text": text,
                "link": ("/portal/history", "history_this_month"),
                "params": {"first": FIRST_YEAR, "last": LAST_YEAR},
            }
            return session_page(request, settings, visit, "portal/message.html", status=422, nav="history", **context)
        decided, totals = await service.history(conn, visit.session, month)
    following = next_month(month)
    return session_page(
        request,
        settings,
        visit,
        "portal/history.html",
        nav="history",
        month=month,
        previous=previous_month(month),
        following=following if following <= this_month else None,
        entries=decided,
        totals=totals,
    )


@router.get("/static/vikar.css")
async def stylesheet() -> Response:
    """The shared stylesheet under the portal's prefix (``/portal/static/vikar.css``)."""
    return stylesheet_response()
