"""The exchange benchmark's HTTP side: gunicorn on a free port, an asyncio load generator
(one keep-alive HTTP/1.1 connection per client, requests prepared as bytes, answers checked
after the run), and what every party spent: the load generator, the gunicorn processes, the
PostgreSQL backends (read from /proc: a local server), the machine; and what the backends were
doing, sampled from pg_stat_activity."""

import argparse
import asyncio
import dataclasses
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import psycopg
from django.db import connection

from benchmarks.measure import free_port, line, percentiles

ROOT = Path(__file__).resolve().parent.parent
TOKEN_PATH = "/exchange/v1/token"  # noqa: S105 - a URL, not a secret

# --------------------------------------------------------------------------------------------
# The server: gunicorn on a free port


@dataclasses.dataclass(frozen=True)
class ServerConfig:
    kind: str  # "sync" or "gthread"
    workers: int
    threads: int
    conn_max_age: int

    @property
    def label(self) -> str:
        shape = (
            f"{self.workers} sync workers"
            if self.kind == "sync"
            else f"{self.workers} gthread workers × {self.threads} threads"
        )
        connections = (
            f"persistent connections ({self.conn_max_age} s)"
            if self.conn_max_age
            else "a new database connection per request"
        )
        return f"{shape}, {connections}"

    @property
    def short(self) -> str:
        shape = (
            f"sync:{self.workers}"
            if self.kind == "sync"
            else f"gthread:{self.workers}x{self.threads}"
        )
        return shape if self.conn_max_age else f"{shape}:0"


def server_config(text: str, conn_max_age: int) -> ServerConfig:
    """A configuration from its text: "sync:4" or "gthread:2x8", and a ":0" suffix for a new
    database connection per request."""
    match = re.fullmatch(r"(sync|gthread):(\d+)(?:x(\d+))?(?::(\d+))?", text)
    if match is None:
        raise argparse.ArgumentTypeError(f"server configuration {text!r}: sync:N or gthread:NxT")
    kind, workers, threads, age = match.groups()
    return ServerConfig(
        kind,
        int(workers),
        1 if kind == "sync" else int(threads or 4),
        conn_max_age if age is None else int(age),
    )


TICK = os.sysconf("SC_CLK_TCK")


def _cpu_of(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def _machine() -> tuple[float, float]:
    """Busy and total CPU seconds of the whole machine (all cores) since boot."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / TICK, sum(fields) / TICK


class Server:
    """gunicorn serving config.wsgi with the benchmark's settings on the scratch database."""

    def __init__(self, config: ServerConfig, database_url: str, log: Path) -> None:
        self.config, self.port, self.log = config, free_port(), log
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "benchmarks.exchange_settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_CONN_MAX_AGE": str(config.conn_max_age),
        }
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            f"--bind=127.0.0.1:{self.port}",
            f"--workers={config.workers}",
            f"--worker-class={config.kind}",
            f"--threads={config.threads}",
            "--backlog=2048",
            "--timeout=120",
            "--log-level=warning",
        ]
        with log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and gunicorn
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        self._wait()

    def _wait(self) -> None:
        url = f"http://127.0.0.1:{self.port}/exchange/v1/jwks.json"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited; see {self.log}:\n{self.log.read_text()[-2000:]}"
                )
            try:
                with urllib.request.urlopen(url, timeout=5) as answer:
                    if answer.status == 200 and len(self.workers()) == self.config.workers:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within 90 s; see {self.log}")

    def workers(self) -> list[int]:
        pids = []
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            try:
                pids += [int(pid) for pid in (task / "children").read_text().split()]
            except OSError:
                continue
        return pids

    def cpu(self) -> float:
        return sum(_cpu_of(pid) for pid in [self.process.pid, *self.workers()])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def token(self, client_id: str, secret: str) -> str:
        """An access token from the token endpoint (client_credentials, client_secret_post)."""
        form = urllib.parse.urlencode(
            {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
        ).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{TOKEN_PATH}",
            data=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return str(json.loads(answer.read())["access_token"])


# --------------------------------------------------------------------------------------------
# The load generator: asyncio, one keep-alive HTTP/1.1 connection per client, requests
# prepared as bytes beforehand, answers kept as bytes and checked after the run.

_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)")


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection with one request in flight at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.length: int | None = None
        self.head_end = 0
        self.status = 0
        self.close = False
        self.waiter: asyncio.Future[tuple[int, bytes, bool, float]] | None = None
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.length is None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end]).lower()
            match = _LENGTH.search(head)
            if match is None:
                raise RuntimeError(f"an answer without Content-Length: {head[:300]!r}")
            self.head_end, self.length = end + 4, int(match.group(1))
            self.status = int(head[9:12])
            self.close = b"\r\nconnection: close" in head
        total = self.head_end + self.length
        if len(self.buffer) < total:
            return
        body = bytes(self.buffer[self.head_end : total])
        del self.buffer[:total]
        self.length = None
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result((self.status, body, self.close, time.perf_counter()))

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionResetError("the server closed the connection"))


