"""The scaling table: bench/load.py at 250, 500, 1,000 and 2,000 terminals, one after the
other, each in its own process, with the columns docs/PERFORMANCE.md shows.

    .venv/bin/python bench/scaling.py [--terminals 250,500,1000,2000] [--db postgres]
                                      [--seconds 60] [--out bench/out/scaling.json]
                                      [--outage 600 --outage-at 10] [-- load.py options]

For each size: the load average and CPU pressure before the run (a figure taken on a
busy machine says so), then load.py's result; the row keeps p50/p99 push and pull
(every request, errors and timeouts included), the server's CPU per pushed event (and
with PostgreSQL's), the client processes' CPU and loop lag (a starved load generator
shows there), offered and achieved rates, errors and whether every check passed. With
``--outage S`` each run also takes the whole server down for S seconds and the row
gets the drain (time until every terminal's backlog is through) and the push latency
in the 60 s after the server returned. The JSON (``--out``) holds the rows and the
full results; a Markdown table is printed at the end. Exit status 1 if any run's
checks failed.

The simulated tills are paired straight in the database (``load.py --pair-in-db``:
thousands of pairings over HTTP take minutes of argon2 and are not what is measured);
the full tills pair over HTTP. A quiet machine is wanted: it waits (up to ``--quiet-wait`` seconds) for the 1-minute
load average to fall under ``--quiet-below`` before each run, and records what it was.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def cpu_pressure() -> str:
    try:
        return Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except OSError:
        return "n/a"


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def wait_for_quiet(below: float, patience: float) -> float:
    deadline = time.monotonic() + patience
    while loadavg() >= below and time.monotonic() < deadline:
        time.sleep(5)
    return loadavg()


def row(terminals: int, result: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    server = result.get("server", {})
    found = {
        "terminals": terminals,
        "push_p50_ms": result["push"].get("p50_ms"),
        "push_p99_ms": result["push"].get("p99_ms"),
        "pull_p50_ms": result["pull"].get("p50_ms"),
        "pull_p99_ms": result["pull"].get("p99_ms"),
        "ack_p99_ms": result.get("ack", {}).get("p99_ms"),
        "server_cpu_ms_per_event": server.get("server_cpu_ms_per_event"),
        "with_postgres_ms_per_event": server.get("server_and_postgres_cpu_ms_per_event"),
        "server_cpu_cores": server.get("server_cpu_cores"),
        "client_cpu_cores": server.get("client_cpu_cores"),
        "client_lag_p99_ms": server.get("client_loop_lag_p99_ms"),
        "offered_ops_per_s": result.get("offered_ops_per_s"),
        "events_per_s": result.get("events_per_s"),
        "errors": sum(result.get("errors", {}).values()),
        "checks_ok": result.get("checks", {}).get("ok"),
        "loadavg_before": before["loadavg"],
        "loadavg_during": server.get("loadavg_1m_mean"),
    }
    if result.get("outage"):
        outage = result["outage"]
        found["drain_s"] = outage.get("drain_s")
        found["not_drained"] = outage.get("not_drained_in_run")
        after = outage.get("push_in_first_60s_after", {})
        found["push_p99_after_outage_ms"] = after.get("p99_ms")
    return found


def markdown(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(str(r.get(k)) for k in keys) + " |" for r in rows]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terminals", default="250,500,1000,2000")
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--outage", type=float, default=0.0)
    parser.add_argument("--outage-at", type=float, default=10.0)
    parser.add_argument("--quiet-below", type=float, default=1.5)
    parser.add_argument("--quiet-wait", type=float, default=300.0)
    parser.add_argument("--out", type=Path, default=BENCH / "out" / "scaling.json")
    args, extra = parser.parse_known_args()
    extra = [a for a in extra if a != "--"]
    sizes = [int(n) for n in args.terminals.split(",") if n]
    seconds = args.seconds
    if args.outage:  # load.py wants 30 s after the outage for the drain
        seconds = max(seconds, args.outage_at + args.outage + 60)
    report: dict[str, Any] = {
        "cpu": cpu_model(),
        "db": args.db,
        "seconds": seconds,
        "outage_s": args.outage,
        "extra": extra,
        "rows": [],
        "results": {},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    failed = False
    for terminals in sizes:
        before = {"loadavg": wait_for_quiet(args.quiet_below, args.quiet_wait)}
        before["cpu_pressure"] = cpu_pressure()
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
            target = Path(out.name)
        command = [sys.executable, str(BENCH / "load.py"), "--terminals", str(terminals)]
        command += ["--db", args.db, "--seconds", str(seconds), "--json", str(target)]
        command += ["--pair-in-db"]  # the simulated tills; the full ones pair over HTTP
        if args.outage:
            command += ["--outage", str(args.outage), "--outage-at", str(args.outage_at)]
        command += extra
        print(f"scaling: {terminals} terminals (load average {before['loadavg']})", flush=True)
        done = subprocess.run(command, stdout=subprocess.DEVNULL, check=False)
        if not target.exists() or not target.read_text():
            report["rows"].append({"terminals": terminals, "error": f"exit {done.returncode}"})
            failed = True
        else:
            result = json.loads(target.read_text())
            report["results"][str(terminals)] = result | {"before": before}
            report["rows"].append(row(terminals, result, before))
            failed |= done.returncode != 0
        target.unlink(missing_ok=True)
        args.out.write_text(json.dumps(report, indent=2))
    print(markdown(report["rows"]))
    print(f"written: {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
