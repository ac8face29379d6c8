"""The language of every page: one cookie for the whole origin.

``?lang=da|en`` on any page chooses the language; the choice is kept in ``vikar_lang`` (``Path=/``,
HttpOnly, SameSite=Lax, a year), read by every service's pages behind the one origin (the login pages under
``/auth/``, the portal under ``/portal/``, later pages too). Its value is the language, followed by
``:<sid>`` when it was chosen while logged in (``en:6f1c…``): that choice holds for that page session, and a
new session starts in the language its token names (the ``lang`` claim, which the identity owner sets at
login and changes with ``/auth/refresh?lang=``).

Which language a page is in:

- without a session (:func:`visitor_locale`): ``?lang=``, else the language the request already settled on
  (``request.state.page_locale``, e.g. a posted form's ``lang``, or the session's, for an error page), else
  the cookie's language (whatever session it was chosen in), else Danish;
- in a session (:func:`session_locale`): ``?lang=``, else the cookie's language if chosen in this session,
  else the token's ``lang``, else Danish.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import Request, Response

from vikar_shared.web.cookies import set_page_cookie
from vikar_shared.web.i18n import DEFAULT_LOCALE, supported

LANGUAGE_COOKIE = "vikar_lang"
LANGUAGE_COOKIE_PATH = "/"
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600


def chosen_language(request: Request) -> tuple[str | None, str | None]:
    """The language cookie's (language if supported, session id it was chosen in); either may be None."""
    raw = request.cookies.get(LANGUAGE_COOKIE) or ""
    language, _, session = raw.partition(":")
    return supported(language), session or None


def language_cookie_value(locale: str, session_id: UUID | None) -> str:
    """``"en"``, or ``"en:<sid>"`` when chosen in a session."""
    return locale if session_id is None else f"{locale}:{session_id}"


def asked_language(request: Request) -> str | None:
    """The ``?lang=`` of ``request``, if supported."""
    return supported(request.query_params.get("lang"))


def visitor_locale(request: Request) -> str:
    """The page language without a session (see the module docstring)."""
    settled: str | None = getattr(request.state, "page_locale", None)
    return asked_language(request) or settled or chosen_language(request)[0] or DEFAULT_LOCALE


def session_locale(request: Request, session_id: UUID, token_lang: str | None) -> str:
    """The page language in page session ``session_id`` whose token names ``token_lang``."""
    chosen, in_session = chosen_language(request)
    return (
        asked_language(request)
        or (chosen if in_session == str(session_id) else None)
        or supported(token_lang)
        or DEFAULT_LOCALE
    )


def remember_language(
    response: Response, request: Request, *, forced_secure: bool | None, session_id: UUID | None = None
) -> Response:
    """Keeps a language chosen with ``?lang=`` in :data:`LANGUAGE_COOKIE` (for ``session_id`` if given);
    without ``?lang=`` the cookie is left as it is. Returns ``response``."""
    chosen = asked_language(request)
    if chosen is not None:
        value = language_cookie_value(chosen, session_id)
        set_page_cookie(
            response,
            request,
            LANGUAGE_COOKIE,
            value,
            max_age=LANGUAGE_COOKIE_SECONDS,
            path=LANGUAGE_COOKIE_PATH,
            forced_secure=forced_secure,
        )
    return response
