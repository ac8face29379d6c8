"""A private Kafka broker and PostgreSQL server of a test's own, on free ports, that the test may stop
and start (fault injection) without disturbing the shared servers other tests use.

They run from the binaries the local stack installed (``deploy/local/stack``): the Kafka jars under
``$VIKAR_STACK_DIR/kafka/lib`` (default ``<repo>/.stack``; ``VIKAR_KAFKA_LIB`` overrides) and
PostgreSQL's ``/usr/lib/postgresql/<version>/bin``. Fixtures: ``private_kafka`` and ``private_postgres``
(function scope; each server's data lives in a temporary folder removed afterwards). A missing binary
fails the test with how to install it (never a skip).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from vikar_shared.testing.plugin import free_port

INSTALL_HINT = "run `deploy/local/stack up` once (it installs the Kafka jars and PostgreSQL)"


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _wait_port(port: int, what: str, timeout: float, log: Path, *, open_: bool = True) -> None:
    deadline = time.monotonic() + timeout
    while _port_open(port) != open_:
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            pytest.fail(f"{what} did not {'open' if open_ else 'close'} port {port} in {timeout}s\n{tail}")
        time.sleep(0.1)


def _kafka_lib() -> Path:
    candidates = [os.environ.get("VIKAR_KAFKA_LIB", "")]
    stack = os.environ.get("VIKAR_STACK_DIR")
    if stack:
        candidates.append(str(Path(stack) / "kafka" / "lib"))
    here = Path(__file__).resolve()
    candidates += [str(p / ".stack" / "kafka" / "lib") for p in here.parents]
    candidates.append("/work/main/.stack/kafka/lib")
    for candidate in candidates:
        if candidate and list(Path(candidate).glob("kafka_2.13-*.jar")):
            return Path(candidate)
    pytest.fail(f"no Kafka jars found (looked in {', '.join(c for c in candidates if c)}); {INSTALL_HINT}")


def _pg_bin() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parts[-3]))
    if not versions:
        pytest.fail(f"PostgreSQL server binaries not found under /usr/lib/postgresql; {INSTALL_HINT}")
    return versions[-1].parent


class PrivateKafka:
    """A single-node KRaft broker at ``bootstrap`` (``127.0.0.1:<free port>``); :meth:`stop` (SIGTERM, a
    controlled shutdown) and :meth:`start` keep its data, as a restart of a real broker does."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port, self.controller_port = free_port(), free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.lib = _kafka_lib()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = folder / "stdout.log"
        (folder / "server.properties").write_text(
            f"""process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:{self.controller_port}
listeners=PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}
advertised.listeners=PLAINTEXT://127.0.0.1:{self.port}
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs={folder / "data"}
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
group.coordinator.append.linger.ms=0
"""
        )
        (folder / "log4j2.yaml").write_text(
            f"""Configuration:
  Appenders:
    File: {{ name: File, fileName: "{folder / "server.log"}", PatternLayout: {{ pattern: "[%d] %p %m (%c)%n" }} }}
  Loggers:
    Root: {{ level: WARN, AppenderRef: [ {{ ref: File }} ] }}
"""
        )
        self.java = shutil.which("java") or pytest.fail(f"no java on PATH; {INSTALL_HINT}")
        tool = [self.java, "-cp", f"{self.lib}/*", "kafka.tools.StorageTool"]
        cluster = subprocess.run(  # noqa: S603 - our own arguments
            [*tool, "random-uuid"], check=True, capture_output=True, text=True
        ).stdout.split()[-1]
        subprocess.run(  # noqa: S603
            [*tool, "format", "--standalone", "-t", cluster, "-c", str(folder / "server.properties")],
            check=True,
            capture_output=True,
        )

    def start(self, timeout: float = 60.0) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own arguments
                [
                    self.java,
                    "-Xms128m",
                    "-Xmx384m",
                    "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1",
                    "-Djava.awt.headless=true",
                    f"-Dlog4j2.configurationFile={self.folder / 'log4j2.yaml'}",
                    "-cp",
                    f"{self.lib}/*",
                    "kafka.Kafka",
                    str(self.folder / "server.properties"),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _wait_port(self.port, "the private Kafka", timeout, self.log)

    def stop(self, timeout: float = 30.0) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
        _wait_port(self.port, "the private Kafka", 10, self.log, open_=False)


class PrivatePostgres:
    """A PostgreSQL cluster at ``dsn`` (user ``postgres``, trust, ``127.0.0.1:<free port>``);
    :meth:`stop` (``pg_ctl stop -m fast``: sessions are terminated, as in a restart) and :meth:`start`."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port, self.bin = folder, free_port(), _pg_bin()
        self.dsn = f"postgresql://postgres@127.0.0.1:{self.port}"
        self.data, self.log = folder / "data", folder / "server.log"
        # PostgreSQL refuses to run as root: as root, the cluster belongs to the 'postgres' user.
        self._as: list[str] = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(folder, "postgres", "postgres")
        self._run(
            [
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        )

    def _run(self, argv: list[str]) -> None:
        subprocess.run([*self._as, *argv], check=True, capture_output=True, cwd="/")  # noqa: S603 - our own arguments

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off -c synchronous_commit=off"
        pg_ctl = [str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60"]
        self._run([*pg_ctl, "-o", options, "start"])
        _wait_port(self.port, "the private PostgreSQL", 30, self.log)

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])


def _folder(prefix: str) -> Path:
    # Under /var/tmp, world-traversable: the 'postgres' user must reach a cluster's folder.
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir="/var/tmp"))
    folder.chmod(0o755)
    return folder


@pytest.fixture
def private_kafka() -> Iterator[PrivateKafka]:
    """A started broker of this test's own; stopped and removed afterwards."""
    folder = _folder("vikar-kafka-")
    kafka = PrivateKafka(folder)
    try:
        kafka.start()
        yield kafka
    finally:
        kafka.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A started PostgreSQL server of this test's own; stopped and removed afterwards."""
    folder = _folder("vikar-pg-")
    postgres = PrivatePostgres(folder)
    try:
        postgres.start()
        yield postgres
    finally:
        postgres.stop()
        shutil.rmtree(folder, ignore_errors=True)
