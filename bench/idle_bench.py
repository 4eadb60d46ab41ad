"""What idle terminals cost the server: N paired terminals with nothing to send.

    .venv/bin/python bench/idle_bench.py [--terminals 1000] [--seconds 60]
                                         [--db sqlite|postgres] [--workers N] [--poll]

A real `sync-server serve`; N terminals pair and pull the whole member list, then stay
idle for the measured window timed as the real till is (``Idle``, after
terminal.offline.timing): the change watcher's long poll (`GET /v1/changes` with the
cursor and `wait`, 50 s +-10 %), the pull a change wakes, and the sync loop's own pull
every 300 s, measured after a warm-up of one long poll (they start in step). `--poll` is
the old way, beside it: a pull every 5 s +-20 %. Every `--change-every` seconds head office issues a coupon
(a coupon: all terminals are woken and pull it). Prints the server's CPU (share of one core) over
the window, requests per second and CPU per request, with the machine's CPU model and
load average. Server and clients share the machine: the client's own CPU is printed too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_net import Monitor
from load_setup import ROOT, Backend, Server

from sync_server.services.admin import AdminService
from terminal.offline.timing import (
    LONG_POLL_SECONDS,
    WAKE_SPREAD_SECONDS,
    WATCH_MIN_GAP_SECONDS,
    WATCHED_INTERVAL_SECONDS,
)


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


class Idle:
    """An idle paired till, timed as the real one (terminal.offline.timing): its change
    watcher long-polls (``LONG_POLL_SECONDS`` +-10 %, ``limit=1``); a change wakes its
    sync loop after 0-``WAKE_SPREAD_SECONDS``, the loop pulls (``limit=5000``), and the
    watcher asks again ``WATCH_MIN_GAP_SECONDS`` (+-20 %) after the wake at the soonest;
    the loop also syncs on its own every ``WATCHED_INTERVAL_SECONDS`` (an idle till's
    sync is one pull). ``poll``: the old way, a pull every 5 s +-20 %."""

    def __init__(
        self, url: str, pairing: dict[str, Any], wait: float, poll: bool, loop_every: float
    ) -> None:
        self.url, self.wait, self.poll, self.loop_every = url, wait, poll, loop_every
        self.headers = {
            "Authorization": f"Bearer {pairing['token']}",
            "X-Terminal-Version": "idle-bench",
            "X-Queue-Depth": "0",
        }
        # Two connections, as the till has: the loop's and the watcher's.
        self.client = httpx.AsyncClient(timeout=wait + 30, limits=httpx.Limits(max_connections=2))
        self.cursor: str | None = None
        self.requests: Counter[str] = Counter()
        self.changes = 0
        self.errors = 0

    async def get(self, kind: str, params: dict[str, Any]) -> dict[str, Any] | None:
        if self.cursor:
            params["cursor"] = self.cursor
        self.requests[kind] += 1
        try:
            response = await self.client.get(
                self.url + "/v1/changes", params=params, headers=self.headers
            )
        except httpx.HTTPError:
            self.errors += 1
            await asyncio.sleep(1)
            return None
        if response.status_code != 200:
            self.errors += 1
            await asyncio.sleep(1)
            return None
        page: dict[str, Any] = response.json()
        return page

    async def sync(self) -> None:
        """The loop's pull: pages until nothing more."""
        while (page := await self.get("pull", {"limit": 5000})) is not None:
            self.cursor = page["cursor"]
            self.changes += len(page["changes"])
            if not page["more"]:
                return

    async def watch(self, until: float, rng: random.Random) -> None:
        loop = asyncio.get_running_loop()
        while (left := until - loop.time()) > 1.0:
            wait = min(left, self.wait * rng.uniform(0.9, 1.1))
            page = await self.get("long_poll", {"limit": 1, "wait": round(wait, 2)})
            if page is None or not page["changes"]:
                continue
            woken = loop.time()
            await asyncio.sleep(rng.uniform(0, WAKE_SPREAD_SECONDS))
            await self.sync()
            gap = WATCH_MIN_GAP_SECONDS * rng.uniform(0.8, 1.2)
            await asyncio.sleep(max(0.0, min(woken + gap, until) - loop.time()))

    async def loop_cycles(self, until: float, rng: random.Random) -> None:
        loop = asyncio.get_running_loop()
        interval = 5.0 if self.poll else self.loop_every
        await asyncio.sleep(min(rng.uniform(0, interval), max(0.0, until - loop.time())))
        while loop.time() < until:
            await self.sync()
            pause = interval * (rng.uniform(0.8, 1.2) if self.poll else 1.0)
            await asyncio.sleep(min(pause, max(0.0, until - loop.time())))

    async def idle(self, until: float, rng: random.Random) -> None:
        if self.poll:
            await self.loop_cycles(until, rng)
        else:
            await asyncio.gather(self.watch(until, rng), self.loop_cycles(until, rng))


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    backend = Backend(args.db, workdir)
    AdminService(backend.database).add_store("S001", "Flagship")
    from sync_server.services.seed import SeedService

    SeedService(backend.database).seed(args.members, store_code="S001", rng_seed=7)
    quick = not args.pair_over_http
    codes = (
        [] if quick else [backend.pairing_code("S001", f"Idle {i}") for i in range(args.terminals)]
    )
    workers = args.workers or (2 if args.db == "postgres" else 1)
    server = Server(backend.url, workdir, workers, root=Path(args.code) if args.code else ROOT)
    server.start()
    try:
        gate = asyncio.Semaphore(16)
        async with httpx.AsyncClient(timeout=60) as http:

            async def pair(code: str, index: int) -> dict[str, Any]:
                async with gate:
                    body = {"pairing_code": code, "device_name": f"idle-{index}"}
                    answer = await http.post(server.url + "/v1/pair", json=body)
                    answer.raise_for_status()
                    found: dict[str, Any] = answer.json()
                    return found

            if quick:
                pairings = backend.paired_in_database(["S001"] * args.terminals)
            else:
                pairings = await asyncio.gather(*(pair(c, i) for i, c in enumerate(codes)))
        tills = [Idle(server.url, p, args.wait, args.poll, args.loop_every) for p in pairings]

        async def bootstrap(till: Idle) -> None:
            async with gate:
                await till.sync()

        await asyncio.gather(*(bootstrap(t) for t in tills))
        loop = asyncio.get_running_loop()
        # Warm-up: the tills start in step; measured from when their long polls have
        # come round once and spread out (the steady state of a chain's idle tills).
        warmup = 0.0 if args.poll else args.wait * 1.1 + 2
        until = loop.time() + warmup + args.seconds
        rng = random.Random(5)
        idling = asyncio.gather(*(t.idle(until, rng) for t in tills))
        await asyncio.sleep(warmup)
        for till in tills:
            till.requests, till.changes = Counter(), 0
        monitor = Monitor(server)
        cpu = sum(os.times()[:2])
        monitor.start()
        changes = asyncio.create_task(change_now_and_then(backend, args.change_every, until))
        await idling
        monitor.stop()
        changed = await changes
        client_cpu = sum(os.times()[:2]) - cpu
        for till in tills:
            await till.client.aclose()
    finally:
        server.stop()
        backend.close()
    kinds: Counter[str] = Counter()
    for till in tills:
        kinds.update(till.requests)
    requests = sum(kinds.values())
    cores = monitor.server.cpu_seconds() / monitor.elapsed
    return {
        "mode": "poll every 5 s"
        if args.poll
        else f"long poll (wait {args.wait:g} s), loop every {args.loop_every:g} s",
        "code": args.code or str(ROOT),
        "db": args.db,
        "terminals": args.terminals,
        "seconds": round(monitor.elapsed, 1),
        "server_cpu_share_of_a_core": round(cores, 3),
        "requests_per_s": round(requests / monitor.elapsed, 1),
        "requests_by_kind": dict(kinds),
        "server_cpu_ms_per_request": round(cores * 1000 / max(requests / monitor.elapsed, 1e-9), 2),
        "server_cpu_share_per_1000_terminals": round(cores * 1000 / args.terminals, 3),
        "head_office_changes": changed,
        "changes_received": sum(t.changes for t in tills),
        "errors": sum(t.errors for t in tills),
        "client_cpu_share_of_a_core": round(client_cpu / monitor.elapsed, 3),
        "cpu": cpu_model(),
        "loadavg_1m_mean": round(sum(monitor.loadavg) / max(1, len(monitor.loadavg)), 2),
    }


