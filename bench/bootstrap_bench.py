"""A new terminal bootstraps its replica from the server: pull AND apply, end to end.

    .venv/bin/python bench/bootstrap_bench.py [--members 1000000] [--db URL]
        [--workdir DIR] [--profile FILE]

--workdir keeps the seeded server database there and reuses it on the next run (seeding a
million members takes minutes); --profile writes cProfile statistics of the sync cycle.

The server (a real `sync-server serve` process, SQLite unless --db) holds N seeded
members. A fresh terminal pairs, then runs one real sync cycle (`SyncService.sync_once`:
pull every page through httpx and apply it to its SQLite replica in one transaction per
page, cursor included). Prints the wall time, members/s and the replica's size, then
checks the replica against the server (member and coupon counts, every index, a random
sample of members field by field); exit status 1 if it is wrong.
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import keyring
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sync_server.api.hot import GZIP_LEVEL  # noqa: E402
from sync_server.config import Settings  # noqa: E402
from sync_server.db import Database  # noqa: E402
from sync_server.migrate import migrate  # noqa: E402
from sync_server.services.pull import PullService  # noqa: E402
from sync_server.services.seed import SAME_SIZE_STAND_IN, SeedService  # noqa: E402
from terminal.config import TerminalSettings  # noqa: E402
from terminal.offline.credentials import ProcessKeyring  # noqa: E402
from terminal.offline.db import Replica  # noqa: E402
from terminal.offline.repositories import name_key  # noqa: E402
from terminal.offline.sync_engine import BULK_COMMIT_CHANGES  # noqa: E402
from terminal.services.sync import SyncService  # noqa: E402
from tests.sync_server.helpers import new_terminal  # noqa: E402
from tests.sync_server.live import ServerProcess  # noqa: E402

# The same member, field by field: the server's columns as a terminal pulls them
# (``sync_server.services.common.member_fields``: the slow phone hash only, no masked
# number) and the replica's, in one order.
_SERVER_MEMBERS = (
    "SELECT id, member_code, name, phone_last4, phone_slow_hash, tier, balance, "
    "lifetime_points, status, version FROM members ORDER BY random() LIMIT :n"
)
_REPLICA_MEMBER = (
    "SELECT member_id, member_code, display_name, phone_last4, phone_hash, "
    "tier, balance, lifetime_points, status, version, name_key FROM members "
    "WHERE member_id = ?"
)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its child processes so far (Linux /proc)."""
    pids = [pid]
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        pids += [int(child) for child in children.read_text().split()]
    total = 0
    for one in pids:
        fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _indexes(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN "
            "('members', 'coupons') AND name NOT LIKE 'sqlite_autoindex_%'"
        ).fetchall()
    return {str(r[0]) for r in rows}


def verify_replica(path: Path, database: Database, work: Path, sample: int = 2_000) -> list[str]:
    """What the bootstrap built, against the server: the counts of members and coupons,
    every index a freshly migrated replica has (none left deferred), and a random sample
    of members field by field. Returns the problems (empty: the replica is right)."""
    problems: list[str] = []
    fresh = work / "fresh-replica.sqlite3"
    fresh.unlink(missing_ok=True)
    Replica(fresh).close()  # the indexes the migrations make
    missing = _indexes(fresh) - _indexes(path)
    if missing:
        problems.append(f"indexes missing from the replica: {sorted(missing)}")
    with database.read() as session:
        members = session.execute(text("SELECT count(*) FROM members")).scalar_one()
        coupons = session.execute(text("SELECT count(*) FROM coupons")).scalar_one()
        picked = session.execute(text(_SERVER_MEMBERS), {"n": sample}).all()
    with sqlite3.connect(path) as conn:
        held = conn.execute("SELECT count(*) FROM members").fetchone()[0]
        held_coupons = conn.execute("SELECT count(*) FROM coupons").fetchone()[0]
        deferred = conn.execute("SELECT count(*) FROM deferred_indexes").fetchone()[0]
        for row in picked:
            found = conn.execute(_REPLICA_MEMBER, (str(row[0]),)).fetchone()
            expected = (str(row[0]), *row[1:])
            if found is None or (*found[:-1],) != expected or found[-1] != name_key(row[2]):
                problems.append(f"member {row[0]}: server {expected}, replica {found}")
    if held != members or held_coupons != coupons:
        problems.append(
            f"replica holds {held} members and {held_coupons} coupons; "
            f"server {members} and {coupons}"
        )
    if deferred:
        problems.append(f"{deferred} indexes still deferred")
    return problems[:20]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--db", default=None, help="server database URL (default: SQLite)")
    parser.add_argument("--workdir", type=Path, help="keep and reuse the seeded server here")
    parser.add_argument("--profile", type=Path, help="write cProfile stats of the sync cycle")
    parser.add_argument(
        "--bulk-commit",
        type=int,
        default=BULK_COMMIT_CHANGES,
        help="changes per transaction of the bulk load (1: one page each, as before)",
    )
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
                sync = SyncService(replica, till, bulk_commit_changes=args.bulk_commit)
                sync.pair(server.url, code, device_name="bench")
                # the time this thread spends (the page downloads run on another one)
                profiler = cProfile.Profile(time.thread_time) if args.profile else None
                assert server.process is not None
                server_cpu = _cpu_seconds(server.process.pid)
                load_start = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
                started, cpu = time.perf_counter(), time.process_time()
                if profiler:
                    profiler.enable()
                report = sync.sync_once()
                seconds = time.perf_counter() - started
                cpu = time.process_time() - cpu
                server_cpu = _cpu_seconds(server.process.pid) - server_cpu
                if profiler:
                    profiler.disable()
                    profiler.dump_stats(args.profile)
                size = till.replica_path.stat().st_size / 2**20
            problems = verify_replica(till.replica_path, database, work)
            # What one full page weighs on the wire, plain and as the server sends it
            # to a till (gzip, sync_server.api.hot), and the server CPU to compress it.
            page = PullService(database, max_limit=5000).changes_json(None, 5000, "S001")
            plain = page.encode()
            packing = time.process_time()
            packed = gzip.compress(plain, GZIP_LEVEL, mtime=0)
            packing = time.process_time() - packing
        finally:
            server.stop()
            database.dispose()
    print(
        f"bootstrap: {report.pulled:,} changes pulled and applied in {seconds:.1f} s "
        f"({report.pulled / seconds:,.0f}/s); replica {size:,.0f} MiB; CPU: the till "
        f"{cpu:.1f} s, the server {server_cpu:.1f} s; load average at the end "
        f"{'{:.2f} {:.2f} {:.2f}'.format(*os.getloadavg())} (at the start {load_start})"
    )
    print(
        f"a full page (5,000 changes): {len(plain):,} bytes of JSON, {len(packed):,} "
        f"gzipped ({len(packed) / len(plain):.0%}, {packing * 1000:.1f} ms of CPU); "
        f"the whole pull: ~{len(plain) * report.pulled / 5000 / 2**20:,.0f} MiB plain, "
        f"~{len(packed) * report.pulled / 5000 / 2**20:,.0f} MiB on the wire"
    )
    for problem in problems:
        print(f"REPLICA WRONG: {problem}")
    print("replica checked: " + ("WRONG" if problems else "counts, indexes and sample match"))
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
