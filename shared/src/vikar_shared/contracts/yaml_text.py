"""Block-style YAML for JSON-like data, deterministic and without a YAML library.

PyYAML is not a dependency of the project; JSON-compatible data only needs a small emitter. A
string is written plain only when it cannot be read back as anything else; otherwise it is written
as a JSON string, which YAML reads as the same double-quoted scalar.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*")
# Words YAML 1.1 or 1.2 readers turn into booleans or null.
_RESERVED = frozenset({"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"})


def scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        if _PLAIN.fullmatch(value) and value.lower() not in _RESERVED:
            return value
        return json.dumps(value, ensure_ascii=False)
    raise TypeError(f"not JSON-like: {type(value).__name__}")


def _is_collection(value: Any) -> bool:
    return isinstance(value, Mapping) or (isinstance(value, Sequence) and not isinstance(value, str))


def _lines(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    if isinstance(value, Mapping):
        out: list[str] = []
        for key, item in value.items():
            head = f"{pad}{scalar(str(key))}:"
            if _is_collection(item) and item:
                nested = indent + 2 if isinstance(item, Mapping) else indent
                out += [head, *_lines(item, nested)]
            else:
                out.append(f"{head} {_inline(item)}")
        return out
    out = []
    for item in value:
        if _is_collection(item) and item:
            first, *rest = _lines(item, indent + 2)
            out += [f"{pad}- {first.lstrip()}", *rest]
        else:
            out.append(f"{pad}- {_inline(item)}")
    return out


def _inline(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{}"
    if _is_collection(value):
        return "[]"
    return scalar(value)


def dump(value: Mapping[str, Any]) -> str:
    return "\n".join(_lines(value, 0)) + "\n"
