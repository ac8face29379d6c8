"""Values at the edges of what the code can compute or store, mixed into generated requests.

Random generation from a schema seldom hits them (a month of year 9999, an offset past 2**63, a NUL in a
name), yet each is a kind of fault users of comparable systems ran into. Half the examples
replace one query parameter, integer path id or JSON body value with such a value, chosen by the value's shape.
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import strategies as st

INTEGERS = [2**63, 2**63 - 1, -(2**63) - 1, 2**31, -1, 10**30]
DATES = ["9999-12-31", "0001-01-01", "1899-12-31", "2101-01-01", "２０２６-１１-０５"]
MONTHS = ["9999-12", "0001-01", "1999-12", "2101-01", "２０２６-１１"]
WEEKS = ["9999-W52", "0001-W01", "2101-W01", "２０２６-W47", "2026-W５"]
TEXTS = [
    "a\x00b",
    "\x00",
    "   ",
    "",
    "\t",
    "Ib\x1b[31m",
    "Ib\r\nBcc: x@example.org",
    "\u0085",
    "x" * 1_000,
    "\u200b",
    "\ufeff\u200b",
    "ab\u202ecd",
    "ａｐｐｒ@example.com",
]

DATE_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MONTH_LIKE = re.compile(r"^\d{4}-\d{2}$")
WEEK_LIKE = re.compile(r"^\d{4}-W\d{2}$")


def _choices(name: str, value: Any, schema_type: str | None = None) -> list[Any]:
    key = name.lower()
    if isinstance(value, bool) or schema_type == "boolean":
        return []
    if isinstance(value, int) or schema_type == "integer":
        return INTEGERS
    if key == "month" or (isinstance(value, str) and MONTH_LIKE.match(value)):
        return MONTHS
    if key == "week" or (isinstance(value, str) and WEEK_LIKE.match(value)):
        return WEEKS
    if (
        key in ("on", "date")
        or key.endswith(("_date", "_on", "_from"))
        or (isinstance(value, str) and DATE_LIKE.match(value))
    ):
        return DATES
    if isinstance(value, str) or schema_type == "string":
        return TEXTS
    return []


def _type(schema: dict[str, Any]) -> str | None:
    """The JSON type of a parameter schema, looking through ``anyOf`` (FastAPI's optional parameters)."""
    if isinstance(schema.get("type"), str):
        return str(schema["type"])
    kinds = [_type(s) for s in schema.get("anyOf", []) if isinstance(s, dict)]
    return next((k for k in kinds if k not in (None, "null")), None)


def _body_slots(value: Any) -> list[tuple[Any, Any, list[Any]]]:
    """(container, key, edge values) for every leaf of a JSON body."""
    slots: list[tuple[Any, Any, list[Any]]] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, dict | list):
                slots += _body_slots(v)
            elif choices := _choices(str(k), v):
                slots.append((value, k, choices))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            if isinstance(v, dict | list):
                slots += _body_slots(v)
            elif choices := _choices("", v):
                slots.append((value, i, choices))
    return slots


def push_to_an_edge(case: Any, data: st.DataObject) -> str | None:
    """Replaces one query parameter, integer path id or body value of ``case`` with an edge value (or nothing, most of the
    time); returns what it did, for the report."""
    if not data.draw(st.booleans(), label="edge"):
        return None
    slots: list[tuple[str, Any, Any, list[Any]]] = []
    for location, parameters in (("query", case.operation.query), ("path", case.operation.path_parameters)):
        for parameter in parameters:
            kind = _type(parameter.definition.get("schema", {}))
            # Path ids are strings (UUIDs, e-mail addresses): only integer ids get edge values there.
            if location == "path" and kind != "integer":
                continue
            if choices := _choices(parameter.name, None, kind):
                slots.append((location, None, parameter.name, choices))
    if isinstance(case.body, dict | list):
        slots += [("body", container, key, choices) for container, key, choices in _body_slots(case.body)]
    if not slots:
        return None
    where, container, key, choices = data.draw(st.sampled_from(slots), label="edge slot")
    value = data.draw(st.sampled_from(choices), label="edge value")
    if where == "query":
        case.query = {**(case.query or {}), key: str(value)}
    elif where == "path":
        case.path_parameters = {**(case.path_parameters or {}), key: str(value)}
    else:
        container[key] = value
    return f"{where} {key} = {value!r}"[:120]
