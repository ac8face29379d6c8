"""The portal's own cookies: the chosen language and the one-shot message for the next page.

The session itself is the identity owner's ``vikar_session`` cookie (``vikar_shared.identity.pages``);
the portal sets no credential. Both cookies here are HttpOnly (no script reads them), SameSite=Lax, limited
to /portal, and Secure whenever the page came over https.

- ``vikar_portal_lang``: ``da`` or ``en`` chosen with ``?lang=`` on a portal page, followed by ``:<sid>``
  when chosen while logged in, so the choice holds for that session and a new session starts in the
  language its token names.
- ``vikar_portal_flash``: "3 entries approved" after a post/redirect/get, shown once. Bound to the session
  by an HMAC-SHA-256 keyed with the session's CSRF value (which only the server reads from the token), so
  neither another site nor a link can plant a message; it holds no credential.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from uuid import UUID

from fastapi import Request, Response

from timesheet.config import TimesheetSettings
from timesheet.portal.models import Flash, PortalSession

LANGUAGE_COOKIE = "vikar_portal_lang"
FLASH_COOKIE = "vikar_portal_flash"
COOKIE_PATH = "/portal"
_FLASH_DOMAIN = b"vikar.portal.flash\x00"
_MAX_FLASH_COOKIE = 3000


def secure_cookies(request: Request, settings: TimesheetSettings) -> bool:
    if settings.portal_cookie_secure is not None:
        return settings.portal_cookie_secure
    return request.url.scheme == "https"


def set_cookie(
    response: Response, request: Request, settings: TimesheetSettings, name: str, value: str, max_age: int | None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=COOKIE_PATH,
        secure=secure_cookies(request, settings),
        httponly=True,
        samesite="lax",
    )


def clear_cookie(response: Response, request: Request, settings: TimesheetSettings, name: str) -> None:
    response.delete_cookie(
        name, path=COOKIE_PATH, secure=secure_cookies(request, settings), httponly=True, samesite="lax"
    )


def language_cookie_value(locale: str, session_id: UUID | None) -> str:
    return locale if session_id is None else f"{locale}:{session_id}"


def chosen_language(request: Request) -> tuple[str | None, str | None]:
    """The language cookie's (language, session id it was chosen in); either may be None."""
    raw = request.cookies.get(LANGUAGE_COOKIE) or ""
    language, _, session = raw.partition(":")
    return language or None, session or None


def _flash_mac(session: PortalSession, payload: str) -> str:
    message = _FLASH_DOMAIN + str(session.session_id).encode() + b"\x00" + payload.encode()
    digest = hmac.new(session.csrf_token.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def leave_flash(
    response: Response, request: Request, settings: TimesheetSettings, session: PortalSession, messages: list[Flash]
) -> None:
    """Puts ``messages`` on ``response`` for the next portal page of this session."""
    data = json.dumps([{"key": m.key, "params": m.params} for m in messages], separators=(",", ":"))
    payload = base64.urlsafe_b64encode(data.encode()).rstrip(b"=").decode("ascii")
    set_cookie(response, request, settings, FLASH_COOKIE, f"{payload}.{_flash_mac(session, payload)}", max_age=300)


def flash_of(request: Request, session: PortalSession) -> list[Flash]:
    """The messages left for this session (none if absent, altered, or left for another session); the
    page showing them clears the cookie (:func:`clear_cookie`)."""
    raw = request.cookies.get(FLASH_COOKIE) or ""
    payload, _, mac = raw.partition(".")
    if not payload or len(raw) > _MAX_FLASH_COOKIE or not hmac.compare_digest(mac, _flash_mac(session, payload)):
        return []
    try:
        stored = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return [Flash(key=str(m["key"]), params=dict(m.get("params") or {})) for m in stored]
    except (ValueError, TypeError, KeyError, AttributeError):
        return []
