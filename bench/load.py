"""Load and resilience: N stores' terminals syncing at once against a real server.

    .venv/bin/python bench/load.py [--terminals 500] [--real 8] [--seconds 60]
                                   [--db postgres|sqlite] [--workers N] [--faults]

Each simulated terminal (bench/load_sim.py) has its own pairing, seq counter, outbox of
protocol events built with the shared rules, known balances and pull cursor, and is an
asyncio task on one shared httpx.AsyncClient: it does a cashier action now and then
(enroll, earn, redeem, void) and syncs (push, then pull to the end) every 5 s +-20 %.
A few FULL terminals (bench/load_real.py: real replica, services and SyncService) run
beside them in threads. The server is `sync-server serve` with several uvicorn workers
on PostgreSQL (one worker on SQLite). --faults kills a worker, restarts the database
(PostgreSQL) or the whole server (SQLite), and cuts the network of some terminals
(bench/load_net.py) during the run. Afterwards everything syncs until drained and the
reconciliation (bench/load_check.py) runs. Exit status 1 if a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_check import Report, check_exactly_once, check_ledger, check_views
from load_faults import FaultPlan
from load_net import CutProxy, Monitor
from load_real import RealTill, use_memory_keyring
from load_setup import Backend, Server
from load_sim import SimTerminal, Stats, SyncFailed, make_client, percentile

from shared.domain.program import DEFAULT_PROGRAM

MIX = {"enroll": 0.10, "earn": 0.55, "redeem": 0.20, "void": 0.15}


@dataclass
class Config:
    terminals: int = 500
    real: int = 8
    seconds: float = 60.0
    db: str = "postgres"
    workers: int = 0  # 0: 4 on PostgreSQL, 1 on SQLite
    faults: bool = False
    db_restart: bool = True  # with --faults; never in `make test`
    members: int = 1000
    op_interval: float = 10.0  # mean seconds between cashier actions, per terminal
    sync_interval: float = 5.0
    cut_fraction: float = 0.1
    seed: int = 1
    workdir: Path | None = None
    keep: bool = False

    def sims(self) -> int:
        """Simulated terminals: every terminal but the full ones."""
        return max(0, self.terminals - self.real)

    def server_workers(self) -> int:
        return self.workers or (4 if self.db == "postgres" else 1)


@dataclass
class Result:
    config: dict[str, Any]
    events: int = 0
    events_per_s: float = 0.0
    push: dict[str, float] = field(default_factory=dict)
    pull: dict[str, float] = field(default_factory=dict)
    real_sync: dict[str, float] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    results: dict[str, int] = field(default_factory=dict)
    ops: dict[str, int] = field(default_factory=dict)
    server: dict[str, float] = field(default_factory=dict)
    faults: list[str] = field(default_factory=list)
    setup_s: float = 0.0
    drain_s: float = 0.0
    check_s: float = 0.0
    checks: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return bool(self.checks.get("ok"))


def _latency(samples: list[float]) -> dict[str, float]:
    return {
        "n": len(samples),
        "p50_ms": round(percentile(samples, 0.50), 1),
        "p95_ms": round(percentile(samples, 0.95), 1),
        "p99_ms": round(percentile(samples, 0.99), 1),
        "max_ms": round(max(samples), 1) if samples else float("nan"),
    }


class LoadRun:
    def __init__(self, config: Config, workdir: Path) -> None:
        self.config = config
        self.workdir = workdir
        self.rng = random.Random(config.seed)
        self.stats = Stats()
        self.backend = Backend(config.db, workdir)
        self.server = Server(self.backend.url, workdir, config.server_workers())
        self.sims: list[SimTerminal] = []
        self.tills: list[RealTill] = []
        self.proxy: CutProxy | None = None
        self.faults: list[str] = []

    # --- set-up ------------------------------------------------------------------------

    async def setup(self, client: httpx.AsyncClient) -> None:
        self.backend.seed(self.config.members, self.config.sims())
        self.server.start()
        self.proxy = CutProxy(self.server.port)
        await self.proxy.start()
        cut = round(self.config.sims() * self.config.cut_fraction) if self.config.faults else 0
        codes = [
            self.backend.pairing_code(f"L{i:04d}", f"Sim {i}") for i in range(self.config.sims())
        ]
        gate = asyncio.Semaphore(16)

        async def pair(index: int, code: str) -> SimTerminal:
            async with gate:
                body = {"pairing_code": code, "device_name": f"sim-{index}"}
                answer = await client.post(self.server.url + "/v1/pair", json=body)
                answer.raise_for_status()
                url = self.proxy.url if self.proxy and index < cut else self.server.url
                sim = SimTerminal(
                    f"sim{index}",
                    answer.json(),
                    url,
                    DEFAULT_PROGRAM,
                    random.Random(self.rng.random()),
                    index,
                    make_client(),
                )
                await sim.sync(self.stats)  # bootstrap: the whole member list
                return sim

        self.sims = list(await asyncio.gather(*(pair(i, c) for i, c in enumerate(codes))))
        use_memory_keyring()
        real_cut = max(1, self.config.real // 4) if self.config.faults and self.config.real else 0
        for index in range(self.config.real):
            code = self.backend.pairing_code("S001", f"Real {index}")
            # One at a time: Alembic's migration context is process-global.
            till = await asyncio.to_thread(
                RealTill, f"real{index}", self.workdir, self.server.url, code
            )
            if index < real_cut and self.proxy is not None:
                till.point_at(self.proxy.url)
            self.tills.append(till)
        self.stats.push_ms.clear()
        self.stats.pull_ms.clear()
        self.stats.errors.clear()
        self.stats.pulled_changes = 0

    # --- the run -------------------------------------------------------------------------

    async def drive(self, sim: SimTerminal, deadline: float) -> None:
        loop = asyncio.get_running_loop()
        interval = self.config.sync_interval
        next_sync = loop.time() + sim.rng.uniform(0, interval)
        next_op = loop.time() + sim.rng.expovariate(1 / self.config.op_interval)
        while True:
            wake = min(next_sync, next_op)
            if wake >= deadline:
                return
            await asyncio.sleep(max(0.0, wake - loop.time()))
            now = loop.time()
            if now >= next_op:
                self.stats.ops[sim.act(MIX)] += 1
                next_op = now + sim.rng.expovariate(1 / self.config.op_interval)
            if now >= next_sync:
                try:
                    await sim.sync(self.stats)
                except SyncFailed:
                    pass  # the events stay queued; the next cycle tries again
                next_sync = loop.time() + interval * sim.rng.uniform(0.8, 1.2)

    async def run(self) -> tuple[float, Monitor]:
        loop = asyncio.get_running_loop()
        monitor = Monitor(self.server)
        monitor.start()
        started = loop.time()
        deadline = started + self.config.seconds
        for till in self.tills:
            till.start(self.config.seconds, self.config.op_interval, MIX)
        plan = FaultPlan(self, self.config.seconds) if self.config.faults else None
        tasks = [asyncio.create_task(self.drive(s, deadline)) for s in self.sims]
        fault_task = asyncio.create_task(plan.run()) if plan else None
        await asyncio.gather(*tasks)
        if fault_task is not None:
            await fault_task
        for till in self.tills:
            await asyncio.to_thread(till.join)
        monitor.stop()
        return loop.time() - started, monitor

    async def drain(self, timeout: float = 300.0) -> float:
        """Everyone syncs until a sync succeeds with nothing queued, then pulls once more
        (so each terminal sees the others' last pushes)."""
        started = time.monotonic()
        if self.proxy is not None:
            self.proxy.restore()
        gate = asyncio.Semaphore(50)

        async def settle(sim: SimTerminal) -> None:
            while True:
                async with gate:
                    try:
                        await sim.sync(self.stats)
                        if not sim.outbox:
                            return
                    except SyncFailed:
                        pass
                if time.monotonic() - started > timeout:
                    raise RuntimeError(f"{sim.name} could not drain its outbox")
                await asyncio.sleep(0.5)

        def settle_till(till: RealTill) -> None:
            while not (till.sync_now() and till.pending() == 0):
                if time.monotonic() - started > timeout:
                    raise RuntimeError(f"{till.name} could not drain its outbox")
                time.sleep(0.5)

        for _ in range(2):
            await asyncio.gather(
                *(settle(s) for s in self.sims),
                *(asyncio.to_thread(settle_till, t) for t in self.tills),
            )
        return time.monotonic() - started

    def check(self) -> Report:
        report = Report()
        created = {s.terminal_id: s.created for s in self.sims}
        outcomes = {s.terminal_id: s.outcomes for s in self.sims}
        for till in self.tills:
            created[till.terminal_id] = till.events()
            outcomes[till.terminal_id] = {
                e: ("accepted" if st == "acknowledged" else st) for e, st in till.statuses().items()
            }
        check_exactly_once(self.backend.database, created, outcomes, report)
        server = check_ledger(self.backend.database, report)
        for sim in self.sims:
            view = {m: (k.balance, 0) for m, k in sim.known.items()}
            for pending in sim.pending.values():
                view[pending.member_id] = (view[pending.member_id][0], pending.points)
            check_views(sim.name, view, server, report)
        for till in self.tills:
            check_views(till.name, till.balances(), server, report)
        return report

    def close(self) -> None:
        for till in self.tills:
            till.close()
        self.server.stop()
        self.backend.close()


async def _main(config: Config, workdir: Path) -> Result:
    result = Result(config={k: str(v) for k, v in asdict(config).items()})
    phase = time.monotonic()
    load = LoadRun(config, workdir)
    try:
        async with httpx.AsyncClient(timeout=30.0) as client:
            await load.setup(client)
            result.setup_s = round(time.monotonic() - phase, 1)
            elapsed, monitor = await load.run()
            result.faults = load.faults
            result.drain_s = round(await load.drain(), 1)
        phase = time.monotonic()
        report = load.check()
        result.check_s = round(time.monotonic() - phase, 1)
    finally:
        for sim in load.sims:
            await sim.client.aclose()
        if load.proxy is not None:
            await load.proxy.close()
        load.close()
    stats = load.stats
    real_ms = [ms for t in load.tills for ms in t.sync_ms]
    result.events = sum(len(s.created) for s in load.sims) + sum(
        sum(t.ops.values()) for t in load.tills
    )
    result.events_per_s = round(stats.pushed_events / elapsed, 1) if elapsed else 0.0
    result.push, result.pull = _latency(stats.push_ms), _latency(stats.pull_ms)
    result.real_sync = _latency(real_ms)
    errors = Counter(stats.errors)
    for till in load.tills:
        errors.update({f"real:{k}": v for k, v in till.errors.items()})
    result.errors = dict(errors)
    result.results = dict(stats.results)
    ops = Counter(stats.ops)
    for till in load.tills:
        ops.update({f"real:{k}": v for k, v in till.ops.items()})
    result.ops = dict(ops)
    result.server = {
        "elapsed_s": round(elapsed, 1),
        "server_cpu_cores": round(monitor.server.cpu_seconds() / monitor.elapsed, 2),
        "server_peak_rss_mib": round(monitor.server.peak_rss / 2**20, 1),
        "postgres_cpu_cores": round(monitor.postgres.cpu_seconds() / monitor.elapsed, 2),
        "postgres_peak_rss_mib": round(monitor.postgres.peak_rss / 2**20, 1),
        "bench_cpu_s": round(sum(os.times()[:2]), 1),
        "pulled_changes_per_s": round(stats.pulled_changes / elapsed, 1),
        "pushed_events": stats.pushed_events,
        "loadavg_1m_mean": round(sum(monitor.loadavg) / max(1, len(monitor.loadavg)), 2),
    }
    result.checks = {
        "ok": report.ok,
        "terminals": report.terminals,
        "events_checked": report.events_checked,
        "members_checked": report.members_checked,
        "views_checked": report.views_checked,
        "problems": report.problems,
    }
    return result


def _asyncio_run(main: Any) -> Result:
    """uvloop when it is there (uvicorn brings it): a lighter client loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    result: Result = uvloop.run(main)
    return result


def run(config: Config) -> Result:
    if config.workdir is not None:
        config.workdir.mkdir(parents=True, exist_ok=True)
        return _asyncio_run(_main(config, config.workdir))
    with tempfile.TemporaryDirectory(prefix="load-") as tmp:
        return _asyncio_run(_main(config, Path(tmp)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terminals", type=int, default=500)
    parser.add_argument("--real", type=int, default=8, help="full terminals among them")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--workers", type=int, default=0, help="0: 4 on postgres, 1 on sqlite")
    parser.add_argument("--faults", action="store_true")
    parser.add_argument("--members", type=int, default=1000, help="seeded members")
    parser.add_argument("--op-interval", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the result here")
    args = parser.parse_args(argv)
    config = Config(
        terminals=args.terminals,
        real=args.real,
        seconds=args.seconds,
        db=args.db,
        workers=args.workers,
        faults=args.faults,
        members=args.members,
        op_interval=args.op_interval,
        seed=args.seed,
    )
    result = run(config)
    text = json.dumps(asdict(result), indent=2, default=str)
    print(text)
    if args.json:
        args.json.write_text(text)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
