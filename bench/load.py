"""Load and resilience: N stores' terminals syncing at once against a real server.

    .venv/bin/python bench/load.py [--terminals 500] [--real 8] [--seconds 60]
                                   [--db postgres|sqlite] [--workers N] [--faults]
                                   [--outage SECONDS --outage-at SECONDS]

Each simulated terminal (bench/load_sim.py) has its own pairing, seq counter, outbox of
protocol events built with the shared rules, known balances and pull cursor, and is an
asyncio task on one shared httpx.AsyncClient: it does a cashier action now and then
(enroll, earn, redeem, void) and syncs (push, then pull to the end) every 5 s +-20 %.
A few FULL terminals (bench/load_real.py: real replica, services and SyncService) run
beside them in threads. The server is `sync-server serve` with several uvicorn workers
on PostgreSQL (one worker on SQLite). --faults kills a worker, restarts the database
(PostgreSQL) or the whole server (SQLite), and cuts the network of some terminals
(bench/load_net.py) during the run. Afterwards everything syncs until drained and the
reconciliation (bench/load_check.py) runs. Exit status 1 if a check fails, including
any rejection a correct till should not get.

Open loop: each simulated cashier acts on a fixed random timetable and syncs on its own,
whatever the server answers; the result gives the offered action rate beside what was
pushed and acknowledged. Latencies cover every request, errors and timeouts included,
and `ack` the time from a cashier's action to the server's acknowledgement. Beside the
server's CPU (and per pushed event) stand the client processes' own CPU and loop lag,
so a starved client shows. --outage S takes the whole server down for S seconds (all
terminals queue) and reports the drain: how long until every terminal's backlog was
through, and the push latency in the first 60 s after.
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
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from load_check import (  # noqa: E402
    Report,
    check_exactly_once,
    check_ledger,
    check_rejections,
    check_views,
)
from load_faults import FaultPlan  # noqa: E402
from load_net import CutProxy, Monitor, scrape_latency, server_side_latency  # noqa: E402
from load_real import RealTill, use_memory_keyring  # noqa: E402
from load_setup import Backend, Server  # noqa: E402
from load_sim import latency_summary, merge_stats, percentile  # noqa: E402
from load_worker import ClientProcess  # noqa: E402

MIX = {"enroll": 0.10, "earn": 0.55, "redeem": 0.20, "void": 0.15}


@dataclass
class Config:
    terminals: int = 500
    real: int = 8
    seconds: float = 60.0
    db: str = "postgres"
    workers: int = 0  # 0: 2 on PostgreSQL (2 cores: measured better than 4), 1 on SQLite
    faults: bool = False
    db_restart: bool = True  # with --faults; never in `make test`
    members: int = 1000
    op_interval: float = 10.0  # mean seconds between cashier actions, per terminal
    sync_interval: float = 5.0
    cut_fraction: float = 0.1
    seed: int = 1
    client_procs: int = 2  # processes that drive the simulated terminals
    outage: float = 0.0  # seconds the whole server is down (chain-wide outage); 0: none
    outage_at: float = 10.0  # when it starts, seconds into the run
    pair_in_db: bool = False  # simulated tills paired straight in the database (fast set-up)
    workdir: Path | None = None
    keep: bool = False

    def sims(self) -> int:
        """Simulated terminals: every terminal but the full ones."""
        return max(0, self.terminals - self.real)

    def server_workers(self) -> int:
        return self.workers or (2 if self.db == "postgres" else 1)


@dataclass
class Result:
    config: dict[str, Any]
    events: int = 0
    events_per_s: float = 0.0
    push: dict[str, float] = field(default_factory=dict)
    pull: dict[str, float] = field(default_factory=dict)
    real_sync: dict[str, float] = field(default_factory=dict)
    ack: dict[str, float] = field(default_factory=dict)  # cashier action -> acknowledged
    offered_ops_per_s: float = 0.0  # what the simulated cashiers were scheduled to do
    outage: dict[str, Any] = field(default_factory=dict)
    server_side: dict[str, Any] = field(default_factory=dict)  # from /metrics, if served
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


class LoadRun:
    def __init__(self, config: Config, workdir: Path) -> None:
        self.config = config
        self.workdir = workdir
        self.rng = random.Random(config.seed)
        self.backend = Backend(config.db, workdir)
        self.server = Server(self.backend.url, workdir, config.server_workers())
        self.clients: list[ClientProcess] = []
        self.sims: list[dict[str, Any]] = []  # what each simulated terminal reported
        self.tills: list[RealTill] = []
        self.proxy: CutProxy | None = None
        self.faults: list[str] = []
        self.client_stats: list[dict[str, Any]] = []
        self.metrics_before: Any = None
        self.metrics_after: Any = None
        self.rejections: dict[str, dict[str, int]] = {}
        self.outage_down = self.outage_ready = 0.0

    # --- set-up ------------------------------------------------------------------------

    async def setup(self, client: httpx.AsyncClient) -> None:
        config = self.config
        self.backend.seed(config.members, config.sims())
        self.server.start()
        self.proxy = CutProxy(self.server.port)
        await self.proxy.start()
        cut = round(config.sims() * config.cut_fraction) if config.faults else 0
        stores = [f"L{i:04d}" for i in range(config.sims())]
        quick = config.pair_in_db
        codes = [] if quick else [self.backend.pairing_code(s, f"Sim {s}") for s in stores]
        gate = asyncio.Semaphore(16)

        async def pair(index: int, code: str) -> dict[str, Any]:
            async with gate:
                body = {"pairing_code": code, "device_name": f"sim-{index}"}
                answer = await client.post(self.server.url + "/v1/pair", json=body)
                answer.raise_for_status()
                url = self.proxy.url if self.proxy and index < cut else self.server.url
                pairing = answer.json()
                return {"index": index, "pairing": pairing, "url": url, "seed": self.rng.random()}

        if quick:
            terminals = [
                {
                    "index": i,
                    "pairing": pairing,
                    "url": self.proxy.url if self.proxy and i < cut else self.server.url,
                    "seed": self.rng.random(),
                }
                for i, pairing in enumerate(self.backend.paired_in_database(stores))
            ]
        else:
            terminals = list(await asyncio.gather(*(pair(i, c) for i, c in enumerate(codes))))
        shares = max(1, min(config.client_procs, len(terminals)))
        common = {
            "seconds": config.seconds,
            "sync_interval": config.sync_interval,
            "op_interval": config.op_interval,
            "mix": MIX,
            "outage": [config.outage_at, config.outage] if config.outage else None,
        }
        if terminals:
            self.clients = await asyncio.gather(
                *(
                    ClientProcess.start(
                        common | {"terminals": terminals[n::shares]}, self.workdir / "client.log"
                    )
                    for n in range(shares)
                )
            )
        use_memory_keyring()
        real_cut = max(1, config.real // 4) if config.faults and config.real else 0
        for index in range(config.real):
            code = self.backend.pairing_code("S001", f"Real {index}")
            # One at a time: Alembic's migration context is process-global.
            till = await asyncio.to_thread(
                RealTill, f"real{index}", self.workdir, self.server.url, code
            )
            if index < real_cut and self.proxy is not None:
                till.point_at(self.proxy.url)
            self.tills.append(till)
        for child in self.clients:  # each has pulled the whole member list by now
            await child.answer()

    # --- the run -------------------------------------------------------------------------

    async def _all(self, word: str) -> list[dict[str, Any]]:
        return list(await asyncio.gather(*(c.step(word) for c in self.clients)))

    async def run(self) -> tuple[float, Monitor, list[dict[str, Any]]]:
        loop = asyncio.get_running_loop()
        monitor = Monitor(self.server)
        self.metrics_before = await asyncio.to_thread(scrape_latency, self.server.url)
        monitor.start()
        started = loop.time()
        for till in self.tills:
            till.start(self.config.seconds, self.config.op_interval, MIX)
        plan = FaultPlan(self, self.config.seconds) if self.config.faults else None
        fault_task = asyncio.create_task(plan.run()) if plan else None
        if self.config.outage:
            fault_task = asyncio.create_task(self.outage())
        ran = [answer["stats"] for answer in await self._all("run")]
        if fault_task is not None:
            await fault_task
        for till in self.tills:
            await asyncio.to_thread(till.join)
        monitor.stop()
        self.metrics_after = await asyncio.to_thread(scrape_latency, self.server.url)
        return loop.time() - started, monitor, ran

    async def outage(self) -> None:
        """The whole server down for ``outage`` seconds: every terminal queues."""
        await asyncio.sleep(self.config.outage_at)
        self.server.kill()
        self.faults.append(f"server down for {self.config.outage:.0f} s")
        self.outage_down = time.time()
        await asyncio.sleep(self.config.outage)
        await asyncio.to_thread(self.server.start)
        self.outage_ready = time.time()
        self.faults.append("server up again")

    async def drain(self, timeout: float = 300.0) -> float:
        """Everyone syncs until a sync succeeds with nothing queued, then pulls once more
        (so each terminal sees the others' last pushes)."""
        started = time.monotonic()
        if self.proxy is not None:
            self.proxy.restore()

        def settle_till(till: RealTill) -> None:
            while not (till.sync_now() and till.pending() == 0):
                if time.monotonic() - started > timeout:
                    raise RuntimeError(f"{till.name} could not drain its outbox")
                time.sleep(0.5)

        for word in ("drain", "pull"):
            await asyncio.gather(
                self._all(word), *(asyncio.to_thread(settle_till, t) for t in self.tills)
            )
        reports = await self._all("report")
        self.sims = [t for r in reports for t in r["terminals"]]
        self.client_stats = [r["stats"] for r in reports]
        return time.monotonic() - started

    def check(self) -> Report:
        report = Report()
        created = {s["terminal_id"]: s["created"] for s in self.sims}
        outcomes = {s["terminal_id"]: s["outcomes"] for s in self.sims}
        for till in self.tills:
            created[till.terminal_id] = till.events()
            outcomes[till.terminal_id] = {
                e: ("accepted" if st == "acknowledged" else st) for e, st in till.statuses().items()
            }
        check_exactly_once(self.backend.database, created, outcomes, report)
        server = check_ledger(self.backend.database, report)
        for sim in self.sims:
            view = {m: (b, p) for m, (b, p) in sim["view"].items()}
            for member_id, points in sim["pending"]:
                view[member_id] = (view[member_id][0], view[member_id][1] + points)
            check_views(sim["name"], view, server, report)
        for till in self.tills:
            check_views(till.name, till.balances(), server, report)
        full = {till.terminal_id for till in self.tills}
        self.rejections = check_rejections(self.backend.database, full, report)
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
            cpu_before = sum(os.times()[:2])
            elapsed, monitor, ran = await load.run()
            result.server["bench_main_cpu_cores"] = round(
                (sum(os.times()[:2]) - cpu_before) / elapsed, 2
            )
            result.faults = load.faults
            result.drain_s = round(await load.drain(), 1)
        phase = time.monotonic()
        report = load.check()
        result.check_s = round(time.monotonic() - phase, 1)
    finally:
        for child in load.clients:
            if child.process.returncode is None:
                child.process.kill()
        if load.proxy is not None:
            await load.proxy.close()
        load.close()
    stats = merge_stats(ran)
    drained = merge_stats(load.client_stats)
    real_ms = [ms for t in load.tills for ms in t.sync_ms]
    result.events = sum(len(s["created"]) for s in load.sims) + sum(
        sum(t.ops.values()) for t in load.tills
    )
    result.events_per_s = round(stats.pushed_events / elapsed, 1) if elapsed else 0.0
    result.push, result.pull = latency_summary(stats.push_ms), latency_summary(stats.pull_ms)
    result.real_sync = latency_summary(real_ms)
    result.ack = latency_summary(stats.ack_ms)
    result.offered_ops_per_s = round(sum(r.get("offered", 0) for r in ran) / config.seconds, 1)
    if config.outage and load.outage_ready:
        ready = load.outage_ready
        emptied = [t for r in ran for t in r.get("drained_at", [])]
        during = [
            ms for ms, at in zip(stats.push_ms, stats.push_at, strict=True) if 0 <= at - ready <= 60
        ]
        result.outage = {
            "probes": stats.probes,
            "probe": latency_summary(stats.probe_ms),
            "down_s": round(ready - load.outage_down, 1),
            "drain_s": round(max(emptied) - ready, 1) if emptied and None not in emptied else None,
            "not_drained_in_run": sum(1 for t in emptied if t is None),
            "push_in_first_60s_after": latency_summary(during),
        }
    for name, method, route in (("push", "POST", "/v1/events"), ("pull", "GET", "/v1/changes")):
        seen = server_side_latency(load.metrics_before, load.metrics_after, method, route)
        if seen is not None:
            result.server_side[name] = seen
    errors = Counter(stats.errors)
    for till in load.tills:
        errors.update({f"real:{k}": v for k, v in till.errors.items()})
    errors.update({f"drain:{k}": v for k, v in drained.errors.items()})
    result.errors = dict(errors)
    result.results = dict(stats.results + drained.results)
    ops = Counter(stats.ops)
    for till in load.tills:
        ops.update({f"real:{k}": v for k, v in till.ops.items()})
    result.ops = dict(ops)
    lag = [ms for r in ran for ms in r["lag_ms"]]
    result.server |= {
        "elapsed_s": round(elapsed, 1),
        "server_cpu_cores": round(monitor.server.cpu_seconds() / monitor.elapsed, 2),
        "server_peak_rss_mib": round(monitor.server.peak_rss / 2**20, 1),
        "postgres_cpu_cores": round(monitor.postgres.cpu_seconds() / monitor.elapsed, 2),
        "postgres_peak_rss_mib": round(monitor.postgres.peak_rss / 2**20, 1),
        "client_procs": len(load.clients),
        "pulled_changes_per_s": round(stats.pulled_changes / elapsed, 1),
        "pushed_events": stats.pushed_events,
        "acknowledged_per_s": round(len(stats.ack_ms) / elapsed, 1) if elapsed else 0.0,
        "server_cpu_ms_per_event": round(
            monitor.server.cpu_seconds() * 1000 / max(1, stats.pushed_events), 2
        ),
        # With PostgreSQL's own CPU (every postgres process on the machine: other users
        # of the same cluster count too).
        "server_and_postgres_cpu_ms_per_event": round(
            (monitor.server.cpu_seconds() + monitor.postgres.cpu_seconds())
            * 1000
            / max(1, stats.pushed_events),
            2,
        ),
        "client_cpu_cores": round(sum(r.get("cpu_seconds", 0.0) for r in ran) / elapsed, 2),
        "client_loop_lag_p50_ms": round(percentile(lag, 0.5), 1),
        "client_loop_lag_p99_ms": round(percentile(lag, 0.99), 1),
        "loadavg_1m_mean": round(sum(monitor.loadavg) / max(1, len(monitor.loadavg)), 2),
    }
    result.checks = {
        "ok": report.ok,
        "terminals": report.terminals,
        "events_checked": report.events_checked,
        "members_checked": report.members_checked,
        "views_checked": report.views_checked,
        "rejections": load.rejections,
        "problems": report.problems,
    }
    return result


def _asyncio_run(main: Any) -> Result:
    """uvloop when it is there (uvicorn brings it): a lighter client loop."""
    try:
        import uvloop
    except ImportError:
        result: Result = asyncio.run(main)
        return result
    result = uvloop.run(main)
    return result


def run(config: Config) -> Result:
    if config.workdir is not None:
        config.workdir.mkdir(parents=True, exist_ok=True)
        return _asyncio_run(_main(config, config.workdir))
    with tempfile.TemporaryDirectory(prefix="load-") as tmp:
        return _asyncio_run(_main(config, Path(tmp)))


def raise_file_limit() -> None:
    """Thousands of terminals: a socket each (and the server's side of it), more than
    the usual soft limit of 1,024 descriptors. The server and the client processes
    started from here inherit the raised limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def main(argv: list[str] | None = None) -> int:
    raise_file_limit()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terminals", type=int, default=500)
    parser.add_argument("--real", type=int, default=8, help="full terminals among them")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--workers", type=int, default=0, help="0: 2 on postgres, 1 on sqlite")
    parser.add_argument("--faults", action="store_true")
    parser.add_argument("--members", type=int, default=1000, help="seeded members")
    parser.add_argument("--op-interval", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument(
        "--outage", type=float, default=0.0, help="seconds the whole server is down mid-run"
    )
    parser.add_argument("--outage-at", type=float, default=10.0, help="seconds into the run")
    parser.add_argument(
        "--pair-in-db",
        action="store_true",
        help="pair the simulated tills straight in the database (set-up in seconds; "
        "pairing over HTTP costs two argon2 hashes per till)",
    )
    parser.add_argument("--json", type=Path, help="also write the result here")
    parser.add_argument("--workdir", type=Path, help="keep logs and replicas here")
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
        client_procs=args.client_procs,
        workdir=args.workdir,
        outage=args.outage,
        outage_at=args.outage_at,
        pair_in_db=args.pair_in_db,
    )
    if config.outage and config.faults:
        parser.error("--outage and --faults are separate scenarios")
    if config.outage and config.seconds < config.outage_at + config.outage + 30:
        parser.error("--seconds must leave at least 30 s after the outage for the drain")
    result = run(config)
    text = json.dumps(asdict(result), indent=2, default=str)
    print(text)
    if args.json:
        args.json.write_text(text)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
