"""Validates a JSON document against a committed snapshot, without a JSON Schema library.

Covers the subset of draft 2020-12 that pydantic emits for our models. A keyword outside that
subset raises ``UnsupportedKeyword`` rather than being skipped, so a check can never pass by
ignoring part of the schema.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

_ANNOTATIONS = frozenset({"title", "description", "examples", "default", "$comment", "deprecated", "$schema", "$id"})
_HANDLED = frozenset(
    {
        "$ref",
        "$defs",
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "anyOf",
        "oneOf",
        "enum",
        "const",
        "format",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "minLength",
        "maxLength",
        "pattern",
        "minItems",
        "maxItems",
    }
)


class UnsupportedKeywordError(ValueError):
    pass


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _is_datetime(value: str) -> bool:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return False
    return parsed.tzinfo is not None  # RFC 3339 requires an offset


_FORMATS: dict[str, Callable[[str], bool]] = {"uuid": _is_uuid, "date": _is_date, "date-time": _is_datetime}

_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def errors(schema: Mapping[str, Any], instance: Any) -> list[str]:
    """Every violation of ``schema`` by ``instance``, each naming the path; empty when valid."""
    found: list[str] = []
    _check(schema, instance, schema.get("$defs", {}), "", found)
    return found


def _check(node: Any, value: Any, defs: Mapping[str, Any], path: str, out: list[str]) -> None:
    where = path or "(message)"
    if node is True:
        return
    if node is False:
        out.append(f"{where}: no value allowed")
        return
    unknown = set(node) - _HANDLED - _ANNOTATIONS
    if unknown:
        raise UnsupportedKeywordError(f"{where}: schema keywords not supported: {sorted(unknown)}")
    if "$ref" in node:
        _check(defs[str(node["$ref"]).removeprefix("#/$defs/")], value, defs, path, out)
    for union in ("anyOf", "oneOf"):
        if union in node:
            matches = sum(not _errors_of(sub, value, defs, path) for sub in node[union])
            if matches == 0 or (union == "oneOf" and matches > 1):
                out.append(f"{where}: matches {matches} of the {union} alternatives")
    if "type" in node:
        types = node["type"] if isinstance(node["type"], list) else [node["type"]]
        if not any(_TYPES[t](value) for t in types):
            out.append(f"{where}: expected {' or '.join(types)}, got {type(value).__name__}")
            return
    if "const" in node and value != node["const"]:
        out.append(f"{where}: must be {node['const']!r}")
    if "enum" in node and value not in node["enum"]:
        out.append(f"{where}: must be one of {node['enum']!r}")
    if isinstance(value, str):
        _check_string(node, value, where, out)
    if isinstance(value, int | float) and not isinstance(value, bool):
        _check_number(node, value, where, out)
    if isinstance(value, list):
        _check_array(node, value, defs, path, out)
    if isinstance(value, dict):
        _check_object(node, value, defs, path, out)


def _errors_of(node: Any, value: Any, defs: Mapping[str, Any], path: str) -> list[str]:
    found: list[str] = []
    _check(node, value, defs, path, found)
    return found


def _check_string(node: Mapping[str, Any], value: str, where: str, out: list[str]) -> None:
    fmt = node.get("format")
    if fmt is not None:
        if fmt not in _FORMATS:
            raise UnsupportedKeywordError(f"{where}: format {fmt!r} not supported")
        if not _FORMATS[fmt](value):
            out.append(f"{where}: not a valid {fmt}: {value!r}")
    if "minLength" in node and len(value) < node["minLength"]:
        out.append(f"{where}: shorter than {node['minLength']}")
    if "maxLength" in node and len(value) > node["maxLength"]:
        out.append(f"{where}: longer than {node['maxLength']}")
    if "pattern" in node and re.search(node["pattern"], value) is None:
        out.append(f"{where}: does not match {node['pattern']!r}")


def _check_number(node: Mapping[str, Any], value: float, where: str, out: list[str]) -> None:
    if "minimum" in node and value < node["minimum"]:
        out.append(f"{where}: below minimum {node['minimum']}")
    if "maximum" in node and value > node["maximum"]:
        out.append(f"{where}: above maximum {node['maximum']}")
    if "exclusiveMinimum" in node and value <= node["exclusiveMinimum"]:
        out.append(f"{where}: not above {node['exclusiveMinimum']}")
    if "exclusiveMaximum" in node and value >= node["exclusiveMaximum"]:
        out.append(f"{where}: not below {node['exclusiveMaximum']}")


def _check_array(node: Mapping[str, Any], value: list[Any], defs: Mapping[str, Any], path: str, out: list[str]) -> None:
    if "minItems" in node and len(value) < node["minItems"]:
        out.append(f"{path or '(message)'}: fewer than {node['minItems']} items")
    if "maxItems" in node and len(value) > node["maxItems"]:
        out.append(f"{path or '(message)'}: more than {node['maxItems']} items")
    if "items" in node:
        for index, item in enumerate(value):
            _check(node["items"], item, defs, f"{path}[{index}]", out)


def _check_object(
    node: Mapping[str, Any], value: dict[str, Any], defs: Mapping[str, Any], path: str, out: list[str]
) -> None:
    properties: Mapping[str, Any] = node.get("properties", {})
    for name in node.get("required", ()):
        if name not in value:
            out.append(f"{path}.{name}: required" if path else f"{name}: required")
    for name, item in value.items():
        field = f"{path}.{name}" if path else name
        if name in properties:
            _check(properties[name], item, defs, field, out)
        elif "additionalProperties" in node:
            _check(node["additionalProperties"], item, defs, field, out)
