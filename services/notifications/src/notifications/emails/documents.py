"""Fetching a mail's attachments when it is sent (issue 14, part B): ``GET <service base URL><path>`` with a
short-lived bearer token of role ``service`` (subject ``service:notifications``), no redirect followed, bounded by a
timeout. The document lives in memory only while the message is built: never stored, never logged.

What an answer means for the mail (:class:`notifications.emails.mailer.MailDeliveryError`):

- 200: the document;
- 5xx, a timeout, a connection error, 404 ``document-not-ready`` (rendered shortly), 408/409/425/429: try again
  with the sender's backoff;
- 401/403/404 and any other 4xx, a redirect, a service with no base URL: permanent, saying which attachment and
  what the service answered (its problem ``code``, never the body)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

import httpx

from notifications.emails.mailer import MailDeliveryError
from notifications.emails.models import AttachmentRef
from vikar_shared.auth.principal import Role
from vikar_shared.auth.tokens import mint_token

SERVICE_SUBJECT = "service:notifications"
TOKEN_TTL = timedelta(minutes=5)
# Answers worth asking again for: the document is being rendered, or the service is busy.
_TRANSIENT_4XX = frozenset({408, 409, 425, 429})
_NOT_READY = "document-not-ready"


class DocumentFetcher(Protocol):
    async def fetch(self, ref: AttachmentRef) -> bytes: ...


def _problem_code(response: httpx.Response) -> str | None:
    if not response.headers.get("content-type", "").startswith("application/problem+json"):
        return None
    try:
        code = response.json().get("code")
    except ValueError:
        return None
    return code if isinstance(code, str) else None


@dataclass(frozen=True)
class HttpDocumentFetcher:
    """``base_urls`` by service name (``{"invoicing": "http://127.0.0.1:8103"}``); ``token`` mints a fresh bearer
    token per fetch; ``transport`` replaces the network (tests)."""

    base_urls: Mapping[str, str]
    token: Callable[[], str]
    timeout_seconds: float
    transport: httpx.AsyncBaseTransport | None = None

    async def fetch(self, ref: AttachmentRef) -> bytes:
        """The document ``ref`` names. Raises ``MailDeliveryError`` (see the module docstring)."""
        base = self.base_urls.get(ref.service)
        what = f"attachment {ref.filename!r} from {ref.service}"
        if base is None:
            raise MailDeliveryError(f"{what}: no base URL is configured for that service", permanent=True)
        url = base.rstrip("/") + ref.path
        try:
            async with httpx.AsyncClient(
                timeout=self.timeout_seconds, follow_redirects=False, transport=self.transport
            ) as client:
                response = await client.get(url, headers={"Authorization": f"Bearer {self.token()}"})
        except (httpx.InvalidURL, httpx.UnsupportedProtocol):
            raise MailDeliveryError(f"{what}: {url!r} is not a usable URL", permanent=True) from None
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise MailDeliveryError(f"{what}: {type(exc).__name__}", permanent=False) from None
        status = response.status_code
        if status == 200:
            return response.content
        code = _problem_code(response)
        said = f"{what}: {ref.path} answered {status}" + (f" {code}" if code else "")
        if status >= 500 or status in _TRANSIENT_4XX or (status == 404 and code == _NOT_READY):
            raise MailDeliveryError(said, permanent=False)
        if 300 <= status < 400:
            raise MailDeliveryError(f"{said} (a redirect, not followed)", permanent=True)
        raise MailDeliveryError(said, permanent=True)


def service_token_minter(jwt_keys: Mapping[str, str], *, issuer: str, audience: str) -> Callable[[], str]:
    """Mints a ``service`` token (subject ``service:notifications``, 5 minutes) with the first of ``jwt_keys``
    (kid → secret), the keys the other services verify with. Raises ValueError when there is none."""
    if not jwt_keys:
        raise ValueError("no JWT key to sign a service token with")
    kid, secret = next(iter(jwt_keys.items()))

    def mint() -> str:
        return mint_token(
            secret=secret,
            kid=kid,
            subject=SERVICE_SUBJECT,
            role=Role.SERVICE,
            issuer=issuer,
            audience=audience,
            ttl=TOKEN_TTL,
        )

    return mint
