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
from timesheet.portal.csrf import FIELD, check_session_form
from timesheet.portal.i18n import supported
from timesheet.portal.models import (
    MAX_ENTRIES_PER_ACTION,
    Flash,
    clean_reason,
    next_month,
    previous_month,
    reason_problem,
)
from timesheet.portal.pages import SECURITY_HEADERS
from timesheet.portal.pages import redirect as see_other
from timesheet.portal.sessions import FLASH_COOKIE, clear_cookie, flash_of, leave_flash
from timesheet.portal.web import (
    FormTooLargeError,
    Settings,
    Visit,
    ends_on_a_page,
    entry_words,
    form_field,
    open_visit,
    parse_entry_id,
    parse_seen,
    parse_version,
    read_form,
    session_page,
)
from vikar_shared.clock import agency_date
from vikar_shared.db import transaction
from vikar_shared.errors import Category, DomainError
from vikar_shared.http.deps import DbPool, Now
from vikar_shared.http.idempotency import IdempotentRun, claim, request_for
from vikar_shared.identity.pages import login_url
from vikar_shared.types.periods import FIRST_YEAR, LAST_YEAR, PeriodError, month_of
from vikar_shared.web.static import stylesheet_response

router = APIRouter(prefix="/portal", include_in_schema=False)
# Hidden field of every decision form: a fresh Idempotency-Key per rendered form, so a double click or a
# re-sent post replays the first answer instead of acting twice.
FORM_KEY_FIELD = "idempotency_key"


# --- Entry -------------------------------------------------------------------------------------
# Logging in, out and the session belong to the identity owner (placement, under /auth/ on the same origin).


@router.get("")
@router.get("/")
async def portal_home() -> Response:
    """``/portal`` and ``/portal/`` (the proxy's prefix itself): the pending hours."""
    return see_other("/portal/pending")


@router.get("/login")
@router.get("/login/{old_link}")
async def login(request: Request) -> Response:
    """Old bookmarks and links of mails sent before login moved: to the identity owner's login, back to
    the pending hours afterwards (in the language asked for). A portal login link no longer logs in."""
    lang = supported(request.query_params.get("lang"))
    return see_other(login_url("/portal/pending" + (f"?lang={lang}" if lang else "")))


# --- Hours ---------------------------------------------------------------------------------------


@router.get("/pending")
@ends_on_a_page
async def pending(request: Request, settings: Settings, pool: DbPool, now: Now) -> Response:
    async with transaction(pool) as conn:
        visit = await open_visit(conn, request, now)
        flash = flash_of(request, visit.session)
        weeks = await service.pending_weeks(conn, visit.session)
    # Each approve button names exactly the entries shown beside it.
    shown = [(week, [e for c in week.citizens for e in c.entries]) for week in weeks]
    all_entries = [e for _, entries in shown for e in entries]
    response = session_page(
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
    if FLASH_COOKIE in request.cookies:
        clear_cookie(response, request, settings, FLASH_COOKIE)  # shown once
    return response


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
            check_session_form(visit.page, form_field(form, FIELD))
            version = parse_version(form_field(form, "version"))
            run = await _run_once(conn, request, visit, form)
            if run.replay is not None:
                return run.replay
            entry = await service.approve_one(conn, visit.session, target, version)
            response = see_other("/portal/pending")
            flash = Flash("flash_approved_one", entry_words(visit.t, entry))
            leave_flash(response, request, settings, visit.session, [flash])
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
            check_session_form(visit.page, form_field(form, FIELD))
            shown = parse_seen(form)
            run = await _run_once(conn, request, visit, form)
            if run.replay is not None:
                return run.replay
            outcome = await service.approve_many(conn, visit.session, shown)
            flash = [Flash("flash_approved_many", {"count": len(outcome.approved)})]
            if outcome.already_decided:
                flash.append(Flash("flash_skipped", {"count": len(outcome.already_decided)}))
            response = see_other("/portal/pending")
            leave_flash(response, request, settings, visit.session, flash)
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
            visit = await open_visit(conn, request, now, back=request.url.path)
            check_session_form(visit.page, form_field(form, FIELD))
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
            response = see_other("/portal/pending")
            flash = Flash("flash_rejected_one", entry_words(visit.t, entry))
            leave_flash(response, request, settings, visit.session, [flash])
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
