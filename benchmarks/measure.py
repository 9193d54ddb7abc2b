"""What every benchmark measures with: latency percentiles, aligned output lines, the load
average, CPU of this process and of its PostgreSQL backend, and a scratch database."""

import os
import re
import socket
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path

import psycopg
from django.db import connection
from psycopg import sql


def percentiles(ms: Sequence[float]) -> dict[int, float]:
    """p50, p95 and p99 of a list of milliseconds."""
    if len(ms) < 2:
        return {50: ms[0], 95: ms[0], 99: ms[0]} if ms else {50: 0.0, 95: 0.0, 99: 0.0}
    cuts = statistics.quantiles(ms, n=100, method="inclusive")
    return {50: cuts[49], 95: cuts[94], 99: cuts[98]}


def line(label: str, figure: str, note: str = "", *, width: int = 34) -> None:
    print(f"{label + ':':<{width}}{figure:>16}  {note}".rstrip(), flush=True)


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def backend_cpu_seconds() -> float | None:
    """CPU time of this connection's PostgreSQL backend, if the server runs on this machine."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU of this process and of its PostgreSQL backend over a stretch of calls."""

    def __enter__(self) -> "CpuMeter":
        self.backend = backend_cpu_seconds()
        self.times = os.times()
        return self

    def __exit__(self, *exc: object) -> None:
        after, backend = os.times(), backend_cpu_seconds()
        self.python = after.user - self.times.user + after.system - self.times.system
        self.postgres = (
            backend - self.backend if backend is not None and self.backend is not None else None
        )

    def per_call(self, calls: int) -> str:
        parts = [f"Python {self.python / calls * 1e3:.1f} ms"]
        if self.postgres is not None:
            parts.append(f"PostgreSQL backend {self.postgres / calls * 1e3:.1f} ms")
        return ", ".join(parts)


def scratch_database(database: str, marker: str) -> tuple[str, str] | None:
    """(server URL, name) of the scratch database this benchmark may drop and create: --database
    or DATABASE_URL's, and only if its name contains `marker`; else None, with the reason on
    stderr. Call before the connection opens (it opens on first use with this name)."""
    base_url = os.environ["DATABASE_URL"].rpartition("/")[0]
    if database:
        connection.settings_dict["NAME"] = database
    name = connection.settings_dict["NAME"]
    if marker not in name:
        # The database is dropped and created: never one that may hold real or dev data.
        print(f"refusing to drop {name!r}: its name must contain {marker!r}", file=sys.stderr)
        return None
    return base_url, name


def database_recreate(base_url: str, name: str, *, drop_only: bool = False) -> None:
    """Drop (and create) a scratch database through the server's maintenance database."""
    with psycopg.connect(f"{base_url}/postgres", autocommit=True) as maintenance:
        maintenance.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        if not drop_only:
            maintenance.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def statement_shape(sql_text: str) -> str:
    """A statement's shape for grouping: verb, table, and the start of its WHERE clause."""
    text = " ".join(sql_text.replace('"', "").split())
    verb = text.split(" ", 1)[0]
    table = re.search(r"(?:FROM|INTO|UPDATE) ([\w.]+)", text)
    where = re.search(r" WHERE (.*?)(?: ORDER BY| LIMIT| RETURNING|$)", text)
    shown = f"{verb} {table.group(1) if table else ''}"
    if where:
        shown += " WHERE " + re.sub(r"\w+\.(\w+)", r"\1", where.group(1))[:70]
    return shown


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (for a server the benchmark starts)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
