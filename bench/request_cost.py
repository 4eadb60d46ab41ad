"""What one request costs the server, by route: a real `sync-server serve` process.

    .venv/bin/python bench/request_cost.py [--db sqlite|postgres] [--requests 1000]
                                           [--code DIR] [--profile DIR] [--json FILE]

One worker on a loopback port; one paired terminal (plus 19 more whose tokens are
used in turn, so the token cache holds several); one client sending the requests one
after the other on a kept-alive connection. For each case the server process's CPU
(user + system, from /proc, every thread) is read before and after ``--requests``
requests; the CPU it spends while idle for as long (its background threads) is
subtracted. Cases:

- ``idle_long_poll``: ``GET /v1/changes?cursor=<latest>&wait=0.01&limit=1``, a long
  poll that times out with nothing new (an idle till's change watcher);
- ``pull_unchanged``: ``GET /v1/changes?cursor=<latest>&limit=1000`` (an idle sync);
- ``pull_200``: ``GET /v1/changes?limit=200``, a page of 200 member changes read from
  the database each time (what a page costs per change: the pull fan-out);
- ``push_1`` / ``push_10``: ``POST /v1/events`` with 1 or 10 ``points.adjusted`` events;
- ``push_pull_1``: the same with ``?cursor=`` (push and pull in one trip: the page
  carries the push's own change);
- ``health``: ``GET /v1/health`` (no token; one ``SELECT 1``).

``--code DIR`` serves another checkout of the server (e.g. the code before a change,
``git archive main | tar -x -C DIR``) with this venv: both measured in the same session.
``--profile DIR`` runs the server under bench/load_profile.py and profiles each case's
window (the event-loop thread's CPU: the HTTP stack, routing, middleware, auth on the
loop; not the thread pool) and prints where it went by package (top functions in
DIR/<case>.txt); the profiler roughly doubles what it measures. The CPU model and the load average are printed beside the figures; CPU time
is far less disturbed by other load than wall time, but not immune to it (caches,
frequency): compare runs made side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import pstats
import signal
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_net import cpu_and_rss, tree
from load_setup import ROOT, Backend, Server
from sqlalchemy import text

CASES = (
    "idle_long_poll",
    "pull_unchanged",
    "pull_200",
    "push_1",
    "push_10",
    "push_pull_1",
    "health",
)


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


_TICKS = os.sysconf("SC_CLK_TCK")


def server_cpu(pid: int) -> float:
    return sum((cpu_and_rss(p) or (0.0, 0))[0] for p in tree(pid))


def server_sys(pid: int) -> float:
    """Kernel CPU seconds of the server's processes (sockets, epoll, files)."""
    total = 0.0
    for p in tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[12]) / _TICKS
    return total


class Terminal:
    def __init__(self, pairing: dict[str, Any], manager_id: str, members: list[str]) -> None:
        self.id = pairing["terminal_id"]
        self.headers = {
            "Authorization": f"Bearer {pairing['token']}",
            "X-Terminal-Version": "request-cost",
            "X-Queue-Depth": "0",
        }
        self.manager_id, self.members = manager_id, members
        self.seq = 0

    def events(self, n: int) -> bytes:
        batch = []
        for _ in range(n):
            self.seq += 1
            batch.append(
                {
                    "event_id": str(uuid.uuid4()),
                    "terminal_id": self.id,
                    "seq": self.seq,
                    "type": "points.adjusted",
                    "occurred_at": datetime.now(UTC).isoformat(),
                    "staff_id": self.manager_id,
                    "member_id": self.members[self.seq % len(self.members)],
                    "data": {"points": 1, "reason": "request cost"},
                }
            )
        return json.dumps({"events": batch}).encode()


