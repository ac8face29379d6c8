"""Approve-heavy HTTP load on the timesheet service vs a bare FastAPI + asyncpg app, open loop.

timesheet: the real service in its runtime roles (``python -m timesheet api|worker|relay``, each its own
    process, as production runs them) on a fresh database and Kafka namespace: the ``api`` role alone serves
    the requests (uvicorn, one worker, the service's own uvicorn settings), the ``worker`` (consumers) and
    the ``relay`` (outbox publisher) run beside it. A PlacementCreated (and the company) arrive over Kafka; M entries
    are submitted through the API as a consultant; then POST /entries/{id}/approve as the company's
    approver, one request per entry, doing whatever an approval does (token check, entry read, conditional
    update, EntryApproved into the outbox, ...), while the relay publishes those events to Kafka.
baseline: a FastAPI app defined here with one endpoint doing one asyncpg INSERT, served the same way.

Both are driven at the same fixed offered rate by an open-loop generator in this process (requests
are sent on a clock, never waiting for earlier answers) over real TCP with httpx.AsyncClient, on up to
--connections keep-alive connections. Latency of a request = its answer time minus its scheduled send
time, so a stalled server is charged for every request it held up (no coordinated omission);
percentiles are over every request, failed ones included. Also printed: the server process's CPU time
per request (user + system from /proc; for timesheet the api process's, and beside it the relay's and
the worker's until the outbox is drained, since relaying EntryApproved is part of an approval's cost),
which other load on the shared machine disturbs less than latency; the database's (the benchmark
database's PostgreSQL backends, by application name); the load generator's own CPU time per request;
the 1-minute load average, which says how much else ran. Server logs go to a temp file, kept and named
only when a server fails. Databases and topics are removed afterwards.

    bench/api [--rate 200] [--seconds 20] [--connections 100] [--warmup 50] [--profile PREFIX]

--profile PREFIX records the api process with py-spy while load is offered (PREFIX.svg, a flame graph;
PREFIX.txt, collapsed stacks) and prints the top frames; artifacts/profiles/ keeps the before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import math
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import IO

import asyncpg
import httpx
import uvicorn
from fastapi import FastAPI, Request

from timesheet.app import MIGRATIONS
from vikar_shared.auth.principal import Role
from vikar_shared.events.placement import Approver, CompanyRegistered, PlacementCreated
from vikar_shared.messaging.kafka import delete_topics
from vikar_shared.settings import ServiceSettings
from vikar_shared.testing.plugin import StackSettings, bearer, clone_database, drop_database, publish_events

HOST = "127.0.0.1"
DATES_PER_PLACEMENT = 300  # one entry per citizen and day, as a real timesheet has
ENTRIES_PER_SUBMISSION = 31
APPROVER_EMAIL = "approver@bench.example"
REQUEST_TIMEOUT = 30.0


# ----------------------------------------------------------------------------- results


@dataclass
class Run:
    name: str
    what: str
    latencies_ms: list[float] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    server_cpu_seconds: float = 0.0
    # The PostgreSQL backends serving the benchmark's database (all its processes' connections).
    database_cpu_seconds: float = 0.0
    # The same by application_name (timesheet's roles name theirs; "" for unnamed backends, e.g. autovacuum).
    database_cpu_by_client: dict[str, float] = field(default_factory=dict)
    # Processes beside the one serving (timesheet's worker and relay roles), by role.
    beside_cpu_seconds: dict[str, float] = field(default_factory=dict)
    client_cpu_seconds: float = 0.0
    load_average: float = 0.0
    note: str = ""

    @property
    def ok(self) -> int:
        return self.outcomes["200"]

    @property
    def errors(self) -> int:
        return self.requests - self.ok

    @property
    def achieved(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        rank = max(1, min(len(ordered), math.ceil(p / 100 * len(ordered))))  # nearest rank
        return ordered[rank - 1]

    def line(self) -> str:
        kinds = ", ".join(f"{k}×{v}" for k, v in sorted(self.outcomes.items()) if k != "200")
        beside = "".join(
            f" + {role} {seconds * 1000 / max(1, self.requests):.2f} ms"
            for role, seconds in self.beside_cpu_seconds.items()
        )
        by_client = ", ".join(
            f"{client or 'other'} {seconds * 1000 / max(1, self.requests):.2f}"
            for client, seconds in sorted(self.database_cpu_by_client.items())
            if len(self.database_cpu_by_client) > 1
        )
        by_client = f" ({by_client})" if by_client else ""
        return (
            f"{self.name + ':':<10} {self.achieved:7.1f} req/s achieved  errors {self.errors}"
            f"{f' ({kinds})' if kinds else ''}  p50 {self.percentile(50):7.1f} ms  p95 {self.percentile(95):7.1f} ms"
            f"  p99 {self.percentile(99):7.1f} ms\n{'':<11}CPU per request: server {self.cpu_ms_per_request:.2f} ms"
            f"{beside}, database {self.database_cpu_seconds * 1000 / max(1, self.requests):.2f} ms{by_client}, "
            f"load generator {self.client_cpu_seconds * 1000 / max(1, self.requests):.2f} ms; "
            f"load avg after {self.load_average:.1f}\n{'':<11}[{self.what}; {self.requests} requests"
            f"{'; ' + self.note if self.note else ''}]"
        )

    @property
    def requests(self) -> int:
        return sum(self.outcomes.values())

    @property
    def cpu_ms_per_request(self) -> float:
        return self.server_cpu_seconds * 1000 / max(1, self.requests)


# ----------------------------------------------------------------------------- the open-loop driver


class Connections:
    """``count`` keep-alive TCP connections, each an httpx.AsyncClient of its own, lent out first come,
    first served. A request finding them all busy waits in an O(1) queue; the wait counts in its latency.

    Not one client with a pool of ``count``: httpx walks its whole pool (with a socket poll per idle
    connection) several times per request, and Python 3.11's Semaphore scans its waiters, so under a
    backlog either would make the load generator, not the server, the bottleneck."""

    def __init__(self, base_url: str, count: int) -> None:
        self.base_url = base_url
        # Plain http on loopback: verify=False only spares loading the CA bundle once per client.
        self._clients = [
            httpx.AsyncClient(
                timeout=REQUEST_TIMEOUT,
                verify=False,
                limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            )
            for _ in range(count)
        ]
        self._free: asyncio.Queue[httpx.AsyncClient] = asyncio.Queue()
        for client in self._clients:
            self._free.put_nowait(client)

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, json: object | None = None
    ) -> httpx.Request:
        return httpx.Request(method, self.base_url + path, headers=headers, json=json)

    async def send(self, request: httpx.Request) -> httpx.Response:
        client = await self._free.get()
        try:
            return await client.send(request)
        finally:
            self._free.put_nowait(client)

    async def aclose(self) -> None:
        for client in self._clients:
            await client.aclose()


@asynccontextmanager
async def connections_to(base_url: str, count: int) -> AsyncIterator[Connections]:
    connections = Connections(base_url, count)
    try:
        yield connections
    finally:
        await connections.aclose()


async def drive(connections: Connections, requests: Sequence[httpx.Request], rate: float, run: Run) -> None:
    """Sends ``requests[i]`` at start + i / rate whatever happened to the earlier ones.

    The requests are built beforehand so the clock only pays for sending them."""
    loop = asyncio.get_running_loop()
    cpu_before = time.process_time()
    start = loop.time() + 0.05
    finished: list[float] = []

    async def one(request: httpx.Request, scheduled: float) -> None:
        try:
            outcome = str((await connections.send(request)).status_code)
        except httpx.HTTPError as exc:
            outcome = type(exc).__name__
        done = loop.time()
        finished.append(done)
        run.latencies_ms.append((done - scheduled) * 1000)
        run.outcomes[outcome] += 1

    tasks: list[asyncio.Task[None]] = []
    for i, request in enumerate(requests):
        scheduled = start + i / rate
        if (delay := scheduled - loop.time()) > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(request, scheduled)))
    await asyncio.gather(*tasks)
    run.seconds = max(finished) - start
    run.client_cpu_seconds = time.process_time() - cpu_before


async def warm_up(connections: Connections, requests: Sequence[httpx.Request]) -> None:
    """Opens connections and runs each code path once before the clock starts; not measured."""
    for batch in range(0, len(requests), 10):
        responses = await asyncio.gather(*(connections.send(r) for r in requests[batch : batch + 10]))
        if bad := [r for r in responses if r.status_code != 200]:
            raise RuntimeError(f"warm-up failed: {bad[0].status_code} {bad[0].text[:300]}")


# ----------------------------------------------------------------------------- server processes


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def backends_cpu(conn: asyncpg.Connection) -> dict[int, tuple[str, float]]:
    """Application name and CPU seconds so far of each PostgreSQL backend connected to ``conn``'s database
    but ``conn`` (the server runs on this machine; a backend that ended meanwhile is not found)."""
    rows = await conn.fetch(
        """select pid, coalesce(application_name, '') as client from pg_stat_activity
           where datname = current_database() and pid <> pg_backend_pid()"""
    )
    found: dict[int, tuple[str, float]] = {}
    for row in rows:
        with suppress(OSError):
            found[row["pid"]] = (row["client"], cpu_seconds(row["pid"]))
    return found


def cpu_since(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]) -> dict[str, float]:
    """CPU seconds the backends spent between two readings, by application name; one that connected
    meanwhile counts whole."""
    spent: dict[str, float] = {}
    for pid, (client, seconds) in after.items():
        spent[client] = spent.get(client, 0.0) + seconds - before.get(pid, ("", 0.0))[1]
    return spent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def open_log(name: str) -> IO[bytes]:
    return tempfile.NamedTemporaryFile(prefix=f"bench-api-{name}-", suffix=".log", delete=False)


@dataclass(frozen=True)
class Server:
    base_url: str
    pid: int


@asynccontextmanager
async def server_process(
    name: str, command: Sequence[str], port: int, ready_path: str | None, env: dict[str, str] | None = None
) -> AsyncIterator[Server]:
    """Runs ``command`` as a child process; yields it once it answers on ``port`` (``ready_path`` 200, or
    a TCP connection when None)."""
    log = open_log(name)
    child = await asyncio.create_subprocess_exec(
        *command, stdout=log, stderr=log, env=None if env is None else {**os.environ, **env}
    )
    base_url = f"http://{HOST}:{port}"
    try:
        deadline = asyncio.get_running_loop().time() + 90
        async with httpx.AsyncClient(timeout=2) as probe:
            while True:
                if child.returncode is not None:
                    raise RuntimeError(f"{name} server exited with {child.returncode}; log: {log.name}")
                try:
                    if ready_path is None:
                        _, writer = await asyncio.open_connection(HOST, port)
                        writer.close()
                        break
                    if (await probe.get(base_url + ready_path)).status_code == 200:
                        break
                except (OSError, httpx.HTTPError):
                    pass
                if asyncio.get_running_loop().time() > deadline:
                    raise RuntimeError(f"{name} server not ready after 90 s; log: {log.name}")
                await asyncio.sleep(0.2)
        yield Server(base_url, child.pid)
    finally:
        if child.returncode is None:
            child.send_signal(signal.SIGTERM)  # uvicorn shuts down gracefully: lifespan stops consumers, relay
            try:
                await asyncio.wait_for(child.wait(), timeout=20)
            except TimeoutError:
                child.kill()
                await child.wait()
        log.close()
        if child.returncode in (0, -signal.SIGTERM):
            os.unlink(log.name)


def bench_process(
    name: str, args: Sequence[str], port: int, ready_path: str | None
) -> AbstractAsyncContextManager[Server]:
    """``bench/api.py --serve ...`` (the baseline) as a child process."""
    return server_process(name, [sys.executable, __file__, "--serve", *args, "--port", str(port)], port, ready_path)


def timesheet_process(
    role: str, dsn: str, namespace: str, kafka: str, port: int
) -> AbstractAsyncContextManager[Server]:
    """``python -m timesheet <role>``: the service's own entry point and uvicorn settings, configured by
    its environment variables as a deployment configures it."""
    env = {
        # Named, so the database's CPU can be told apart by process (pg_stat_activity.application_name).
        "TIMESHEET_DATABASE_URL": f"{dsn}{'&' if '?' in dsn else '?'}application_name=timesheet-{role}",
        "TIMESHEET_KAFKA_BOOTSTRAP": kafka,
        "TIMESHEET_KAFKA_NAMESPACE": namespace,
        "TIMESHEET_HTTP_PORT": str(port),
        "TIMESHEET_LOG_LEVEL": "WARNING",
    }
    return server_process(f"timesheet-{role}", [sys.executable, "-m", "timesheet", role], port, "/readyz", env)


def serve(app: FastAPI, port: int) -> None:
    # The baseline: one worker, no access log, uvicorn's defaults otherwise (its "auto" event loop and
    # HTTP parser: uvloop and httptools when installed, as they are for the service).
    uvicorn.Server(uvicorn.Config(app, host=HOST, port=port, access_log=False, log_level="warning")).run()


# ----------------------------------------------------------------------------- profiling

PROFILE_RATE = 100  # samples per second, per profiler


@asynccontextmanager
async def profiling(pid: int, seconds: float, prefix: Path | None) -> AsyncIterator[None]:
    """py-spy on ``pid`` for ``seconds`` while the block runs (nothing when ``prefix`` is None): a flame
    graph (``prefix.svg``) and collapsed stacks (``prefix.txt``). Non-blocking sampling, so the server is
    never paused; two samplers at a modest rate, each costing the shared machine a little CPU."""
    if prefix is None:
        yield
        return
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    prefix.parent.mkdir(parents=True, exist_ok=True)
    common = ["record", "--pid", str(pid), "--duration", str(math.ceil(seconds)), "--rate", str(PROFILE_RATE)]
    samplers = [
        await asyncio.create_subprocess_exec(
            py_spy,
            *common,
            "--nonblocking",
            "--format",
            kind,
            "-o",
            str(prefix.with_suffix(suffix)),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        for kind, suffix in (("flamegraph", ".svg"), ("raw", ".txt"))
    ]
    try:
        yield
    finally:
        for sampler in samplers:
            await sampler.wait()


def top_frames(collapsed: Path, count: int = 15) -> str:
    """The frames most often on top of the stack (self) and, of the service's and the web stack's own
    code, most often anywhere on it (total), as shares of all samples, from py-spy's collapsed stacks."""
    own: Counter[str] = Counter()
    anywhere: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, samples = line.rpartition(" ")
        if not stack or not samples.isdigit():
            continue
        frames = stack.split(";")
        total += int(samples)
        own[frames[-1]] += int(samples)
        for frame in set(frames):
            anywhere[frame] += int(samples)
    if not total:
        return "  (no samples)"

    def rows(counter: Counter[str]) -> str:
        return "\n".join(f"  {100 * n / total:5.1f}%  {frame}" for frame, n in counter.most_common(count))

    return f"top frames (self), {total} samples:\n{rows(own)}\ntop frames (total):\n{rows(anywhere)}"