async def change_now_and_then(backend: Backend, every: float, until: float) -> int:
    """Head office changes one member now and then: every idle terminal is woken."""
    if every <= 0:
        return 0
    loop = asyncio.get_running_loop()
    made = 0
    while loop.time() + every < until:
        await asyncio.sleep(every)
        await asyncio.to_thread(_touch_a_member, backend, made)
        made += 1
    return made


def _touch_a_member(backend: Backend, n: int) -> None:
    from sqlalchemy import text

    with backend.database.read() as session:
        code = session.execute(text("SELECT member_code FROM members LIMIT 1")).scalar_one()
    AdminService(backend.database).issue_coupon(code, f"Idle bench {n}", 100, "CNY")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terminals", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--wait", type=float, default=LONG_POLL_SECONDS)
    parser.add_argument("--change-every", type=float, default=20.0)
    parser.add_argument("--poll", action="store_true", help="pull every 5 s instead")
    parser.add_argument(
        "--loop-every",
        type=float,
        default=WATCHED_INTERVAL_SECONDS,
        help="the sync loop's own pull while watched (the till before: 60)",
    )
    parser.add_argument("--code", help="serve this checkout of the server instead")
    parser.add_argument(
        "--pair-over-http",
        action="store_true",
        help="pair every terminal with a code over HTTP (default: paired in the database)",
    )
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    with tempfile.TemporaryDirectory(prefix="idle-") as tmp:
        result = asyncio.run(run(args, Path(tmp)))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
