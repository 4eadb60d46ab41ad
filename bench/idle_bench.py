"""What idle terminals cost the server: N paired terminals with nothing to send.

    .venv/bin/python bench/idle_bench.py [--terminals 1000] [--seconds 60]
                                         [--db sqlite|postgres] [--workers N] [--poll]

A real `sync-server serve`; N terminals pair and pull the whole member list, then stay
idle for the measured window as the terminal's change watcher does: `GET /v1/changes`
with their cursor and `wait` (a long poll, 25 s). `--poll` is the old way, beside it:
a pull every 5 s +-20 %. Every `--change-every` seconds head office issues a coupon
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
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_net import Monitor
from load_setup import Backend, Server

from sync_server.services.admin import AdminService


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


class Idle:
    def __init__(self, url: str, pairing: dict[str, Any], wait: float, poll: bool) -> None:
        self.url, self.wait, self.poll = url, wait, poll
        self.headers = {
            "Authorization": f"Bearer {pairing['token']}",
            "X-Terminal-Version": "idle-bench",
            "X-Queue-Depth": "0",
        }
        self.client = httpx.AsyncClient(timeout=wait + 30, limits=httpx.Limits(max_connections=1))
        self.cursor: str | None = None
        self.requests = 0
        self.changes = 0
        self.errors = 0

    async def pull(self, wait: float = 0) -> None:
        params: dict[str, Any] = {"limit": 5000}
        if self.cursor:
            params["cursor"] = self.cursor
        if wait:
            params |= {"wait": wait, "limit": 1}
        response = await self.client.get(
            self.url + "/v1/changes", params=params, headers=self.headers
        )
        self.requests += 1
        if response.status_code != 200:
            self.errors += 1
            await asyncio.sleep(1)
            return
        page = response.json()
        self.cursor = page["cursor"]
        self.changes += len(page["changes"])
        if page["more"]:
            await self.pull()

    async def idle(self, until: float, rng: random.Random) -> None:
        loop = asyncio.get_running_loop()
        if self.poll:
            await asyncio.sleep(rng.uniform(0, 5))
        while loop.time() < until:
            try:
                if self.poll:
                    await self.pull()
                    await asyncio.sleep(5 * rng.uniform(0.8, 1.2))
                else:  # the last ask ends with the window
                    await self.pull(max(1.0, min(self.wait, until - loop.time())))
            except httpx.HTTPError:
                self.errors += 1
                await asyncio.sleep(1)


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    backend = Backend(args.db, workdir)
    AdminService(backend.database).add_store("S001", "Flagship")
    from sync_server.services.seed import SeedService

    SeedService(backend.database).seed(args.members, store_code="S001", rng_seed=7)
    codes = [backend.pairing_code("S001", f"Idle {i}") for i in range(args.terminals)]
    server = Server(backend.url, workdir, args.workers or (2 if args.db == "postgres" else 1))
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

            pairings = await asyncio.gather(*(pair(c, i) for i, c in enumerate(codes)))
        tills = [Idle(server.url, p, args.wait, args.poll) for p in pairings]

        async def bootstrap(till: Idle) -> None:
            async with gate:
                await till.pull()

        await asyncio.gather(*(bootstrap(t) for t in tills))
        for till in tills:
            till.requests = till.changes = 0
        loop = asyncio.get_running_loop()
        until = loop.time() + args.seconds
        rng = random.Random(5)
        monitor = Monitor(server)
        cpu = sum(os.times()[:2])
        monitor.start()
        changes = asyncio.create_task(change_now_and_then(backend, args.change_every, until))
        await asyncio.gather(*(t.idle(until, rng) for t in tills))
        monitor.stop()
        changed = await changes
        client_cpu = sum(os.times()[:2]) - cpu
        for till in tills:
            await till.client.aclose()
    finally:
        server.stop()
        backend.close()
    requests = sum(t.requests for t in tills)
    cores = monitor.server.cpu_seconds() / monitor.elapsed
    return {
        "mode": "poll every 5 s" if args.poll else f"long poll (wait {args.wait:g} s)",
        "db": args.db,
        "terminals": args.terminals,
        "seconds": round(monitor.elapsed, 1),
        "server_cpu_share_of_a_core": round(cores, 3),
        "requests_per_s": round(requests / monitor.elapsed, 1),
        "server_cpu_ms_per_request": round(cores * 1000 / max(requests / monitor.elapsed, 1e-9), 2),
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
    parser.add_argument("--wait", type=float, default=25.0)
    parser.add_argument("--change-every", type=float, default=20.0)
    parser.add_argument("--poll", action="store_true", help="pull every 5 s instead")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    with tempfile.TemporaryDirectory(prefix="idle-") as tmp:
        result = asyncio.run(run(args, Path(tmp)))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