def http_request(path: str, body: object, token: str = "") -> bytes:
    content = json.dumps(body, ensure_ascii=False).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(content)}\r\n"
    )
    if token:
        head += f"Authorization: Bearer {token}\r\n"
    return (head + "\r\n").encode() + content


@dataclasses.dataclass
class Driven:
    ms: list[float]
    answers: list[tuple[int, bytes]]
    seconds: float
    connects: int


async def drive(
    port: int, requests: Sequence[bytes], clients: int, rate: float | None, seed: int
) -> Driven:
    """Send the requests over `clients` connections: each as soon as the client's previous
    answer is in (closed loop), or at Poisson-planned times (`rate` per second, latency counted
    from the planned time, so a late start counts against the server)."""
    loop = asyncio.get_running_loop()
    count = len(requests)
    ms, answers = [0.0] * count, [(0, b"")] * count
    planned: list[float] = []
    if rate:
        rng, at = random.Random(seed), 0.0
        for _request_number in range(count):
            at += rng.expovariate(rate)
            planned.append(at)
    taken, connects = 0, 0
    started = time.perf_counter()

    async def client() -> None:
        nonlocal taken, connects
        conn: _Connection | None = None
        while taken < count:
            k, taken = taken, taken + 1
            due = started + planned[k] if planned else 0.0
            if planned and due > time.perf_counter():
                await asyncio.sleep(due - time.perf_counter())
            for attempt in (1, 2):
                sent = time.perf_counter()
                if conn is None or conn.lost:
                    _transport, conn = await loop.create_connection(_Connection, "127.0.0.1", port)
                    connects += 1
                waiter = conn.waiter = loop.create_future()
                assert conn.transport is not None
                conn.transport.write(requests[k])
                try:
                    status, body, close, done = await waiter
                except ConnectionResetError:
                    conn = None  # closed between two requests: send again on a new one
                    if attempt == 2:
                        raise
                    continue
                break
            ms[k] = (done - (due if planned else sent)) * 1e3
            answers[k] = (status, body)
            if close and conn is not None and conn.transport is not None:
                conn.transport.close()
                conn = None

    await asyncio.gather(*(client() for _client in range(clients)))
    return Driven(ms, answers, time.perf_counter() - started, connects)


class _Sampler(threading.Thread):
    """What the database's backends are doing, from pg_stat_activity every 10 ms."""

    SQL = (
        "SELECT CASE WHEN state = 'active' AND wait_event_type IS NULL THEN 'on CPU' "
        "WHEN state = 'active' THEN 'waiting for ' || wait_event_type || ':' || wait_event "
        "ELSE state END, count(*) FROM pg_stat_activity WHERE datname = %s "
        "AND backend_type = 'client backend' AND state <> 'idle' AND pid <> pg_backend_pid() "
        "GROUP BY 1"
    )

    def __init__(self, conninfo: str, database: str) -> None:
        super().__init__(daemon=True)
        self.conninfo, self.database = conninfo, database
        self.done, self.ready = threading.Event(), threading.Event()
        self.counts: Counter[str] = Counter()
        self.samples, self.pid, self.cpu = 0, 0, 0.0

    def run(self) -> None:
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            row = conn.execute("SELECT pg_backend_pid()").fetchone()
            self.pid = row[0] if row else 0
            self.ready.set()
            while not self.done.wait(0.01):
                for label, n in conn.execute(self.SQL, [self.database]).fetchall():
                    self.counts[label] += n
                self.samples += 1
        self.cpu = time.thread_time()

    def summary(self) -> str:
        shown = [
            f"{label} {n / max(self.samples, 1):.2f}"
            for label, n in self.counts.most_common(6)
            if n / max(self.samples, 1) >= 0.01
        ]
        return ", ".join(shown) or "none busy"


