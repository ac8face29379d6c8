"""Each service's ``python -m <service> <role>`` as a real process against the real servers: ``migrate``
applies the service's migrations and exits, and ``api``/``worker``/``relay`` serve ``/readyz`` naming
their role (the e2e system runs the default, ``all``)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from e2e.system import ROOT, SERVICES, free_port, service_env
from vikar_shared.messaging.kafka import delete_topics
from vikar_shared.testing.plugin import StackSettings


@pytest.fixture
async def empty_databases(postgres: StackSettings) -> AsyncIterator[dict[str, str]]:
    admin = await asyncpg.connect(postgres.dsn_for("postgres"))
    names = {s: f"t_roles_{s}_{uuid.uuid4().hex[:8]}" for s in SERVICES}
    try:
        for name in names.values():
            await admin.execute(f'create database "{name}"')
        yield {s: postgres.dsn_for(n) for s, n in names.items()}
    finally:
        for name in names.values():
            await admin.execute(f'drop database if exists "{name}" with (force)')
        await admin.close()


def _files(service: str) -> set[str]:
    shared = ROOT / "shared" / "src" / "vikar_shared" / "sql"
    return {p.name for folder in (shared, ROOT / "services" / service / "migrations") for p in folder.glob("*.sql")}


async def test_the_migrate_role_of_every_service_applies_its_migrations_and_exits(
    empty_databases: dict[str, str], stack: StackSettings, kafka: str
) -> None:
    processes = {
        s: await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            s,
            "migrate",
            env=service_env(s, empty_databases[s], "unused.", free_port(), stack),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for s in SERVICES
    }
    for service, process in processes.items():
        output, _ = await asyncio.wait_for(process.communicate(), timeout=120)
        assert process.returncode == 0, output.decode()[-2000:]
        conn = await asyncpg.connect(empty_databases[service])
        try:
            applied = {r["name"] for r in await conn.fetch("select name from schema_migrations")}
        finally:
            await conn.close()
        assert applied == _files(service), service


def _wait_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> httpx.Response:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            response = httpx.get(url + "/readyz", timeout=1.0)
            if response.status_code == 200:
                return response
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"not ready: {log.read_text()[-2000:]}")


def test_api_worker_and_relay_processes_answer_readyz_for_their_role(
    stack: StackSettings, kafka: str, postgres: StackSettings, tmp_path: Path
) -> None:
    async def database() -> str:
        admin = await asyncpg.connect(postgres.dsn_for("postgres"))
        name = f"t_roles_proc_{uuid.uuid4().hex[:8]}"
        await admin.execute(f'create database "{name}"')
        await admin.close()
        return name

    name = asyncio.run(database())
    dsn = postgres.dsn_for(name)
    namespace = f"t{uuid.uuid4().hex[:8]}."
    running: list[subprocess.Popen[bytes]] = []
    try:
        migrate = subprocess.run(
            [sys.executable, "-m", "invoicing", "migrate"],
            env=service_env("invoicing", dsn, namespace, free_port(), stack),
            cwd=ROOT,
            capture_output=True,
            timeout=120,
            check=False,
        )
        assert migrate.returncode == 0, migrate.stdout.decode()[-2000:]
        for role, checks in (
            ("api", {"database"}),
            ("worker", {"database", "kafka", "consumers"}),
            ("relay", {"database", "kafka", "outbox"}),  # issue 8: a stuck relay is not ready
        ):
            port = free_port()
            env = service_env("invoicing", dsn, namespace, port, stack)
            env["INVOICING_RUN_MIGRATIONS_ON_START"] = "false"  # as in production: the migrate role did it
            log = tmp_path / f"{role}.log"
            with log.open("wb") as out:
                process = subprocess.Popen(
                    [sys.executable, "-m", "invoicing", role], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
                )
            running.append(process)
            body = _wait_ready(process, f"http://127.0.0.1:{port}", log).json()
            assert body["role"] == role
            assert set(body["checks"]) == checks
            paths = set(httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=5).json()["paths"])
            assert (paths > {"/healthz", "/readyz"}) is (role == "api"), paths
    finally:
        for process in running:
            process.terminate()
        for process in running:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()

        async def drop() -> None:
            admin = await asyncpg.connect(postgres.dsn_for("postgres"))
            await admin.execute(f'drop database if exists "{name}" with (force)')
            await admin.close()
            await delete_topics(kafka, namespace)

        asyncio.run(drop())
