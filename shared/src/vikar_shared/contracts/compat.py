"""Which changes to the schema of one (type, version) keep every producer and consumer working.

A topic keeps old messages (replays, lagging partitions, dead letters replayed weeks later) and
services deploy independently, so a change must work in both directions:

- an old reader (built from the old schema, ``extra="ignore"``) must accept every new message;
- a new reader must accept every old message still in the log.

Compatible: adding an optional field; editing annotations (title, description, examples, default).
Breaking, each reported with the path of the field:

- a field removed (the schema cannot tell an unused field from one whose default would hide the loss);
- a field added as required, or an optional field made required (old messages may lack it);
- a required field made optional (new messages may lack it; old readers require it);
- a type narrowed (e.g. no longer nullable: old messages fail) or widened (e.g. newly nullable,
  another type allowed: old readers fail); a changed ``format`` counts as a changed type;
- an enum value removed (old messages fail) or added (old readers fail); a changed ``const``;
- any other validation keyword changed (``minimum``, ``maxLength``, ``pattern``, ``additionalProperties``…):
  tightening fails old messages and loosening fails old readers, so the direction does not matter.

Nested models (``$ref``) and list items are compared recursively; ``$defs`` names are irrelevant.
A breaking change needs a new event version, i.e. a new snapshot file next to the old one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Schema = Mapping[str, Any]

_ANNOTATIONS = frozenset({"title", "description", "examples", "default", "$comment", "deprecated", "$schema", "$id"})
_SCHEMA_MAPS = frozenset({"properties", "patternProperties"})
_SCHEMA_LISTS = frozenset({"anyOf", "oneOf", "allOf", "prefixItems"})
_SCHEMAS = frozenset({"items", "additionalProperties", "not", "contains"})
_UNIONS = ("anyOf", "oneOf")
_COMPARED = frozenset({"type", "format", "enum", "const", "properties", "required", "items", *_UNIONS})
_MISSING = object()


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    """Every change from ``old`` to ``new`` that would make an old reader or an old message fail."""
    changes: list[str] = []
    _compare(canonical(old), canonical(new), "", changes)
    return changes


def canonical(schema: Schema) -> dict[str, Any]:
    """The schema with every ``$ref`` inlined and annotations dropped: only what validation sees."""
    inlined: dict[str, Any] = _canonical(schema, schema.get("$defs", {}), frozenset())
    return inlined


def _canonical(node: Any, defs: Mapping[str, Any], stack: frozenset[str]) -> Any:
    if not isinstance(node, Mapping):
        return node  # boolean schemas
    if "$ref" in node:
        name = str(node["$ref"]).removeprefix("#/$defs/")
        if name in stack:  # a recursive model: keep the reference rather than loop
            return {"$ref": name}
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        return _canonical({**defs[name], **siblings}, defs, stack | {name})
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _ANNOTATIONS or key == "$defs":
            continue
        if key in _SCHEMA_MAPS:
            out[key] = {name: _canonical(sub, defs, stack) for name, sub in value.items()}
        elif key in _SCHEMA_LISTS:
            out[key] = [_canonical(sub, defs, stack) for sub in value]
        elif key in _SCHEMAS:
            out[key] = _canonical(value, defs, stack)
        else:
            out[key] = value
    return out


def _where(path: str) -> str:
    return path or "(message)"


def _kind(node: Any) -> str:
    if not isinstance(node, Mapping):
        return f"boolean schema {node}"
    kind = str(node.get("type", "any"))
    return f"{kind} ({node['format']})" if "format" in node else kind


def _variants(node: Any) -> dict[str, Any] | None:
    """The alternatives a value may take, by kind; None when two alternatives share a kind."""
    members: list[Any] = [node]
    if isinstance(node, Mapping):
        union = next((node[u] for u in _UNIONS if u in node), None)
        if union is not None:
            # Keywords beside anyOf/oneOf apply to every alternative.
            siblings = {k: v for k, v in node.items() if k not in _UNIONS}
            members = []
            for sub in union:
                nested = _variants({**siblings, **sub} if isinstance(sub, Mapping) else sub)
                if nested is None:
                    return None
                members.extend(nested.values())
        elif isinstance(node.get("type"), list):
            members = [{**node, "type": t} for t in node["type"]]
    variants: dict[str, Any] = {}
    for member in members:
        kind = _kind(member)
        if kind in variants:
            return None
        variants[kind] = member
    return variants


def _compare(old: Any, new: Any, path: str, out: list[str]) -> None:
    old_variants, new_variants = _variants(old), _variants(new)
    if old_variants is None or new_variants is None:
        if old != new:
            out.append(f"{_where(path)}: union of same-kind alternatives changed")
        return
    removed = [k for k in old_variants if k not in new_variants]
    added = [k for k in new_variants if k not in old_variants]
    if removed and added:
        out.append(f"{_where(path)}: type changed from {' | '.join(removed)} to {' | '.join(added)}")
    elif removed:
        out.append(f"{_where(path)}: no longer accepts {' | '.join(removed)} (old messages fail validation)")
    elif added:
        out.append(f"{_where(path)}: now also allows {' | '.join(added)} (old readers reject it)")
    for kind, old_variant in old_variants.items():
        if kind in new_variants:
            _compare_same_kind(old_variant, new_variants[kind], path, out)


def _compare_same_kind(old: Any, new: Any, path: str, out: list[str]) -> None:
    if not isinstance(old, Mapping) or not isinstance(new, Mapping):
        return
    _compare_enums(old, new, path, out)
    if old.get("const", _MISSING) != new.get("const", _MISSING):
        out.append(f"{_where(path)}: const changed from {old.get('const')!r} to {new.get('const')!r}")
    if "properties" in old or "properties" in new:
        _compare_objects(old, new, path, out)
    if "items" in old and "items" in new:
        _compare(old["items"], new["items"], f"{path}[]", out)
    elif "items" in old or "items" in new:
        out.append(f"{_where(path)}: item schema added or removed")
    for key in sorted((old.keys() | new.keys()) - _COMPARED):
        before, after = old.get(key, _MISSING), new.get(key, _MISSING)
        if before != after:
            shown = ["absent" if v is _MISSING else repr(v) for v in (before, after)]
            out.append(f"{_where(path)}: {key} changed from {shown[0]} to {shown[1]}")


def _compare_enums(old: Mapping[str, Any], new: Mapping[str, Any], path: str, out: list[str]) -> None:
    if "enum" not in old and "enum" not in new:
        return
    if "enum" not in new:
        out.append(f"{_where(path)}: no longer restricted to {old['enum']!r} (old readers reject other values)")
        return
    if "enum" not in old:
        out.append(f"{_where(path)}: newly restricted to {new['enum']!r} (old messages may fail)")
        return
    if removed := [v for v in old["enum"] if v not in new["enum"]]:
        out.append(f"{_where(path)}: enum value(s) removed: {removed!r} (old messages fail validation)")
    if added := [v for v in new["enum"] if v not in old["enum"]]:
        out.append(f"{_where(path)}: enum value(s) added: {added!r} (old readers reject them)")


def _compare_objects(old: Mapping[str, Any], new: Mapping[str, Any], path: str, out: list[str]) -> None:
    old_fields: Mapping[str, Any] = old.get("properties", {})
    new_fields: Mapping[str, Any] = new.get("properties", {})
    old_required, new_required = set(old.get("required", ())), set(new.get("required", ()))
    for name in old_fields:
        field = f"{path}.{name}" if path else name
        if name not in new_fields:
            out.append(f"{field}: field removed")
            continue
        if name in old_required and name not in new_required:
            out.append(f"{field}: required field made optional (old readers fail on messages without it)")
        elif name not in old_required and name in new_required:
            out.append(f"{field}: optional field made required (old messages may not have it)")
        _compare(old_fields[name], new_fields[name], field, out)
    for name in new_fields:
        if name in old_fields:
            continue
        field = f"{path}.{name}" if path else name
        if name in new_required:
            out.append(f"{field}: new required field (old messages do not have it)")
        elif old.get("additionalProperties") is False:
            out.append(f"{field}: new field, but old readers forbid unknown fields")
