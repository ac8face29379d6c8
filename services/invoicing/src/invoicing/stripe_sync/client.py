"""The one wrapper of the Stripe SDK (stripe-python 16, API 2026-10-28): the calls the sync makes, each
with its idempotency key, transient failures retried with tenacity under the SAME key, answers as plain
dicts (``StripeObject.to_dict()``).

``StripeGateway(api_base, secret_key, ...)`` builds a ``stripe.StripeClient`` on httpx
(``stripe.HTTPXClient``, async), with the SDK's own retries off (``max_network_retries=0``): retrying is
done here, bounded and visible. A call is retried when its error is transient (:func:`is_transient`:
no answer (connection error, timeout), 429, 5xx, or 409 ``idempotency_key_in_use``/``lock_timeout``),
``tries`` times at most, waiting exponentially (``backoff`` s doubling up to ``backoff_max`` s). Every
retry of a creating call carries the same ``Idempotency-Key``, so Stripe answers the first request's
result instead of creating a second object (https://docs.stripe.com/api/idempotent_requests). Other
errors (4xx: invalid request, authentication, idempotency-key reuse with other parameters) are raised at
once as ``stripe.StripeError`` subclasses.

``calls`` counts the HTTP requests made (the bench's calls/s). The secret key is held by the SDK only; it is
sent as a header and never appears in an error message (Stripe masks it) or a log line of ours."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, cast

import stripe
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential

TRANSIENT_CONFLICT_CODES = frozenset({"idempotency_key_in_use", "lock_timeout"})
# The SDK logs two INFO lines per request (method and URL: no key, no body); the sync logs what matters itself
# (a failed attempt, once), so the SDK speaks only from WARNING on.
logging.getLogger("stripe").setLevel(logging.WARNING)


def is_transient(error: BaseException) -> bool:
    """True for a failure that may pass when the same request is sent again: no answer (connection
    refused or reset, timeout: ``stripe.APIConnectionError``), 429 (``stripe.RateLimitError``), any 5xx, and a
    409 whose code says another request with the key is in flight or a lock timed out."""
    if isinstance(error, stripe.APIConnectionError | stripe.RateLimitError):
        return True
    if isinstance(error, stripe.StripeError):
        status = error.http_status
        if status is not None and status >= 500:
            return True
        return status == 409 and error.code in TRANSIENT_CONFLICT_CODES
    return False


class StripeGateway:
    """The Stripe calls of the sync. Every method answers Stripe's object(s) as dicts; raises
    ``stripe.StripeError`` once a transient error outlasts ``tries`` or at once for any other."""

    def __init__(
        self,
        *,
        api_base: str,
        secret_key: str,
        timeout_seconds: float = 10.0,
        tries: int = 4,
        backoff_seconds: float = 0.5,
        backoff_max_seconds: float = 8.0,
    ) -> None:
        self._http = stripe.HTTPXClient(timeout=timeout_seconds)
        self._client = stripe.StripeClient(
            secret_key, base_addresses={"api": api_base}, http_client=self._http, max_network_retries=0
        )
        self._tries = tries
        self._backoff = backoff_seconds
        self._backoff_max = backoff_max_seconds
        self.calls = 0

    async def close(self) -> None:
        await self._http.close_async()  # type: ignore[no-untyped-call]

    async def _call(self, request: Callable[[], Awaitable[Any]]) -> Any:
        async for attempt in AsyncRetrying(
            retry=retry_if_exception(is_transient),
            stop=stop_after_attempt(self._tries),
            wait=wait_exponential(multiplier=self._backoff, max=self._backoff_max),
            reraise=True,
        ):
            with attempt:
                self.calls += 1
                return await request()
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover

    @staticmethod
    def _dict(found: Any) -> dict[str, Any]:
        return cast(dict[str, Any], found.to_dict())

    @staticmethod
    def _key(idempotency_key: str) -> Any:
        return {"idempotency_key": idempotency_key}

    # Customers

    async def create_customer(self, params: dict[str, Any], *, idempotency_key: str) -> dict[str, Any]:
        """``POST /v1/customers``."""
        v1 = self._client.v1
        return self._dict(
            await self._call(lambda: v1.customers.create_async(cast(Any, params), self._key(idempotency_key)))
        )

    async def search_customers(self, query: str) -> list[dict[str, Any]]:
        """``GET /v1/customers/search?query=…`` (the first page; ours is one object)."""
        v1 = self._client.v1
        found = await self._call(lambda: v1.customers.search_async({"query": query}))
        return [self._dict(c) for c in found.data]

    # Invoices

    async def create_invoice(self, params: dict[str, Any], *, idempotency_key: str) -> dict[str, Any]:
        """``POST /v1/invoices`` (a draft)."""
        v1 = self._client.v1
        return self._dict(
            await self._call(lambda: v1.invoices.create_async(cast(Any, params), self._key(idempotency_key)))
        )

    async def search_invoices(self, query: str) -> list[dict[str, Any]]:
        """``GET /v1/invoices/search?query=…``."""
        v1 = self._client.v1
        found = await self._call(lambda: v1.invoices.search_async({"query": query}))
        return [self._dict(i) for i in found.data]

    async def retrieve_invoice(self, stripe_invoice_id: str) -> dict[str, Any]:
        """``GET /v1/invoices/{id}``."""
        v1 = self._client.v1
        return self._dict(await self._call(lambda: v1.invoices.retrieve_async(stripe_invoice_id)))

    async def add_lines(
        self, stripe_invoice_id: str, params: dict[str, Any], *, idempotency_key: str
    ) -> dict[str, Any]:
        """``POST /v1/invoices/{id}/add_lines`` (draft only)."""
        v1 = self._client.v1
        return self._dict(
            await self._call(
                lambda: v1.invoices.add_lines_async(stripe_invoice_id, cast(Any, params), self._key(idempotency_key))
            )
        )

    async def finalize_invoice(self, stripe_invoice_id: str, *, idempotency_key: str) -> dict[str, Any]:
        """``POST /v1/invoices/{id}/finalize`` with ``auto_advance=false`` (Stripe neither sends nor charges)."""
        v1 = self._client.v1
        return self._dict(
            await self._call(
                lambda: v1.invoices.finalize_invoice_async(
                    stripe_invoice_id, {"auto_advance": False}, self._key(idempotency_key)
                )
            )
        )

    # Tax rates and credit notes

    async def create_tax_rate(self, params: dict[str, Any], *, idempotency_key: str) -> dict[str, Any]:
        """``POST /v1/tax_rates``."""
        v1 = self._client.v1
        return self._dict(
            await self._call(lambda: v1.tax_rates.create_async(cast(Any, params), self._key(idempotency_key)))
        )

    async def create_credit_note(self, params: dict[str, Any], *, idempotency_key: str) -> dict[str, Any]:
        """``POST /v1/credit_notes``."""
        v1 = self._client.v1
        return self._dict(
            await self._call(lambda: v1.credit_notes.create_async(cast(Any, params), self._key(idempotency_key)))
        )

    async def list_credit_notes(self, stripe_invoice_id: str) -> list[dict[str, Any]]:
        """``GET /v1/credit_notes?invoice=…&limit=100`` (credit notes have no search)."""
        v1 = self._client.v1
        found = await self._call(lambda: v1.credit_notes.list_async({"invoice": stripe_invoice_id, "limit": 100}))
        return [self._dict(c) for c in found.data]
