"""Writes (or with ``--check`` verifies) one JSON Schema snapshot per registered event version.

    uv run python -m vikar_shared.contracts.export [--check] [--dir shared/schemas]

Snapshots live in ``shared/schemas/<type>.v<version>.json`` and are committed. A compatible change
(see ``compat``) rewrites the snapshot; an incompatible one is refused: add a new event version
(a new model and a new snapshot) and leave the old snapshot as it is.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vikar_shared.contracts.compat import breaking_changes
from vikar_shared.contracts.messages import message_schema, snapshot_name
from vikar_shared.events.envelope import EventData
from vikar_shared.events.registry import EVENT_TYPES

# The source checkout's shared/ folder; the tool runs from a checkout, never from an installed wheel.
SHARED_DIR = Path(__file__).resolve().parents[3]
SCHEMA_DIR = SHARED_DIR / "schemas"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def snapshot(event: type[EventData]) -> dict[str, Any]:
    return {"$schema": DIALECT, **message_schema(event)}


def load(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def _incompatible(event: type[EventData], changes: list[str]) -> str:
    listed = "".join(f"\n    - {c}" for c in changes)
    return (
        f"{snapshot_name(event)}: incompatible with the committed snapshot; keep it and publish "
        f"{event.event_type} as version {event.event_version + 1} instead:{listed}"
    )


def differences(directory: Path = SCHEMA_DIR) -> list[str]:
    """What is missing, stale or incompatible in ``directory``; empty when it matches the code."""
    found: list[str] = []
    expected = {snapshot_name(e) for e in EVENT_TYPES}
    for event in EVENT_TYPES:
        path = directory / snapshot_name(event)
        current = snapshot(event)
        if not path.exists():
            found.append(f"{path.name}: missing")
        elif changes := breaking_changes(load(path), current):
            found.append(_incompatible(event, changes))
        elif path.read_text(encoding="utf-8") != render(current):
            found.append(f"{path.name}: stale (compatible change); run python -m vikar_shared.contracts.export")
    for path in sorted(directory.glob("*.json")):
        if path.name not in expected:
            found.append(f"{path.name}: not a registered event version; delete it only when the type is retired")
    return found


def write(directory: Path = SCHEMA_DIR) -> list[str]:
    """Writes every snapshot that is missing or compatibly changed; returns the refused ones."""
    directory.mkdir(parents=True, exist_ok=True)
    refused: list[str] = []
    for event in EVENT_TYPES:
        path = directory / snapshot_name(event)
        current = snapshot(event)
        if path.exists() and (changes := breaking_changes(load(path), current)):
            refused.append(_incompatible(event, changes))
            continue
        text = render(current)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    return refused


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vikar_shared.contracts.export", description="Event JSON Schema snapshots"
    )
    parser.add_argument("--check", action="store_true", help="verify only; exit 1 listing differences")
    parser.add_argument("--dir", type=Path, default=SCHEMA_DIR, help="snapshot folder (default: %(default)s)")
    args = parser.parse_args(argv)
    problems = differences(args.dir) if args.check else write(args.dir)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
