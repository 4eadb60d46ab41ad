"""The faults of `bench/load.py --faults`, at fixed fractions of the run:

- 20 %: SIGKILL one uvicorn worker (PostgreSQL, several workers: the supervisor starts
  a new one); with one worker (SQLite) the whole server is killed and started again.
- 40 %: the network of the terminals behind the cut proxy (10 % of the simulated ones
  and a quarter of the full ones) is cut for a while: open connections are aborted
  mid-request, new ones refused.
- 65 %: the database restarts (PostgreSQL cluster restart); on SQLite, where the
  database lives in the server process, the server is killed and started again.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from load_net import children, kill_one_worker, restart_postgres

if TYPE_CHECKING:
    from load import LoadRun


class FaultPlan:
    def __init__(self, load: LoadRun, seconds: float) -> None:
        self.load = load
        self.seconds = seconds
        self.started = time.monotonic()

    def note(self, what: str) -> None:
        self.load.faults.append(f"t={time.monotonic() - self.started:5.1f}s {what}")

    async def at(self, fraction: float) -> None:
        delay = self.started + fraction * self.seconds - time.monotonic()
        await asyncio.sleep(max(0.0, delay))

    async def run(self) -> None:
        self.started = time.monotonic()
        server = self.load.server
        await self.at(0.20)
        if server.workers > 1:
            before = sorted(children(server.pid))
            victim = kill_one_worker(server.pid)
            self.note(f"SIGKILL worker {victim} (workers {before})")
            await asyncio.sleep(3.0)
            self.note(f"workers now {sorted(children(server.pid))}")
        else:
            self.note("SIGKILL the single-worker server")
            server.kill()
            await asyncio.sleep(1.0)
            await asyncio.to_thread(server.start)
            self.note("server started again")
        await self.at(0.40)
        proxy = self.load.proxy
        if proxy is not None:
            cut_for = max(3.0, min(15.0, 0.2 * self.seconds))
            proxy.cut()
            self.note(f"network cut for the proxied terminals ({cut_for:.0f} s)")
            await asyncio.sleep(cut_for)
            proxy.restore()
            self.note("network restored")
        await self.at(0.65)
        if not self.load.config.db_restart:
            return
        if self.load.backend.kind == "postgres":
            self.note("PostgreSQL restart begins")
            command = await asyncio.to_thread(restart_postgres)
            self.note(f"PostgreSQL restarted ({command})")
        else:
            self.note("SIGKILL the server (SQLite: the database restarts with it)")
            server.kill()
            await asyncio.sleep(1.0)
            await asyncio.to_thread(server.start)
            self.note("server started again")
