"""One client process of bench/load.py: runs a share of the simulated terminals on its
own event loop (500 terminals on one loop made the SIMULATOR the bottleneck).

The parent talks to it with JSON lines: it sends the set-up on stdin, then the words
`run`, `drain`, `pull` and `report`, one per line; the child answers each step with a
JSON line on stdout once it is done.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from load_sim import SimTerminal, Stats, SyncFailed, make_client

from shared.domain.program import DEFAULT_PROGRAM
from terminal.offline.timing import OFFLINE_PROBE_SECONDS, probe_delay, return_delay


class Worker:
    def __init__(self, setup: dict[str, Any]) -> None:
        self.setup = setup
        self.stats = Stats()
        self.lag_ms: list[float] = []
        self.offered = 0  # cashier actions planned within the run
        self.cpu_seconds = 0.0  # this process's own CPU during the run
        self.sims = [
            SimTerminal(
                f"sim{p['index']}",
                p["pairing"],
                p["url"],
                DEFAULT_PROGRAM,
                random.Random(p["seed"]),
                p["index"],
                make_client(),
            )
            for p in setup["terminals"]
        ]

    async def bootstrap(self) -> None:
        gate = asyncio.Semaphore(16)

        async def first(sim: SimTerminal) -> None:
            async with gate:
                await sim.sync(self.stats)

        await asyncio.gather(*(first(s) for s in self.sims))
        self.stats = Stats()

    async def drive(self, sim: SimTerminal, deadline: float) -> None:
        """Open loop: cashier actions on a fixed random timetable (exponential gaps
        from the planned time, not from when the last one ran), syncs beside them on
        their own timetable; a slow server delays neither, as at a real till."""
        await asyncio.gather(self._actions(sim, deadline), self._syncs(sim, deadline))

    async def _actions(self, sim: SimTerminal, deadline: float) -> None:
        loop = asyncio.get_running_loop()
        mix, op_interval = self.setup["mix"], self.setup["op_interval"]
        planned = loop.time() + sim.rng.expovariate(1 / op_interval)
        while planned < deadline:
            self.offered += 1
            await asyncio.sleep(max(0.0, planned - loop.time()))
            self.stats.ops[sim.act(mix)] += 1
            planned += sim.rng.expovariate(1 / op_interval)

    async def _syncs(self, sim: SimTerminal, deadline: float) -> None:
        loop = asyncio.get_running_loop()
        interval = self.setup["sync_interval"]
        planned = loop.time() + sim.rng.uniform(0, interval)
        while planned < deadline:
            await asyncio.sleep(max(0.0, planned - loop.time()))
            try:
                await sim.sync(self.stats)
            except SyncFailed as failed:  # the events stay queued
                if failed.unreachable:
                    await self._reconnect(sim, deadline)
                    planned = loop.time()  # back: sync now
                    continue
            # One sync at a time per till: an overrun starts the next one at once.
            planned = max(planned + interval * sim.rng.uniform(0.8, 1.2), loop.time())

    async def _reconnect(self, sim: SimTerminal, deadline: float) -> None:
        """As the till's loop (terminal.offline.timing): probe the health endpoint at
        jittered intervals that grow with the outage; once it answers, wait a random
        share of the outage before the first sync (the chain does not return as one)."""
        loop = asyncio.get_running_loop()
        away_since = loop.time()
        while loop.time() < deadline:
            away = loop.time() - away_since
            await asyncio.sleep(probe_delay(OFFLINE_PROBE_SECONDS, away, sim.rng))
            if await sim.probe(self.stats):
                await asyncio.sleep(return_delay(loop.time() - away_since, sim.rng))
                return

    async def lag(self, deadline: float) -> None:
        loop = asyncio.get_running_loop()
        while loop.time() < deadline:
            asked = loop.time()
            await asyncio.sleep(0.1)
            self.lag_ms.append((loop.time() - asked - 0.1) * 1000)

    async def run(self, seconds: float) -> None:
        deadline = asyncio.get_running_loop().time() + seconds
        started, cpu = time.time(), sum(os.times()[:2])
        outage = self.setup.get("outage")
        for sim in self.sims:
            sim.outage_end = started + outage[0] + outage[1] if outage else started
        await asyncio.gather(self.lag(deadline), *(self.drive(s, deadline) for s in self.sims))
        self.cpu_seconds = sum(os.times()[:2]) - cpu

    async def drain(self, timeout: float = 300.0) -> None:
        """Sync until each terminal has pushed everything and pulled to the end."""
        started = time.monotonic()
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

        await asyncio.gather(*(settle(s) for s in self.sims))

    def report(self) -> dict[str, Any]:
        return {
            "stats": self.stats.as_json(),
            "terminals": [
                {
                    "name": s.name,
                    "terminal_id": s.terminal_id,
                    "created": s.created,
                    "outcomes": s.outcomes,
                    "view": {m: [k.balance, 0] for m, k in s.known.items()},
                    "pending": [[p.member_id, p.points] for p in s.pending.values()],
                }
                for s in self.sims
            ],
        }


class ClientProcess:
    """A bench/load_worker.py child driving a share of the simulated terminals."""

    def __init__(self, process: asyncio.subprocess.Process, log: Path) -> None:
        self.process = process
        self.log = log

    @classmethod
    async def start(cls, setup: dict[str, Any], log: Path) -> ClientProcess:
        with open(log, "ab") as errors:
            process = await asyncio.create_subprocess_exec(
                sys.executable, str(Path(__file__).resolve()),
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=errors, limit=2**31 - 1,
            )  # fmt: skip
        child = cls(process, log)
        await child.send(json.dumps(setup))
        return child

    async def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line.encode() + b"\n")
        await self.process.stdin.drain()

    async def answer(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await self.process.stdout.readline()
        if not line:  # the log lives in a temporary directory unless --workdir: show it
            tail = self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""
            raise RuntimeError(f"a load client process died; the end of its log:\n{tail}")
        found: dict[str, Any] = json.loads(line)
        return found

    async def step(self, word: str) -> dict[str, Any]:
        await self.send(word)
        return await self.answer()


def _say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def _main() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**30)  # the set-up line is large
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    worker = Worker(json.loads(await reader.readline()))
    await worker.bootstrap()
    _say({"step": "ready"})
    while line := (await reader.readline()).decode().strip():
        if line == "run":
            await worker.run(worker.setup["seconds"])
            ran = worker.stats.as_json() | {
                "lag_ms": worker.lag_ms,
                "offered": worker.offered,
                "cpu_seconds": worker.cpu_seconds,
                "drained_at": [s.drained_at for s in worker.sims],
            }
            worker.stats = Stats()  # the drain is counted apart
            _say({"step": line, "stats": ran})
            continue
        if line in ("drain", "pull"):
            await worker.drain()
        elif line == "report":
            _say(worker.report())
            break
        _say({"step": line})
    for sim in worker.sims:
        await sim.client.aclose()


if __name__ == "__main__":
    try:
        import uvloop
    except ImportError:
        asyncio.run(_main())
    else:
        uvloop.run(_main())
