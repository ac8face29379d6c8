"""One value per query parameter: a repeated key is refused, never read as its last (or first) value.

``?as_of=2026-11-30&as_of=2026-10-01`` used to answer for 2026-10-01 (FastAPI and
``request.query_params.get`` take the last value), so a client or a link that said two things got an
answer for one of them without a word. :func:`refuse_repeated_query_keys` is a dependency of every route
of every service app (``create_service_app`` installs it app-wide, pages included) and runs before the
route's own parameters are read:

- an API answers 422 ``request-invalid`` with ``errors: [{"field": <key>, "rule": "repeated", ...}]``
  (one entry per repeated key; :mod:`vikar_shared.http.problems`);
- a page under a :class:`~vikar_shared.web.site.PageSite` answers that site's 422 page (the framework's
  validation error becomes the page there, :func:`~vikar_shared.web.site.install_page_error_pages`).

A key the route declares list-valued (``Annotated[list[str], Query()]``, directly or in one of its
dependencies) may repeat: that is how such a list is sent.
"""

from __future__ import annotations

import collections.abc
import types
from collections import Counter
from typing import Annotated, Any, Union, get_args, get_origin

from fastapi import Request
from fastapi.exceptions import RequestValidationError

__all__ = ["REPEATED_RULE", "list_valued_query_keys", "refuse_repeated_query_keys"]

REPEATED_RULE = "repeated"
_COLLECTIONS: tuple[type, ...] = (
    list,
    tuple,
    set,
    frozenset,
    collections.abc.Sequence,
    collections.abc.Set,
)


def _list_valued(annotation: Any) -> bool:
    """Whether a parameter of this type takes every value of its key (``list[str]``, ``set[int] | None``)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _list_valued(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return any(_list_valued(a) for a in get_args(annotation))
    kind = origin or annotation
    return isinstance(kind, type) and issubclass(kind, _COLLECTIONS) and not issubclass(kind, str | bytes)


def list_valued_query_keys(route: object) -> set[str]:
    """The query keys ``route`` (a FastAPI ``APIRoute``; anything else: none) reads as lists, by alias,
    from its own parameters and its dependencies'."""
    keys: set[str] = set()
    pending = [getattr(route, "dependant", None)]
    while pending:
        dependant = pending.pop()
        if dependant is None:
            continue
        keys |= {f.alias for f in dependant.query_params if _list_valued(f.field_info.annotation)}
        pending.extend(dependant.dependencies)
    return keys


async def refuse_repeated_query_keys(request: Request) -> None:
    """Raises ``RequestValidationError`` (422, rule ``repeated``, the key as the field) when a query key
    appears more than once (``?page=1&page=2``, also ``?page=&page=1``) and the route does not read it as
    a list. Keys are compared as decoded (``a`` and ``%61`` are the same key)."""
    counts = Counter(key for key, _ in request.query_params.multi_items())
    repeated = sorted(key for key, n in counts.items() if n > 1)
    if not repeated:
        return
    allowed = list_valued_query_keys(request.scope.get("route"))
    refused = [key for key in repeated if key not in allowed]
    if refused:
        raise RequestValidationError(
            [
                {
                    "type": REPEATED_RULE,
                    "loc": ("query", key),
                    "msg": f"Give {key} once (it was given {counts[key]} times)",
                    "input": request.query_params.getlist(key),
                }
                for key in refused
            ]
        )
