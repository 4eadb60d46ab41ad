"""`python bench/load_profile.py -m sync_server.cli serve ...`: the server with a CPU
profiler that a benchmark switches on and off by signal (bench/request_cost.py).

SIGUSR1 starts cProfile on the main thread (uvicorn's event loop: HTTP, routing,
middleware, whatever runs on the loop), timed by that thread's CPU clock; SIGUSR2
stops it and writes the stats to ``$SYNC_BENCH_PROFILE``. Work handed to the thread
pool is not in it (the bench reads the process's whole CPU from /proc beside it).
"""

from __future__ import annotations

import cProfile
import os
import runpy
import signal
import sys
import time
from types import FrameType

profiler = cProfile.Profile(time.thread_time)


def _start(_signum: int, _frame: FrameType | None) -> None:
    global profiler
    profiler = cProfile.Profile(time.thread_time)  # each window on its own
    profiler.enable()


def _stop(_signum: int, _frame: FrameType | None) -> None:
    profiler.disable()
    profiler.dump_stats(os.environ["SYNC_BENCH_PROFILE"])


if __name__ == "__main__":
    if sys.argv[1:2] != ["-m"] or len(sys.argv) < 3:
        raise SystemExit("usage: load_profile.py -m MODULE [ARGS...]")
    module = sys.argv[2]
    sys.argv = [module, *sys.argv[3:]]
    signal.signal(signal.SIGUSR1, _start)
    signal.signal(signal.SIGUSR2, _stop)
    runpy.run_module(module, run_name="__main__", alter_sys=True)