class Bench:
    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.backend = Backend(args.db, workdir)
        self.backend.seed(200, 0)
        with self.backend.database.read() as session:
            self.members = [str(r[0]) for r in session.execute(text("SELECT id FROM members"))]
        codes = [self.backend.pairing_code("S001", f"Cost {i}") for i in range(20)]
        self.profile = Path(args.profile) if args.profile else None
        profiled = [str(Path(__file__).resolve().parent / "load_profile.py")]
        self.server = Server(
            self.backend.url,
            workdir,
            1,
            root=Path(args.code or ROOT),
            python_args=profiled if self.profile else [],
            env={"SYNC_BENCH_PROFILE": str(self.profile / "current.prof")} if self.profile else {},
        )
        self.server.start()
        self.http = httpx.Client(base_url=self.server.url, timeout=30)
        self.terminals = []
        for code in codes:
            answer = self.http.post("/v1/pair", json={"pairing_code": code, "device_name": "c"})
            answer.raise_for_status()
            self.terminals.append(Terminal(answer.json(), self.backend.manager_id, self.members))
        self.cursor = self._latest_cursor()

    def _latest_cursor(self) -> str:
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 5000} | ({"cursor": cursor} if cursor else {})
            page = self.http.get("/v1/changes", params=params, headers=self.terminals[0].headers)
            page.raise_for_status()
            body = page.json()
            cursor = body["cursor"]
            if not body["more"] and not body["changes"]:
                return str(cursor)

    def request(self, case: str, i: int) -> None:
        till = self.terminals[i % len(self.terminals)]
        if case == "idle_long_poll":
            params: dict[str, Any] = {"cursor": self.cursor, "wait": 0.01, "limit": 1}
            answer = self.http.get("/v1/changes", params=params, headers=till.headers)
        elif case == "pull_unchanged":
            params = {"cursor": self.cursor, "limit": 1000}
            answer = self.http.get("/v1/changes", params=params, headers=till.headers)
        elif case == "pull_200":  # the first 200 changes, from the database each time
            params = {"limit": 200}
            answer = self.http.get("/v1/changes", params=params, headers=till.headers)
        elif case == "health":
            answer = self.http.get("/v1/health")
        else:
            n = 10 if case == "push_10" else 1
            params = {"cursor": self.cursor, "limit": 1000} if case == "push_pull_1" else {}
            headers = till.headers | {"Content-Type": "application/json"}
            answer = self.http.post(
                "/v1/events", content=till.events(n), params=params, headers=headers
            )
            if case == "push_pull_1":
                self.cursor = answer.json()["pull"]["cursor"]
        if answer.status_code != 200:
            raise RuntimeError(f"{case}: {answer.status_code} {answer.text[:300]}")
        if case in ("idle_long_poll", "pull_unchanged") and answer.json()["changes"]:
            raise RuntimeError(f"{case}: the cursor was not the latest")

    def idle_rate(self, seconds: float) -> float:
        """CPU seconds per second the server spends with no request (its threads)."""
        before = server_cpu(self.server.pid)
        time.sleep(seconds)
        return (server_cpu(self.server.pid) - before) / seconds

    def measure(self, case: str, n: int) -> dict[str, Any]:
        for i in range(min(50, n)):  # warm: caches, the token cache, the feed
            self.request(case, i)
        if case.startswith("push"):  # what the pushes recorded is published
            time.sleep(0.3)
            if case != "push_pull_1":
                self.cursor = self._latest_cursor()
        load = loadavg()
        if self.profile:
            (self.profile / "current.prof").unlink(missing_ok=True)
            os.kill(self.server.pid, signal.SIGUSR1)
            time.sleep(0.2)
        kernel = server_sys(self.server.pid)
        before, started = server_cpu(self.server.pid), time.perf_counter()
        for i in range(n):
            self.request(case, i)
        wall = time.perf_counter() - started
        used = server_cpu(self.server.pid) - before
        kernel = server_sys(self.server.pid) - kernel
        if self.profile:
            os.kill(self.server.pid, signal.SIGUSR2)
        idle = self.idle_rate(min(wall, 3.0))
        net = max(0.0, used - idle * wall)
        figures = {
            "case": case,
            "requests": n,
            "server_cpu_ms_per_request": round(net * 1000 / n, 3),
            "server_cpu_ms_per_request_raw": round(used * 1000 / n, 3),
            "of_which_kernel_ms_per_request": round(kernel * 1000 / n, 3),
            "idle_cpu_share": round(idle, 4),
            "wall_ms_per_request": round(wall * 1000 / n, 3),
            "loadavg_1m": load,
        }
        if self.profile:
            figures |= profile_summary(self.profile / "current.prof", self.profile / case, n)
        return figures

    def close(self) -> None:
        self.http.close()
        self.server.stop()
        self.backend.close()


def by_package(path: Path) -> list[tuple[str, float, int]]:
    """Own time (tottime) of the profile grouped by where the code lives."""
    stats = pstats.Stats(str(path))
    groups: dict[str, float] = defaultdict(float)
    calls: dict[str, int] = defaultdict(int)
    for (filename, _line, _name), (_cc, nc, tt, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        groups[_group(filename)] += tt
        calls[_group(filename)] += nc
    return sorted(((k, v, calls[k]) for k, v in groups.items()), key=lambda kv: -kv[1])


def _group(filename: str) -> str:
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    for mine in ("sync_server/api", "sync_server/services", "sync_server", "shared"):
        if f"/{mine}/" in filename:
            return mine
    if filename.startswith("<") or filename == "~":
        return "builtins (C)"
    return "python stdlib: " + Path(filename).stem if "python3" in filename else filename


def profile_summary(written: Path, keep: Path, n: int) -> dict[str, Any]:
    """The event-loop thread's CPU by package, per request; the top functions to a file."""
    for _ in range(100):  # the server writes it on SIGUSR2
        if written.exists():
            break
        time.sleep(0.1)
    time.sleep(0.3)
    path = written.rename(keep.with_suffix(".prof"))
    groups = by_package(path)
    stats = pstats.Stats(str(path))
    with open(path.with_suffix(".txt"), "w") as out:
        stats.stream = out  # type: ignore[attr-defined]
        stats.sort_stats("tottime").print_stats(40)
        stats.sort_stats("cumulative").print_stats(60)
    return {
        "loop_thread_cpu_ms_per_request": round(sum(t for _, t, _ in groups) * 1000 / n, 3),
        "loop_thread_ms_per_request_by_package": {
            name: round(t * 1000 / n, 3) for name, t, _ in groups[:12]
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--code", help="serve this checkout of the code instead")
    parser.add_argument("--profile", help="cProfile each case in its own server; files here")
    parser.add_argument("--json", type=Path, help="also write the result here")
    args = parser.parse_args()
    cases = [c for c in args.cases.split(",") if c]
    result: dict[str, Any] = {
        "db": args.db,
        "code": str(Path(args.code).resolve()) if args.code else str(ROOT),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "cases": [],
    }
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cost-") as tmp:
        bench = Bench(args, Path(tmp))
        try:
            result["cases"] = [bench.measure(case, args.requests) for case in cases]
        finally:
            bench.close()
    text_out = json.dumps(result, indent=2)
    print(text_out)
    if args.json:
        args.json.write_text(text_out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
