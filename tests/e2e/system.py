"""Runs the four services as real processes against the real servers, behind the real nginx of the one
origin (``deploy/proxy/*.template``, :mod:`vikar_shared.testing.proxy`), for end-to-end tests.

The services are configured as the demo runs them behind its origin (``deploy/local/up``): every one
believes the forwarded headers of 127.0.0.1 (``trusted_proxies``), the problem types, placement's login
links and notifications' portal links point at the origin. ``System.url(service)`` is a service itself
(what the proxy forwards to); ``System.origin`` the one address a browser uses."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer

from vikar_shared.messaging.kafka import topic_partitions
from vikar_shared.testing.plugin import StackSettings, StripeProxy, free_port, running_stripe_proxy
from vikar_shared.testing.proxy import running_proxy

ROOT = Path(__file__).resolve().parents[2]
LOGS = ROOT / "artifacts" / "e2e"
SERVICES = ("placement", "timesheet", "invoicing", "notifications")


@dataclass
class ServiceProcess:
    name: str
    port: int
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        log = (LOGS / f"{self.name}.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", self.name], env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
        )
        self.wait_ready()

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {LOGS / self.name}.log")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready after {timeout}s; see {LOGS / self.name}.log")

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, no final offset commit: a crash."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class System:
    stack: StackSettings
    namespace: str
    databases: dict[str, str]
    origin: str
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    running: ExitStack = field(default_factory=ExitStack)
    proxy_dir: Path | None = None  # nginx's configuration and error log
    # The recording proxy in front of stripe-mock that invoicing's Stripe client talks to (issue 10).
    stripe: StripeProxy | None = None

    def url(self, service: str) -> str:
        """The service itself, ``http://127.0.0.1:<port>`` (no prefix), as the proxy reaches it."""
        return self.services[service].url

    def api(self, service: str) -> str:
        """The service's API through the one origin: ``<origin>/api/<service>``."""
        return f"{self.origin}/api/{service}"

    async def db(self, service: str) -> asyncpg.Connection:
        return await asyncpg.connect(self.databases[service])

    async def fetchval(self, service: str, sql: str, *args: object) -> object:
        conn = await self.db(service)
        try:
            return await conn.fetchval(sql, *args)
        finally:
            await conn.close()

    async def topic_bytes(self) -> dict[str, list[tuple[bytes | None, bytes]]]:
        """Every record (key, value) on every topic of this system's namespace."""
        tps = await topic_partitions(self.stack.kafka_bootstrap, prefix=self.namespace)
        consumer = AIOKafkaConsumer(bootstrap_servers=self.stack.kafka_bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            consumer.assign(tps)
            await consumer.seek_to_beginning(*tps)
            end = await consumer.end_offsets(tps)
            out: dict[str, list[tuple[bytes | None, bytes]]] = {tp.topic: [] for tp in tps}
            while any([await consumer.position(tp) < end[tp] for tp in tps]):
                for tp, batch in (await consumer.getmany(timeout_ms=1000)).items():
                    out[tp.topic] += [(r.key, r.value or b"") for r in batch if r.offset < end[tp]]
            return out
        finally:
            await consumer.stop()

    async def end_offsets(self) -> dict[str, int]:
        tps = await topic_partitions(self.stack.kafka_bootstrap, prefix=self.namespace)
        consumer = AIOKafkaConsumer(bootstrap_servers=self.stack.kafka_bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            totals: dict[str, int] = {}
            for tp, offset in (await consumer.end_offsets(tps) if tps else {}).items():
                totals[tp.topic] = totals.get(tp.topic, 0) + offset
            return totals
        finally:
            await consumer.stop()

    async def row_counts(self) -> dict[str, int]:
        """Rows in every table of every service database (except the migrations ledger)."""
        counts: dict[str, int] = {}
        for service in SERVICES:
            conn = await self.db(service)
            try:
                tables = await conn.fetch(
                    "select tablename from pg_tables where schemaname = 'public' and tablename <> 'schema_migrations'"
                )
                for t in tables:
                    counts[f"{service}.{t['tablename']}"] = await conn.fetchval(
                        f'select count(*) from "{t["tablename"]}"'
                    )
            finally:
                await conn.close()
        return counts


def service_env(
    service: str, dsn: str, namespace: str, port: int, stack: StackSettings, origin: str = "http://127.0.0.1:8100"
) -> dict[str, str]:
    """The service's environment as ``deploy/local/up`` sets it behind the origin (minus the demo's own
    secrets: ``VIKAR_ENVIRONMENT=test`` keeps the published development keys, so tests can mint tokens)."""
    prefix = service.upper() + "_"
    env = {k: v for k, v in os.environ.items() if not k.startswith(tuple(s.upper() + "_" for s in SERVICES))}
    env.update(
        {
            prefix + "DATABASE_URL": dsn,
            prefix + "KAFKA_BOOTSTRAP": stack.kafka_bootstrap,
            prefix + "KAFKA_NAMESPACE": namespace,
            prefix + "HTTP_PORT": str(port),
            prefix + "LOG_LEVEL": "INFO",
            prefix + "TRUSTED_PROXIES": '["127.0.0.1"]',
            "VIKAR_ENVIRONMENT": "test",
            "VIKAR_PUBLIC_BASE_URL": origin,
            "NOTIFICATIONS_SMTP_HOST": stack.smtp_host,
            "NOTIFICATIONS_SMTP_PORT": str(stack.smtp_port),
        }
    )
    return env


async def create_databases(stack: StackSettings, namespace: str) -> dict[str, str]:
    admin = await asyncpg.connect(stack.dsn_for("postgres"))
    try:
        out = {}
        for service in SERVICES:
            name = f"e2e_{namespace.strip('.')}_{service}"
            await admin.execute(f'create database "{name}"')
            out[service] = stack.dsn_for(name)
        return out
    finally:
        await admin.close()


async def drop_databases(stack: StackSettings, databases: dict[str, str]) -> None:
    admin = await asyncpg.connect(stack.dsn_for("postgres"))
    try:
        for dsn in databases.values():
            await admin.execute(f'drop database if exists "{dsn.rsplit("/", 1)[1]}" with (force)')
    finally:
        await admin.close()


def start_system(stack: StackSettings, extra_env: dict[str, str] | None = None) -> System:
    """The four services on fresh databases and a Kafka namespace, behind nginx and beside a Stripe proxy;
    ``extra_env`` is added to every service's environment (e.g. a shorter lease for a crash test)."""
    namespace = f"e2e{uuid.uuid4().hex[:8]}."
    databases = asyncio.run(create_databases(stack, namespace))
    proxy_port = free_port()
    system = System(stack, namespace, databases, origin=f"http://127.0.0.1:{proxy_port}")
    try:
        LOGS.mkdir(parents=True, exist_ok=True)
        stripe = system.running.enter_context(
            running_stripe_proxy(stack.stripe_api_base, LOGS / f"stripe-proxy-{namespace.strip('.')}.log")
        )
        system.stripe = StripeProxy(stripe)
        for service in SERVICES:
            port = free_port()
            env = service_env(service, databases[service], namespace, port, stack, system.origin)
            env["INVOICING_STRIPE_API_BASE"] = stripe
            if service == "notifications" and "invoicing" in system.services:
                # Issue 14 (part B): where notifications fetches the documents it attaches.
                env["NOTIFICATIONS_SERVICE_BASE_URLS"] = json.dumps(
                    {"invoicing": f"http://127.0.0.1:{system.services['invoicing'].port}"}
                )
            env.update(extra_env or {})
            proc = ServiceProcess(service, port, env)
            system.services[service] = proc
            proc.start()
        nginx = system.proxy_dir = Path(tempfile.mkdtemp(prefix="vikar-e2e-nginx-"))
        system.running.callback(shutil.rmtree, nginx, ignore_errors=True)
        upstreams = {name: proc.port for name, proc in system.services.items()}
        system.running.enter_context(running_proxy(nginx, upstreams, port=proxy_port))
    except BaseException:
        stop_system(system)
        raise
    return system


def stop_system(system: System) -> None:
    system.running.close()
    for proc in system.services.values():
        proc.stop()
    asyncio.run(drop_databases(system.stack, system.databases))
