"""Reading a posted HTML form: bounded (fields, no files), and a body the parser refuses is a page, not the
framework's problem+json (:class:`FormInvalidError`, answered 422 by :mod:`vikar_shared.web.site`)."""

from __future__ import annotations

from fastapi import Request
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException as StarletteHTTPException


class FormInvalidError(Exception):
    """A form the pages always fill is missing a field, malformed, or refused by the parser (malformed
    multipart, a file, too many fields): a 422 page, and nothing is done."""


async def read_form(request: Request, *, max_fields: int) -> FormData:
    """The posted form with at most ``max_fields`` fields and no file; else :class:`FormInvalidError`
    (the parser's refusal is its cause: ``str(exc.__cause__.detail)``)."""
    try:
        return await request.form(max_fields=max_fields, max_files=0)
    except StarletteHTTPException as exc:
        raise FormInvalidError("form") from exc


def form_field(form: FormData, name: str) -> str | None:
    """The text of field ``name`` (None when absent or a file)."""
    value = form.get(name)
    return value if isinstance(value, str) else None
