"""The portal's own cookie: the one-shot message for the next page.

The session itself is the identity owner's ``vikar_session`` cookie (``vikar_shared.identity.pages``);
the portal sets no credential. The language chosen with ``?lang=`` is the origin's one ``vikar_lang``
cookie (``vikar_shared.web.language``), shared with the login pages. The cookie here is HttpOnly (no script
reads it), SameSite=Lax, limited to /portal, and Secure whenever the page came over https.

- ``vikar_portal_flash``: "3 entries approved" after a post/redirect/get, shown once. Bound to the session
  by an HMAC-SHA-256 keyed with the session's CSRF value (which only the server reads from the token), so
  neither another site nor a link can plant a message; it holds no credential.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from fastapi import Request, Response

from timesheet.config import TimesheetSettings
from timesheet.portal.models import Flash, PortalSession
from vikar_shared.web.cookies import clear_page_cookie, set_page_cookie

FLASH_COOKIE = "vikar_portal_flash"
COOKIE_PATH = "/portal"
_FLASH_DOMAIN = b"vikar.portal.flash\x00"
_MAX_FLASH_COOKIE = 3000


def set_cookie(
    response: Response, request: Request, settings: TimesheetSettings, name: str, value: str, max_age: int | None
) -> None:
    forced = settings.portal_cookie_secure
    set_page_cookie(response, request, name, value, max_age=max_age, path=COOKIE_PATH, forced_secure=forced)


def clear_cookie(response: Response, request: Request, settings: TimesheetSettings, name: str) -> None:
    clear_page_cookie(response, request, name, path=COOKIE_PATH, forced_secure=settings.portal_cookie_secure)


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
