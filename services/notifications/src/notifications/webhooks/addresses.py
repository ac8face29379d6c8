"""Where a webhook may go (SSRF): https URLs whose host resolves to public addresses only, checked when an
endpoint is registered and again, on the address actually connected to, on every connection.

Unless insecure URLs are allowed (``webhook_allow_insecure_urls``; by default only in development and test):

- the scheme is ``https`` (``webhook-url-not-https``);
- no address of the host is loopback, private (RFC 1918, ULA, CGNAT), link-local, multicast, reserved or
  unspecified, also as an IPv4-mapped IPv6 address, and ``localhost`` is refused by name (``webhook-url-private``);
- at connect time :class:`GuardedBackend` resolves the host itself, refuses the connection if any address is
  refused, and connects to the checked address (never resolving the name again), so DNS rebinding between
  registration and delivery, or between the check and the connect, cannot reach an internal address. The TLS
  handshake still names the host (SNI and certificate check).

Always: a URL carrying user:password (it would be stored in clear) or not http(s) is ``webhook-url-invalid``.
Redirects are never followed (the sender's client does not follow them; a 3xx is a failed attempt).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import typing
from collections.abc import Awaitable, Callable

import httpcore
import httpx
import idna

from vikar_shared.errors import invalid

Resolver = Callable[[str, int], Awaitable[list[str]]]
"""``(host, port)`` → the IP addresses (text) it resolves to; the system resolver by default, a test's fake."""

MAX_URL_LENGTH = 2000
_REFUSED_NAMES = ("localhost", "localhost.")


async def system_resolve(host: str, port: int) -> list[str]:
    """The addresses ``getaddrinfo`` gives for ``host`` (TCP), in its order, without duplicates."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def address_refused(address: str) -> str | None:
    """Why ``address`` is not a public one (``loopback``, ``private``, …), None for a public address."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv4 address carried inside IPv6 (mapped, 6to4, Teredo's client) is judged as that IPv4 address.
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            inner = address_refused(str(embedded))
            if inner is not None:
                return inner
            ip = embedded
    for attribute, name in (
        ("is_unspecified", "unspecified"),
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local"),
        ("is_multicast", "multicast"),
        ("is_private", "private"),
        ("is_reserved", "reserved"),
    ):
        if getattr(ip, attribute):
            return name
    return None if ip.is_global else "not global"


def _check_host_name(host: str) -> None:
    """422 ``webhook-url-invalid`` unless ``host`` is a DNS name a connection can use: labels of letters, digits
    and inner hyphens (RFC 1123, STD3 rules; international names by IDNA 2008 / UTS 46), each 1..63 octets,
    at most 253 in all. Checked with the ``idna`` package (httpx's own)."""
    try:
        encoded = idna.encode(host.rstrip("."), uts46=True, std3_rules=True)
    except (idna.IDNAError, UnicodeError, ValueError):
        raise invalid("url", "webhook-url-invalid", "url's host is not a valid DNS name") from None
    if len(encoded) > 253:
        raise invalid("url", "webhook-url-invalid", "url's host is longer than 253 characters")


def _ip_literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


def check_url(url: str, *, allow_insecure: bool) -> httpx.URL:
    """The parsed URL, or 422 naming ``url``: ``webhook-url-invalid`` (also for a user name, password, query or
    fragment), ``webhook-url-not-https``,
    ``webhook-url-private`` (an address literal or ``localhost``; names are resolved by :func:`check_resolved`)."""
    if len(url) > MAX_URL_LENGTH:
        raise invalid("url", "webhook-url-invalid", f"url must be at most {MAX_URL_LENGTH} characters")
    try:
        parsed = httpx.URL(url)
        _ = parsed.host, parsed.port  # IDNA-decoding the host may fail only when it is read
    except (httpx.InvalidURL, UnicodeError, ValueError):
        raise invalid("url", "webhook-url-invalid", "url is not a valid absolute URL") from None
    if parsed.scheme not in ("https", "http") or not parsed.host:
        raise invalid("url", "webhook-url-invalid", "url must be an absolute https:// URL with a host")
    if parsed.port is not None and not 1 <= parsed.port <= 65_535:
        raise invalid("url", "webhook-url-invalid", "url's port must be 1 to 65535")
    if _ip_literal(parsed.host) is None:
        _check_host_name(parsed.host)
    if parsed.userinfo:
        raise invalid("url", "webhook-url-invalid", "url must not carry a user name or password")
    if parsed.fragment:
        raise invalid("url", "webhook-url-invalid", "url must not carry a #fragment")
    if parsed.query:
        # A token in the query would be a credential stored and shown in clear; deliveries are authenticated by
        # their webhook-signature (the secret, kept sealed), so the receiver needs none in its URL.
        raise invalid(
            "url", "webhook-url-invalid", "url must not carry a ?query (a token there would be kept in clear)"
        )
    if allow_insecure:
        return parsed
    if parsed.scheme != "https":
        raise invalid("url", "webhook-url-not-https", "url must use https")
    literal = _ip_literal(parsed.host)
    reason = address_refused(literal) if literal is not None else None
    if parsed.host.lower() in _REFUSED_NAMES or parsed.host.lower().endswith(".localhost"):
        reason = "loopback"
    if reason is not None:
        raise invalid("url", "webhook-url-private", f"url must point at a public address; this one is {reason}")
    return parsed


async def check_resolved(parsed: httpx.URL, resolver: Resolver, *, allow_insecure: bool) -> None:
    """422 ``webhook-url-private`` when the host resolves to a refused address now. A name that does not resolve
    (yet) is accepted: every connection is checked again (:class:`GuardedBackend`)."""
    if allow_insecure or _ip_literal(parsed.host) is not None:
        return
    try:
        addresses = await resolver(parsed.host, parsed.port or 443)
    except (OSError, UnicodeError):
        return
    for address in addresses:
        reason = address_refused(address)
        if reason is not None:
            raise invalid(
                "url", "webhook-url-private", f"url's host resolves to {address}, which is {reason}; it must be public"
            )


class AddressRefused(httpcore.ConnectError):
    """The host resolved to an address webhooks may not reach; no connection was made."""


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves, checks every address and connects to a checked address itself (see the module docstring)."""

    def __init__(self, resolver: Resolver, *, allow_insecure: bool) -> None:
        self._resolver = resolver
        self._allow_insecure = allow_insecure
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await asyncio.wait_for(self._resolver(host, port), timeout)
        except (OSError, TimeoutError) as exc:
            raise httpcore.ConnectError(f"{host} did not resolve: {type(exc).__name__}") from None
        if not addresses:
            raise httpcore.ConnectError(f"{host} did not resolve")
        if not self._allow_insecure:
            for address in addresses:
                reason = address_refused(address)
                if reason is not None:
                    raise AddressRefused(f"refused to connect: {host} resolves to {address}, a {reason} address")
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("webhooks never connect to a unix socket")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over :class:`GuardedBackend`: no proxy from the environment (it would connect instead),
    no retries, TLS verified against the system's trust store as httpx does."""

    def __init__(self, resolver: Resolver, *, allow_insecure: bool, ssl_context: ssl.SSLContext | None = None) -> None:
        super().__init__(trust_env=False, retries=0)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context or httpx.create_ssl_context(trust_env=False),
            max_connections=20,
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(resolver, allow_insecure=allow_insecure),
        )
