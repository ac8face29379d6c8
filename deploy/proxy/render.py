"""Renders an nginx template of this folder: ``${VIKAR_...}`` from the environment, nothing else.

    python3 deploy/proxy/render.py routes.conf.template > DIR/routes.conf

nginx's own ``$variables`` are left alone; a ``${VIKAR_...}`` the environment lacks is an error (exit 1),
never an empty string. Standard library only: deploy/local/stack runs it before any virtualenv exists.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

PLACEHOLDER = re.compile(r"\$\{(VIKAR_[A-Z0-9_]+)\}")


def render(template: str, env: dict[str, str]) -> str:
    missing = sorted({name for name in PLACEHOLDER.findall(template) if not env.get(name)})
    if missing:
        raise KeyError(", ".join(missing))
    return PLACEHOLDER.sub(lambda m: env[m.group(1)], template)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: render.py TEMPLATE", file=sys.stderr)
        return 2
    path = Path(argv[0])
    if not path.is_absolute():
        path = Path(__file__).parent / path
    try:
        sys.stdout.write(render(path.read_text(), dict(os.environ)))
    except KeyError as missing:
        print(f"render.py: {path.name} needs {missing.args[0]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
