"""UI benchmark: scan-to-member-shown on a 1,000,000-member replica, and start to ready.

    QT_QPA_PLATFORM=offscreen python bench/ui_bench.py [--members N] [--samples K]

Reuses ``bench/replica_bench.py`` to build (or reuse) the big replica. Scans are real
keystroke bursts sent to the focused amount field of the real window; a scan counts as
done when the member panel shows the scanned member. Start to ready is measured from
launching a fresh Python process until its window shows the sign-in screen with the
store loaded and the first status read back. Targets: p99 scan <= 100 ms, start <= 2 s.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SCAN_TARGET_MS = 100.0
START_TARGET_S = 2.0


def _settings(path: Path):  # type: ignore[no-untyped-def]
    from terminal.config import Argon2Params, TerminalSettings

    return TerminalSettings(
        data_dir=path.parent,
        replica_file=path.name,
        keyring_service="pos-bench",
        argon2=Argon2Params(time_cost=1, memory_cost_kib=8, parallelism=1),
    )


def _open(path: Path):  # type: ignore[no-untyped-def]
    import keyring
    import replica_bench

    from terminal.app import make_backend
    from terminal.offline.db import Replica
    from terminal.services import build_services

    keyring.set_keyring(replica_bench._BenchKeyring())
    settings = _settings(path)
    replica = Replica(settings.replica_path)
    return settings, replica, build_services, make_backend, replica_bench


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def wait_until(condition, timeout_s: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QCoreApplication, QEventLoop

    deadline = time.perf_counter() + timeout_s
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the member never showed")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 5)


def bench_scans(path: Path, members: int, samples: int) -> dict[str, list[float]]:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from terminal.app import build_window, make_application

    settings, replica, build_services, make_backend, replica_bench = _open(path)
    replica_bench.build(replica, settings, members)
    services = build_services(replica, settings)
    make_application([])
    window = build_window(make_backend(settings, replica, services), language="en")
    window.resize(1280, 800)
    window.show()
    window.session.sign_in(services.staff.sign_in("C01", "1234"))
    checkout = window.checkout
    raw = sqlite3.connect(path)
    total = raw.execute("SELECT max(rowid) FROM members").fetchone()[0]
    rng = random.Random(7)
    codes = [
        raw.execute(
            "SELECT member_code FROM members WHERE rowid = ?", (rng.randrange(1, total),)
        ).fetchone()[0]
        for _ in range(samples + 20)
    ]
    raw.close()
    first_key: list[float] = []
    after_enter: list[float] = []
    for index, code in enumerate(codes):
        checkout.sale.amount.setFocus()
        payload = f"MBR:{code}"
        start = time.perf_counter()
        QTest.keyClicks(checkout.sale.amount, payload)
        entered = time.perf_counter()
        QTest.keyClick(checkout.sale.amount, Qt.Key.Key_Return)
        wait_until(
            lambda c=code: (
                checkout.panel.member is not None and checkout.panel.member.member_code == c
            )
        )
        done = time.perf_counter()
        assert checkout.sale.amount.text() == "", "a scan leaked into the amount field"
        if index >= 20:  # warm-up
            first_key.append((done - start) * 1000)
            after_enter.append((done - entered) * 1000)
    window.close()
    window.session.runner.wait_for_done(5000)
    replica.close()
    return {"first key -> member shown": first_key, "Enter -> member shown": after_enter}


def child_start(path: str) -> None:
    """Run in a fresh process: build the real window and print when it is ready."""
    from PySide6.QtCore import QTimer

    from terminal.app import build_window, make_application

    settings, replica, build_services, make_backend, _bench = _open(Path(path))
    app = make_application([])
    window = build_window(make_backend(settings, replica, build_services(replica, settings)))
    window.resize(1280, 800)
    window.show()

    def ready() -> bool:
        return window.status.status is not None and window.current() is window.sign_in

    def check() -> None:
        if ready():
            print("READY", flush=True)
            app.quit()
        else:
            QTimer.singleShot(5, check)

    QTimer.singleShot(0, check)
    app.exec()
    replica.close()


def bench_start(path: Path, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run(
            [sys.executable, __file__, "--child-start", str(path)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        )
        assert "READY" in out.stdout, out.stderr
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--path", type=Path, default=ROOT / "bench/out/ui_bench.sqlite3")
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--start-runs", type=int, default=5)
    parser.add_argument("--child-start", metavar="PATH", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_start:
        child_start(args.child_start)
        return
    args.path.parent.mkdir(parents=True, exist_ok=True)
    scans = bench_scans(args.path, args.members, args.samples)
    count = sqlite3.connect(args.path).execute("SELECT count(*) FROM members").fetchone()[0]
    print(
        f"replica: {count:,} members, {args.samples} scans (QR payload bursts into the amount field)"
    )
    for name, values in scans.items():
        p99 = pct(values, 99)
        verdict = "OK" if p99 <= SCAN_TARGET_MS else "OVER TARGET"
        print(
            f"  {name:28s} p50 {statistics.median(values):6.1f} ms   p99 {p99:6.1f} ms   "
            f"max {max(values):6.1f} ms   target p99 <= {SCAN_TARGET_MS:.0f} ms: {verdict}"
        )
    starts = bench_start(args.path, args.start_runs)
    worst = max(starts)
    verdict = "OK" if worst <= START_TARGET_S else "OVER TARGET"
    print(
        f"  {'app start -> ready':28s} median {statistics.median(starts):5.2f} s   "
        f"max {worst:5.2f} s   ({args.start_runs} fresh processes)   "
        f"target <= {START_TARGET_S:.0f} s: {verdict}"
    )


if __name__ == "__main__":
    main()
