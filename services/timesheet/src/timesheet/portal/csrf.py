"""CSRF protection of every portal form: the page session's own ``csrf`` value (a claim of the signed
``vikar_session`` token, fixed for the session, stored nowhere) in a hidden field, compared in constant
time (``vikar_shared.identity.pages.csrf_matches``). Missing or wrong: a 403 page, nothing written."""

from __future__ import annotations

from timesheet.portal.models import CsrfRejectedError
from vikar_shared.identity.pages import CSRF_FIELD, csrf_matches
from vikar_shared.identity.tokens import PageSession

FIELD = CSRF_FIELD


def check_session_form(page: PageSession, submitted: str | None) -> None:
    if not csrf_matches(page, submitted):
        raise CsrfRejectedError()