def _backends(exclude: set[int]) -> dict[int, float]:
    """CPU seconds of this database's client backends (other than ours)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
        return {pid: _cpu_of(pid) for (pid,) in cursor.fetchall() if pid not in exclude}


@dataclasses.dataclass
class Measured:
    label: str
    driven: Driven
    client_cpu: float
    server_cpu: float
    backend_cpu: float | None
    machine_busy: float
    machine_total: float
    activity: str

    @property
    def count(self) -> int:
        return len(self.driven.ms)

    @property
    def rate(self) -> float:
        return self.count / self.driven.seconds

    @property
    def p(self) -> dict[int, float]:
        return percentiles(self.driven.ms)

    def show(self, note: str = "") -> None:
        p = self.p
        line(
            f"  {self.label}",
            f"{self.rate:,.1f} /s",
            f"p50 {p[50]:.1f} ms, p95 {p[95]:.1f} ms, p99 {p[99]:.1f} ms ({self.count:,} in "
            f"{self.driven.seconds:.1f} s, {self.driven.connects:,} connections opened){note}",
        )
        per = 1e3 / self.count
        backends = (
            f"PostgreSQL backends {self.backend_cpu * per:.2f} ms, "
            if self.backend_cpu is not None
            else "PostgreSQL backends n/a (they come and go), "
        )
        rest = self.machine_busy - self.client_cpu - self.server_cpu - (self.backend_cpu or 0)
        line(
            "    CPU per request",
            "",
            f"load generator {self.client_cpu * per:.2f} ms, gunicorn {self.server_cpu * per:.2f} "
            f"ms, {backends}rest of the machine {rest * per:.2f} ms; machine busy "
            f"{self.machine_busy / self.machine_total:.0%} of {os.cpu_count()} cores, load "
            f"generator {self.client_cpu / self.driven.seconds:.0%} of one core",
        )
        line("    database backends (mean)", "", self.activity)
        if rest > 0.2 * self.machine_busy:
            ceiling = self.ceiling
            line(
                "    NOTE",
                "",
                f"other processes took {rest / self.machine_total:.0%} of the machine's CPU "
                "during this measurement: its figures are pessimistic"
                + (
                    f"; with the {os.cpu_count()} cores to itself, at the CPU per request "
                    f"above: at most {ceiling:,.0f} /s"
                    if ceiling
                    else ""
                ),
            )

    @property
    def ceiling(self) -> float | None:
        """Requests/s the machine's cores would carry at this CPU per request (load generator,
        gunicorn, backends), had they nothing else to do; None without the backends' CPU."""
        if self.backend_cpu is None:
            return None
        spent = self.client_cpu + self.server_cpu + self.backend_cpu
        return (os.cpu_count() or 1) * self.count / spent if spent else None


def measure(
    label: str,
    server: Server,
    requests: Sequence[bytes],
    clients: int,
    conninfo: str,
    *,
    rate: float | None = None,
    seed: int = 0,
) -> Measured:
    """Drive the requests at the server, with the CPU of every party and the backends' waits."""
    sampler = _Sampler(conninfo, connection.settings_dict["NAME"])
    sampler.start()
    sampler.ready.wait()
    exclude = {sampler.pid}
    backends_before, server_before = _backends(exclude), server.cpu()
    machine_before, times_before = _machine(), os.times()
    driven = asyncio.run(drive(server.port, requests, clients, rate, seed))
    times_after, machine_after = os.times(), _machine()
    backends_after, server_after = _backends(exclude), server.cpu()
    sampler.done.set()
    sampler.join()
    process = times_after.user - times_before.user + times_after.system - times_before.system
    persistent = server.config.conn_max_age > 0
    backend = sum(cpu - backends_before.get(pid, 0.0) for pid, cpu in backends_after.items())
    return Measured(
        label,
        driven,
        max(process - sampler.cpu, 0.0),
        server_after - server_before,
        backend if persistent else None,
        machine_after[0] - machine_before[0],
        machine_after[1] - machine_before[1],
        sampler.summary(),
    )
