"""A service's pages under one prefix (``/portal``, ``/auth``, …): rendering on the shared layout, message
pages, and every failure ending on a page in the visitor's language, never on the API's problem+json.

A service builds one :class:`PageSite` (its prefix, templates, catalogue, the link an error page offers)
and then:

- ``site.render(request, template, t, **context)``: a page (:func:`vikar_shared.web.pages.render_page`,
  with :data:`~vikar_shared.web.pages.SECURITY_HEADERS`; the layout links ``{prefix}/static/vikar.css``,
  which the service serves with :func:`vikar_shared.web.static.stylesheet_response`);
- ``site.message(request, title, text, status=…, link=…, params=…)``: a message page (the service's
  ``message_template``, which puts ``vikar/message_card.html`` into its own base);
- ``@ends_on_a_page(site, expected)`` on each endpoint: the service's expected failures (``expected``
  returns a page, or None), then the shared ones: :class:`~vikar_shared.web.csrf.CsrfRejectedError` → 403,
  :class:`~vikar_shared.web.forms.FormInvalidError` → 422, a :class:`~vikar_shared.errors.DomainError` → its
  problem's status, anything else → logged once with the correlation id and a 500 page quoting it;
- :func:`install_page_error_pages`: what the framework raises on a path under the prefix (an unknown page
  404, a method not allowed 405, a body it cannot parse 422, a query key given twice 422 "the address could not
  be used") becomes the site's page; on every other path
  the handlers installed before answer as they did.

Catalogues start from :data:`vikar_shared.web.i18n.PAGE_CATALOGUE` and add ``page_not_found_text`` and the
text key of ``home``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment
from starlette.exceptions import HTTPException as StarletteHTTPException

from vikar_shared.errors import DomainError
from vikar_shared.http.problems import STATUS_BY_CATEGORY, framework_headers
from vikar_shared.http.query import REPEATED_RULE
from vikar_shared.logging import correlation_id_var
from vikar_shared.web.csrf import CsrfRejectedError
from vikar_shared.web.forms import FormInvalidError
from vikar_shared.web.i18n import Translator
from vikar_shared.web.language import visitor_locale
from vikar_shared.web.pages import render_page

log = logging.getLogger(__name__)

Link = tuple[str, str]
"""A link on a message page: (href, catalogue key of its text)."""
StatusMessage = tuple[str, str, Mapping[str, object]]
"""(title key, text key, the text's params)."""
Endpoint = Callable[..., Awaitable[Response]]
Expected = Callable[[Request, Exception], Response | None]
Handler = Callable[[Request, Exception], Awaitable[Response]]


@dataclass(frozen=True)
class PageSite:
    """One service's pages.

    ``name``: for log lines (``portal``); ``prefix``: where the pages live (``/portal``); ``environment``:
    :func:`vikar_shared.web.pages.make_environment` over the service's templates; ``translator``: the
    service's :class:`~vikar_shared.web.i18n.Translator` subclass; ``message_template``: its message page;
    ``home``: the link error pages offer; ``defaults``: context every template gets (a page's own context
    wins); ``status_messages``: a framework status the site words otherwise (the portal's 413).
    """

    name: str
    prefix: str
    environment: Environment
    translator: type[Translator]
    message_template: str
    home: Link
    defaults: Mapping[str, Any] = field(default_factory=dict)
    status_messages: Mapping[int, StatusMessage] = field(default_factory=dict)

    def owns(self, request: Request) -> bool:
        """Whether ``request``'s path is one of this site's (the prefix itself or below it)."""
        path = request.url.path
        return path == self.prefix or path.startswith(self.prefix + "/")

    def translator_for(self, request: Request) -> Translator:
        """The words of the visitor's language (:func:`vikar_shared.web.language.visitor_locale`)."""
        return self.translator(visitor_locale(request))

    def render(
        self, request: Request, template: str, t: Translator | None = None, *, status: int = 200, **context: Any
    ) -> HTMLResponse:
        """``template`` in ``t``'s language (default: the visitor's), with the security headers."""
        return render_page(
            self.environment,
            request,
            template,
            t or self.translator_for(request),
            static_prefix=self.prefix,
            status=status,
            **{**self.defaults, **context},
        )

    def message(
        self,
        request: Request,
        title: str,
        text: str,
        *,
        status: int,
        link: Link | None = None,
        headers: Mapping[str, str] | None = None,
        extra: str | None = None,
        reference: str | None = None,
        params: Mapping[str, object] | None = None,
        t: Translator | None = None,
    ) -> HTMLResponse:
        """A message page: ``title`` and ``text`` (catalogue keys; ``params`` fill the text), an optional
        ``extra`` paragraph, an error ``reference`` and a ``link``; ``headers`` are added (``Retry-After``)."""
        response = self.render(
            request,
            self.message_template,
            t,
            status=status,
            title=title,
            text=text,
            link=link,
            extra=extra,
            reference=reference,
            params=dict(params or {}),
        )
        response.headers.update(dict(headers or {}))
        return response

    def error_page(self, request: Request, status: int, headers: Mapping[str, str] | None = None) -> HTMLResponse:
        """The page for a status the framework answered with: 404 "page not found", 405 "cannot be used like
        that" (the path exists for another method: a form's POST opened by hand), a status of
        ``status_messages`` as worded there, another 4xx "the form could not be used", else "something
        went wrong"; each with the ``home`` link and the framework's headers (``Allow``)."""
        params: Mapping[str, object] = {}
        if status == 404:
            title, text = "page_not_found_title", "page_not_found_text"
        elif status == 405:
            title, text = "method_not_allowed_title", "method_not_allowed_text"
        elif status in self.status_messages:
            title, text, params = self.status_messages[status]
        elif 400 <= status < 500:
            title, text = "form_invalid_title", "form_invalid_text"
        else:
            title, text = "error_title", "error_text"
        return self.message(request, title, text, status=status, link=self.home, headers=headers, params=params)

    def failure_page(self, request: Request, exc: Exception) -> HTMLResponse:
        """The page for a failure no endpoint expected (see the module docstring)."""
        if isinstance(exc, CsrfRejectedError):
            return self.message(request, "csrf_title", "csrf_text", status=403)
        if isinstance(exc, FormInvalidError):
            return self.message(request, "form_invalid_title", "form_invalid_text", status=422, link=self.home)
        if isinstance(exc, DomainError):
            # Any other refusal the services raise: the site's page with the problem's status.
            status = STATUS_BY_CATEGORY[exc.category]
            return self.message(request, "error_title", "error_text", status=status, link=self.home)
        # Unexpected: logged once with the correlation id, answered with a page quoting it; the request's
        # transaction was rolled back.
        log.exception("unhandled error in %s %s %s", self.name, request.method, request.url.path, exc_info=exc)
        reference = correlation_id_var.get() or ""
        return self.message(request, "error_title", "error_text", status=500, link=self.home, reference=reference)


def ends_on_a_page(site: PageSite, expected: Expected | None = None) -> Callable[[Endpoint], Endpoint]:
    """Decorates a page endpoint (called with ``request=`` as a keyword): a failure becomes ``expected``'s
    page, else :meth:`PageSite.failure_page`. The framework's HTTP errors pass through to the handlers of
    :func:`install_page_error_pages`."""

    def decorate(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def on_a_page(*args: Any, **kwargs: Any) -> Response:
            request: Request = kwargs["request"]
            try:
                return await endpoint(*args, **kwargs)
            except StarletteHTTPException:
                raise
            except Exception as exc:
                answer = expected(request, exc) if expected is not None else None
                return answer if answer is not None else site.failure_page(request, exc)

        return on_a_page

    return decorate


def install_page_error_pages(app: FastAPI, site: PageSite) -> None:
    """Errors the framework raises on ``site``'s paths end on the site's HTML page
    (:meth:`PageSite.error_page`); on every other path the handlers installed before (the shared
    problem+json, or another site's pages) answer as they did. Install after ``create_service_app``."""
    before_http = cast(Handler, app.exception_handlers[StarletteHTTPException])
    before_validation = cast(Handler, app.exception_handlers[RequestValidationError])

    async def http_error(request: Request, exc: Exception) -> Response:
        if site.owns(request) and isinstance(exc, StarletteHTTPException):
            return site.error_page(request, exc.status_code, framework_headers(request, exc))
        return await before_http(request, exc)

    async def validation_error(request: Request, exc: Exception) -> Response:
        if site.owns(request):
            errors = exc.errors() if isinstance(exc, RequestValidationError) else []
            if errors and all(e.get("type") == REPEATED_RULE for e in errors):
                # A query key given twice (vikar_shared.http.query): the address, not a form, is at fault.
                title, text = "query_repeated_title", "query_repeated_text"
                return site.message(request, title, text, status=422, link=site.home)
            return site.error_page(request, 422)
        return await before_validation(request, exc)

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
