"""The one origin in tests: Debian's nginx (installed by ``deploy/local/stack up``) configured from
``deploy/proxy/*.template`` exactly as the stack renders them (``deploy/proxy/render.py``, the stack's own
renderer), on a free port of the test's own, in front of upstreams the test names.

- :func:`running_proxy` (a plain context manager: the end-to-end system starts it beside its service
  processes) and :func:`proxy` (the same for ``async with``, beside in-process upstreams) yield the
  origin, ``http://127.0.0.1:<port>``.
- ``upstreams`` maps each service (``placement``, ``timesheet``, ``invoicing``, ``notifications``; all
  four: the templates name every one) to the port its API listens on at 127.0.0.1.

Everything nginx writes (configuration, pid, error log, temporary files) lives under ``directory``; the
error log is in the failure when nginx does not start. A missing nginx fails the test, never skips it.
"""

from __future__ import annotations

import os
import runpy
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import pytest

from vikar_shared.testing.plugin import free_port

ROOT = Path(__file__).resolve().parents[4]
TEMPLATES = ROOT / "deploy" / "proxy"
CONFIG_FILES = ("nginx.conf", "routes.conf")
START_SECONDS = 10.0


def nginx_binary() -> str:
    """The nginx executable (``PATH`` or ``/usr/sbin/nginx``); fails the test when there is none."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        pytest.fail("nginx is not installed; `deploy/local/stack up` installs it (Debian's nginx-light)", pytrace=False)
    return found


def render_config(directory: Path, listen_port: int, upstreams: dict[str, int]) -> None:
    """Writes ``nginx.conf`` and ``routes.conf`` into ``directory`` (and its ``tmp/``), rendered from the
    stack's templates by the stack's renderer with ``VIKAR_PROXY_*`` and ``VIKAR_<SERVICE>_UPSTREAM``."""
    (directory / "tmp").mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "VIKAR_PROXY_DIR": str(directory),
        "VIKAR_PROXY_LISTEN": f"127.0.0.1:{listen_port}",
        **{f"VIKAR_{s.upper()}_UPSTREAM": f"127.0.0.1:{p}" for s, p in upstreams.items()},
    }
    render: Callable[[str, dict[str, str]], str] = runpy.run_path(str(TEMPLATES / "render.py"))["render"]
    for name in CONFIG_FILES:
        (directory / name).write_text(render((TEMPLATES / f"{name}.template").read_text(), env))


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@contextmanager
def running_proxy(directory: Path, upstreams: dict[str, int], port: int | None = None) -> Iterator[str]:
    """nginx in the foreground (``daemon off``) on ``port`` (default: a free one) until the block ends;
    yields the origin. Raises AssertionError with nginx's error log when it exits or does not listen
    within 10 s. (A caller that must name the origin before nginx starts, e.g. in the services' settings,
    takes a :func:`~vikar_shared.testing.plugin.free_port` first and passes it.)"""
    port = port or free_port()
    render_config(directory, port, upstreams)
    error_log = directory / "error.log"
    command = [nginx_binary(), "-p", str(directory), "-c", str(directory / "nginx.conf"), "-e", str(error_log)]
    # The command is the test's own (nginx and paths it created), no outside input.
    process = subprocess.Popen([*command, "-g", "daemon off;"], stderr=subprocess.DEVNULL)  # noqa: S603
    try:
        deadline = time.monotonic() + START_SECONDS
        while not _listening(port):
            if process.poll() is not None or time.monotonic() > deadline:
                log = error_log.read_text() if error_log.exists() else ""
                raise AssertionError(f"nginx did not start (exit {process.poll()}): {log}")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


@asynccontextmanager
async def proxy(tmp_path: Path, upstreams: dict[str, int]) -> AsyncIterator[str]:
    """:func:`running_proxy` for ``async with`` (its files under ``tmp_path / "nginx"``). Starting and
    stopping block the event loop for a moment; nginx does not need the upstreams until a request."""
    with running_proxy(tmp_path / "nginx", upstreams) as origin:
        yield origin
