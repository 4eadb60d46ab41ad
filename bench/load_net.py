"""Fault machinery for bench/load.py: a loopback proxy that can cut the network, a
sampler of a process tree's CPU and memory from /proc, and the faults themselves."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


class CutProxy:
    """Forwards TCP on a loopback port to the server. ``cut()`` aborts every open
    connection (a request in flight loses its response, maybe after the server
    committed) and refuses new ones until ``restore()``."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.down = False
        self.port = 0
        self.cuts = 0
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()

    def cut(self) -> None:
        self.down = True
        self.cuts += 1
        for writer in list(self._open):
            with contextlib.suppress(Exception):
                writer.transport.abort()
        self._open.clear()

    def restore(self) -> None:
        self.down = False

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self._open.update((writer, up_writer))
        try:
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            for w in (writer, up_writer):
                self._open.discard(w)
                with contextlib.suppress(Exception):
                    w.transport.abort()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError, asyncio.IncompleteReadError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.transport.abort()


# --- process tree CPU and memory ------------------------------------------------------


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            found += [int(p) for p in task.read_text().split()]
    return found


def tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo += children(current)
    return out


def cpu_and_rss(pid: int) -> tuple[float, int] | None:
    """CPU seconds (user + system) and resident bytes of one process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        statm = Path(f"/proc/{pid}/statm").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS, int(statm.split()[1]) * _PAGE


def postgres_pids() -> list[int]:
    pids = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        with contextlib.suppress(OSError):
            if comm.read_text().strip() == "postgres":
                pids.append(int(comm.parent.name))
    return pids


@dataclass
class TreeSample:
    cpu: dict[int, float] = field(default_factory=dict)  # pid -> last CPU seconds seen
    first: dict[int, float] = field(default_factory=dict)
    peak_rss: int = 0
    last_rss: int = 0

    def add(self, pids: list[int]) -> None:
        rss = 0
        for pid in pids:
            got = cpu_and_rss(pid)
            if got is None:
                continue
            self.first.setdefault(pid, got[0])
            self.cpu[pid] = got[0]
            rss += got[1]
        self.last_rss = rss
        self.peak_rss = max(self.peak_rss, rss)

    def cpu_seconds(self) -> float:
        return sum(self.cpu[p] - self.first[p] for p in self.cpu)


class HasPid(Protocol):
    @property
    def pid(self) -> int: ...


class Monitor:
    """Samples the server tree and PostgreSQL once a second while the load runs."""

    def __init__(self, server: HasPid) -> None:
        self.target = server
        self.server = TreeSample()
        self.postgres = TreeSample()
        self.started = time.monotonic()
        self.elapsed = 0.0
        self.loadavg: list[float] = []
        self.loop_lag_ms: list[float] = []
        self._task: asyncio.Task[None] | None = None

    def sample(self) -> None:
        self.server.add(tree(self.target.pid))
        self.postgres.add(postgres_pids())
        self.elapsed = time.monotonic() - self.started
        with contextlib.suppress(OSError):
            self.loadavg.append(float(Path("/proc/loadavg").read_text().split()[0]))

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self.sample()
            for _ in range(10):  # how late the bench's own loop wakes: client queueing
                asked = loop.time()
                await asyncio.sleep(0.1)
                self.loop_lag_ms.append((loop.time() - asked - 0.1) * 1000)

    def start(self) -> None:
        self.started = time.monotonic()
        self._task = asyncio.create_task(self.run())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        self.sample()


# --- faults ---------------------------------------------------------------------------


def kill_one_worker(supervisor_pid: int) -> int | None:
    """SIGKILL one uvicorn worker; the supervisor starts a new one. Returns its pid."""
    workers = children(supervisor_pid)
    # With --workers N the supervisor's children are the workers (plus, on some
    # versions, a resource tracker that has no children of its own and tiny RSS).
    candidates = [p for p in workers if (cpu_and_rss(p) or (0.0, 0))[1] > 30 * 2**20]
    if not candidates:
        return None
    victim = candidates[0]
    os.kill(victim, signal.SIGKILL)
    return victim


def restart_postgres() -> str:
    """Restart the local PostgreSQL cluster (bench only: it drops every connection)."""
    versions = sorted(os.listdir("/etc/postgresql"))
    command = [
        "pg_ctlcluster",
        "--skip-systemctl-redirect",
        versions[-1],
        "main",
        "restart",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"pg restart failed: {done.stderr.strip()}")
    return " ".join(command)


# --- the server's own latency histogram (when the server exposes /metrics) --------------

_BUCKET = "sync_http_request_duration_seconds_bucket"


def scrape_latency(url: str) -> dict[tuple[str, str], dict[float, float]] | None:
    """Cumulative bucket counts per (method, route), or None without /metrics."""
    import re

    import httpx
    from load_setup import METRICS_TOKEN  # what load_setup.Server opened /metrics to

    token = os.environ.get("SYNC_METRICS_TOKEN", METRICS_TOKEN)
    try:
        response = httpx.get(
            url + "/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=10.0
        )
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    found: dict[tuple[str, str], dict[float, float]] = {}
    for line in response.text.splitlines():
        if not line.startswith(_BUCKET + "{"):
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0]))
        bound = float("inf") if labels["le"] == "+Inf" else float(labels["le"])
        key = (labels.get("method", ""), labels.get("route", ""))
        found.setdefault(key, {})[bound] = found.get(key, {}).get(bound, 0.0) + float(
            line.rsplit(" ", 1)[1]
        )
    return found


def server_side_latency(
    before: dict[tuple[str, str], dict[float, float]] | None,
    after: dict[tuple[str, str], dict[float, float]] | None,
    method: str,
    route: str,
) -> dict[str, float] | None:
    """Requests answered in the window, the share within 500 ms, and the bucket bound
    under which 99 % fell (the server's clock: no client queueing in it)."""
    if not after or (method, route) not in after:
        return None
    end = after[(method, route)]
    start = (before or {}).get((method, route), {})
    delta = {bound: end[bound] - start.get(bound, 0.0) for bound in end}
    total = delta.get(float("inf"), 0.0)
    if total <= 0:
        return None
    bounds = sorted(delta)
    p99 = next(b for b in bounds if delta[b] >= 0.99 * total)
    p50 = next(b for b in bounds if delta[b] >= 0.50 * total)
    within = max((delta[b] for b in bounds if b <= 0.5), default=0.0)
    return {
        "n": total,
        "share_within_500ms": round(within / total, 4),
        "p50_at_most_s": p50,
        "p99_at_most_s": p99,
    }