# ----------------------------------------------------------------------------- timesheet


@dataclass(frozen=True)
class Workload:
    company: CompanyRegistered
    placements: list[PlacementCreated]
    entries: list[tuple[PlacementCreated, date, int]]


def make_workload(count: int) -> Workload:
    company_id = uuid.uuid4()
    company = CompanyRegistered(
        company_id=company_id,
        name="Bench Bageri ApS",
        cvr="12345678",
        approvers=[Approver(email=APPROVER_EMAIL, name="Bench Approver")],
    )
    last_day = date.today() - timedelta(days=2)  # safely in the past on the agency's calendar too
    placements = [
        PlacementCreated(
            placement_id=uuid.uuid4(),
            citizen_id=uuid.uuid4(),
            citizen_name=f"Citizen {i:03d}",
            referral_id=uuid.uuid4(),
            municipality_id=uuid.uuid4(),
            co_financing_eligible=True,
            company_id=company_id,
            start_date=last_day - timedelta(days=DATES_PER_PLACEMENT + 30),
            end_date=None,
            bill_rate_ore_per_hour=17_999,
            status="active",
        )
        for i in range(math.ceil(count / DATES_PER_PLACEMENT))
    ]
    entries = [
        (placements[i // DATES_PER_PLACEMENT], last_day - timedelta(days=i % DATES_PER_PLACEMENT), 60 + 15 * (i % 5))
        for i in range(count)
    ]
    return Workload(company, placements, entries)


async def wait_for(predicate: Callable[[], Awaitable[bool]], what: str, timeout: float = 60) -> float:
    """Polls until true; returns the seconds it took."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while not await predicate():
        if loop.time() - started > timeout:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        await asyncio.sleep(0.05)
    return loop.time() - started


async def submit_all(connections: Connections, workload: Workload) -> list[uuid.UUID]:
    consultant = bearer(Role.CONSULTANT, sub="bench-consultant")
    chunks: list[tuple[PlacementCreated, list[tuple[date, int]]]] = []
    for placement in workload.placements:
        own = [(day, minutes) for p, day, minutes in workload.entries if p is placement]
        chunks += [(placement, own[i : i + ENTRIES_PER_SUBMISSION]) for i in range(0, len(own), ENTRIES_PER_SUBMISSION)]
    ids: list[uuid.UUID] = []
    gate = asyncio.Semaphore(4)

    async def submit(placement: PlacementCreated, days: list[tuple[date, int]]) -> None:
        async with gate:
            body = {"entries": [{"work_date": d.isoformat(), "minutes": m} for d, m in days]}
            response = await connections.send(
                httpx.Request(
                    "POST",
                    f"{connections.base_url}/placements/{placement.placement_id}/entries",
                    json=body,
                    headers=consultant,
                )
            )
        if response.status_code != 201:
            raise RuntimeError(f"submission failed: {response.status_code} {response.text[:500]}")
        ids.extend(uuid.UUID(e["id"]) for e in response.json()["entries"])

    await asyncio.gather(*(submit(p, days) for p, days in chunks))
    return ids


async def run_timesheet(
    stack: StackSettings, rate: float, seconds: float, connection_count: int, warmup: int, profile: Path | None = None
) -> Run:
    n = round(rate * seconds)
    dsn = await clone_database(stack, "timesheet", MIGRATIONS)
    namespace = f"bench{uuid.uuid4().hex[:10]}."
    conn = await asyncpg.connect(dsn)
    try:
        async with AsyncExitStack() as processes:
            # The worker (consumers) and the relay beside the api role, each a process of its own.
            beside = {
                role: await processes.enter_async_context(
                    timesheet_process(role, dsn, namespace, stack.kafka_bootstrap, free_port())
                )
                for role in ("worker", "relay")
            }
            server = await processes.enter_async_context(
                timesheet_process("api", dsn, namespace, stack.kafka_bootstrap, free_port())
            )
            workload = make_workload(warmup + n)
            await publish_events(
                stack.kafka_bootstrap,
                namespace,
                [(workload.company, workload.company.company_id)] + [(p, p.placement_id) for p in workload.placements],
            )

            async def placements_known() -> bool:
                return bool(await conn.fetchval("select count(*) from placements") == len(workload.placements))

            async def outbox_drained() -> bool:
                return bool(await conn.fetchval("select count(*) from outbox where sent_at is null") == 0)

            await wait_for(placements_known, "the placements read model")
            async with connections_to(server.base_url, connection_count) as connections:
                ids = await submit_all(connections, workload)
                await wait_for(outbox_drained, "HoursSubmitted relayed")
                approver = bearer(
                    Role.COMPANY_APPROVER,
                    sub=APPROVER_EMAIL,
                    company_id=workload.company.company_id,
                    email=APPROVER_EMAIL,
                )

                def approve(entry_id: uuid.UUID) -> httpx.Request:
                    # Fresh entries, at version 1: a decision names the version seen (issue 6).
                    return connections.request(
                        "POST", f"/entries/{entry_id}/approve", approver, json={"expected_version": 1}
                    )

                await warm_up(connections, [approve(e) for e in ids[:warmup]])
                await wait_for(outbox_drained, "warm-up EntryApproved relayed")
                run = Run("timesheet", "POST /entries/{id}/approve, served by the api role")
                requests = [approve(e) for e in ids[warmup:]]
                cpu_before = cpu_seconds(server.pid)
                beside_before = {role: cpu_seconds(p.pid) for role, p in beside.items()}
                database_before = await backends_cpu(conn)
                async with profiling(server.pid, seconds, profile):
                    await drive(connections, requests, rate, run)
                run.server_cpu_seconds = cpu_seconds(server.pid) - cpu_before
            # Relaying the EntryApproved events is part of what an approval costs the service.
            drain = await wait_for(outbox_drained, "EntryApproved relayed", timeout=120)
            run.beside_cpu_seconds = {role: cpu_seconds(p.pid) - beside_before[role] for role, p in beside.items()}
            run.database_cpu_by_client = cpu_since(database_before, await backends_cpu(conn))
            run.database_cpu_seconds = sum(run.database_cpu_by_client.values())
            run.load_average = os.getloadavg()[0]
            approved = await conn.fetchval("select count(*) from entries where status = 'approved'") - warmup
            run.note = f"{approved} approved in the database; outbox drained {drain:.2f} s after the last answer"
            return run
    finally:
        await conn.close()
        await drop_database(stack, dsn)
        await delete_topics(stack.kafka_bootstrap, namespace)


# ----------------------------------------------------------------------------- baseline


def baseline_app(dsn: str) -> FastAPI:
    """One endpoint, one INSERT: what any FastAPI + asyncpg service pays per request at least."""
    defaults = ServiceSettings()  # the same pool as the service's api role gets

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = await asyncpg.create_pool(
            dsn, min_size=defaults.pool_min_size("api"), max_size=defaults.db_pool_max
        )
        yield
        await app.state.pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.post("/rows/{row_id}")
    async def insert_row(row_id: uuid.UUID, request: Request) -> dict[str, str]:
        await request.app.state.pool.execute("insert into bench_rows (id) values ($1)", row_id)
        return {"id": str(row_id)}

    return app


async def run_baseline(stack: StackSettings, rate: float, seconds: float, connection_count: int, warmup: int) -> Run:
    n = round(rate * seconds)
    database = f"bench_api_{uuid.uuid4().hex[:10]}"
    dsn = stack.dsn_for(database)
    admin = await asyncpg.connect(stack.dsn_for("postgres"))
    await admin.execute(f'create database "{database}"')
    await admin.close()
    conn: asyncpg.Connection | None = None
    try:
        conn = await asyncpg.connect(dsn)
        await conn.execute(
            "create table bench_rows (id uuid primary key, created_at timestamptz not null default now())"
        )
        async with (
            bench_process("baseline", ["baseline", "--dsn", dsn], free_port(), None) as server,
            connections_to(server.base_url, connection_count) as connections,
        ):

            def insert(row_id: uuid.UUID) -> httpx.Request:
                return connections.request("POST", f"/rows/{row_id}")

            await warm_up(connections, [insert(uuid.uuid4()) for _ in range(warmup)])
            run = Run("baseline", "POST /rows/{id}: one INSERT")
            requests = [insert(uuid.uuid4()) for _ in range(n)]
            cpu_before = cpu_seconds(server.pid)
            database_before = await backends_cpu(conn)
            await drive(connections, requests, rate, run)
            run.server_cpu_seconds = cpu_seconds(server.pid) - cpu_before
            run.database_cpu_by_client = cpu_since(database_before, await backends_cpu(conn))
            run.database_cpu_seconds = sum(run.database_cpu_by_client.values())
            run.load_average = os.getloadavg()[0]
            return run
    finally:
        if conn is not None:
            await conn.close()
        await drop_database(stack, dsn)


# ----------------------------------------------------------------------------- main


def spare_httpcore_the_sniffio_search() -> None:
    """httpcore imports sniffio for every lock it makes; without sniffio installed, each failed import
    searches sys.path again (a few per request, ~0.2 ms each), which made this load generator the
    bottleneck. A None entry in sys.modules makes the miss instant; httpcore then assumes asyncio."""
    if importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


async def main(rate: float, seconds: float, connections: int, warmup: int, profile: Path | None = None) -> None:
    stack = StackSettings()
    print(
        f"bench/api: open loop, offered {rate:g} req/s for {seconds:g} s ({round(rate * seconds)} requests per run, "
        f"after {warmup} unmeasured warm-up requests); latency = answer time - scheduled send time"
    )
    print(
        f"  {os.cpu_count()} cores shared by the load generator (this process, httpx over TCP, up to {connections} "
        "connections), the server (its own process: uvicorn, 1 worker), PostgreSQL and Kafka, and whatever else "
        f"runs on the machine (1-minute load average now {os.getloadavg()[0]:.1f})"
    )
    timesheet = await run_timesheet(stack, rate, seconds, connections, warmup, profile)
    print(timesheet.line(), flush=True)
    if profile is not None:
        print(top_frames(profile.with_suffix(".txt")), flush=True)
    baseline = await run_baseline(stack, rate, seconds, connections, warmup)
    print(baseline.line(), flush=True)
    print(
        f"ratio timesheet/baseline: achieved {timesheet.achieved / baseline.achieved:.2f}, "
        f"p50 {timesheet.percentile(50) / baseline.percentile(50):.2f}, "
        f"p95 {timesheet.percentile(95) / baseline.percentile(95):.2f}, "
        f"p99 {timesheet.percentile(99) / baseline.percentile(99):.2f}, "
        f"server CPU per request {timesheet.cpu_ms_per_request / baseline.cpu_ms_per_request:.2f}, "
        f"database CPU per request {timesheet.database_cpu_seconds / max(1e-9, baseline.database_cpu_seconds):.2f}"
    )


def cli() -> None:
    parser = argparse.ArgumentParser(prog="bench/api", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=200, help="offered requests per second (200)")
    parser.add_argument("--seconds", type=float, default=20, help="how long each run offers load (20)")
    parser.add_argument("--connections", type=int, default=100, help="client connection pool size (100)")
    parser.add_argument("--warmup", type=int, default=50, help="unmeasured requests before each run (50)")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="PREFIX",
        help="profile the timesheet api process with py-spy while load is offered: PREFIX.svg (flame graph), "
        "PREFIX.txt (collapsed stacks); the top frames are printed",
    )
    # The server side, run by the bench itself in a child process.
    parser.add_argument("--serve", choices=["baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--dsn", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve == "baseline":
        serve(baseline_app(args.dsn), args.port)
    else:
        if args.rate <= 0 or args.seconds <= 0 or args.connections < 1 or args.warmup < 0:
            parser.error("--rate, --seconds and --connections must be positive, --warmup not negative")
        spare_httpcore_the_sniffio_search()
        asyncio.run(main(args.rate, args.seconds, args.connections, args.warmup, args.profile))


if __name__ == "__main__":
    cli()
