"""problem+json for conflicts about entries: the standard members plus the entry as it is now (``entry``)
and, when the conflict is about several, every one of them (``entries``), so a caller who lost a race
sees the current status, version and who decided without asking again."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from timesheet.entries.schemas import EntryOut
from timesheet.entries.transitions import EntryConflictError
from vikar_shared.http.problems import MEDIA_TYPE, STATUS_BY_CATEGORY, problem_type


async def _entry_conflict(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, EntryConflictError)
    status = STATUS_BY_CATEGORY[exc.category]
    body: dict[str, object] = {
        "type": problem_type(exc.code),
        "title": exc.category.value,
        "status": status,
        "detail": exc.detail,
        "code": exc.code,
    }
    if exc.entry is not None:
        body["entry"] = EntryOut.of(exc.entry).model_dump(mode="json")
    if exc.entries:
        body["entries"] = [EntryOut.of(e).model_dump(mode="json") for e in exc.entries]
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE)


def install_entry_problems(app: FastAPI) -> None:
    """Registered beside the shared handlers; the more specific exception class wins."""
    app.add_exception_handler(EntryConflictError, _entry_conflict)
