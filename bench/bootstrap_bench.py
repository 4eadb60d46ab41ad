"""A new terminal bootstraps its replica from the server: pull AND apply, end to end.

    .venv/bin/python bench/bootstrap_bench.py [--members 1000000] [--db URL]
        [--workdir DIR] [--profile FILE]

--workdir keeps the seeded server database there and reuses it on the next run (seeding a
million members takes minutes); --profile writes cProfile statistics of the sync cycle.

The server (a real `sync-server serve` process, SQLite unless --db) holds N seeded
members. A fresh terminal pairs, then runs one real sync cycle (`SyncService.sync_once`:
pull every page through httpx and apply it to its SQLite replica in one transaction per
page, cursor included). Prints the wall time, members/s and the replica's size.
"""

from __future__ import annotations

import argparse
import cProfile
import shutil
import sys
import tempfile
import time
from pathlib import Path

import keyring

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sync_server.config import Settings  # noqa: E402
from sync_server.db import Database  # noqa: E402
from sync_server.migrate import migrate  # noqa: E402
from sync_server.services.seed import SAME_SIZE_STAND_IN, SeedService  # noqa: E402
from terminal.config import TerminalSettings  # noqa: E402
from terminal.offline.credentials import ProcessKeyring  # noqa: E402
from terminal.offline.db import Replica  # noqa: E402
from terminal.services.sync import SyncService  # noqa: E402
from tests.sync_server.helpers import new_terminal  # noqa: E402
from tests.sync_server.live import ServerProcess  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--db", default=None, help="server database URL (default: SQLite)")
    parser.add_argument("--workdir", type=Path, help="keep and reuse the seeded server here")
    parser.add_argument("--profile", type=Path, help="write cProfile stats of the sync cycle")
    args = parser.parse_args()
    keyring.set_keyring(ProcessKeyring())
    with tempfile.TemporaryDirectory(prefix="bootstrap-") as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        marker = work / f"seeded-{args.members}"
        url = args.db or f"sqlite:///{work / 'sync.db'}"
        database = Database(url, pool_size=2)
        if not marker.exists():
            migrate(database)
            started = time.perf_counter()
            SeedService(database).seed(
                args.members,
                store_code="S001",
                opening_events=False,
                phone_lookup=SAME_SIZE_STAND_IN,
            )
            print(f"seeded {args.members:,} members in {time.perf_counter() - started:.1f} s")
            marker.touch()
        shutil.rmtree(work / "till", ignore_errors=True)
        settings = Settings(database_url=url, data_dir=work, maintenance_interval_seconds=0)
        _, code = new_terminal(database, settings)
        server = ServerProcess(url, work)
        server.start()
        try:
            till = TerminalSettings(data_dir=work / "till", keyring_service="bootstrap-bench")
            with Replica(till.replica_path) as replica:
                sync = SyncService(replica, till)
                sync.pair(server.url, code, device_name="bench")
                profiler = cProfile.Profile() if args.profile else None
                started = time.perf_counter()
                if profiler:
                    profiler.enable()
                report = sync.sync_once()
                seconds = time.perf_counter() - started
                if profiler:
                    profiler.disable()
                    profiler.dump_stats(args.profile)
                size = till.replica_path.stat().st_size / 2**20
        finally:
            server.stop()
            database.dispose()
    print(
        f"bootstrap: {report.pulled:,} changes pulled and applied in {seconds:.1f} s "
        f"({report.pulled / seconds:,.0f}/s); replica {size:,.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
