"""What a pull page costs the server per change, in process: from the database and from
the change log's tail held in memory (sync_server/services/change_tail.py).

    .venv/bin/python bench/pull_cost.py [--db sqlite|postgres] [--members 5000]
                                        [--limits 200,2000] [--code DIR]

Every till pulls every chain-wide change, so at 2,000 tills the pull's cost per change
delivered is what the server's CPU is spent on (docs/PERFORMANCE.md). Seeds
``--members`` members (each a change), then asks ``PullService.changes_json`` for the
page after cursors near the start, as a till of store S001 does: once with the tail off
(the database path: one statement, the page's JSON built from its rows) and once with
the tail holding the log. Reported: CPU (``time.process_time``, this process only)
per page and per change, the load average beside it. ``--code DIR`` measures another
checkout (without a tail there, only the database path).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path


def _code_path() -> None:
    if "--code" in sys.argv:
        sys.path.insert(0, str(Path(sys.argv[sys.argv.index("--code") + 1]).resolve()))
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.path.insert(1, str(Path(__file__).resolve().parent))


_code_path()

from load_setup import Backend  # noqa: E402

from sync_server.services.pull import PullService, encode_cursor  # noqa: E402


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def measure(pull: PullService, limit: int, pages: int) -> float:
    """CPU seconds per page for pages after cursors 1..3 (the first few versions)."""
    for i in range(3):
        pull.changes_json(encode_cursor(1 + i), limit, "S001")
    started = time.process_time()
    for i in range(pages):
        pull.changes_json(encode_cursor(1 + i % 3), limit, "S001")
        pull._kept.clear()  # the herd's page cache is not what is measured
    return (time.process_time() - started) / pages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--limits", default="200,2000")
    parser.add_argument("--code", help="import the server from this checkout")
    args = parser.parse_args()
    from sync_server.app import build_services

    rows = []
    services = None
    with tempfile.TemporaryDirectory(prefix="pull-cost-") as tmp:
        backend = Backend(args.db, Path(tmp))
        try:
            backend.seed(args.members, 0)
            services = build_services(backend.settings, database=backend.database)
            pull = services.pull
            feed = services.feed
            feed.start()  # PostgreSQL: LISTEN, and the counter read (on its thread)
            waited = time.monotonic() + 30
            while feed.latest() is None and time.monotonic() < waited:
                pull.changes_json(None, 1, "S001")  # SQLite: a read makes the feed sure
                time.sleep(0.05)
            plain = PullService(backend.database, max_limit=pull.max_limit, feed=feed)
            tail = getattr(pull, "tail", None)
            if tail is not None:
                pull.changes_json(encode_cursor(1), 1, "S001")  # a read: the feed is sure
                tail.max_catch_up = tail.max_entries  # the seeded log in one catch-up
                tail._start(0)  # hold the whole log, as if the server had run since its start
                if tail.page(1, 1, "S001", feed.latest()) is None:
                    raise RuntimeError("the tail does not answer (the feed is unsure)")
            for limit in [int(n) for n in args.limits.split(",") if n]:
                pages = max(10, 20_000 // limit)
                row = {"limit": limit, "pages": pages, "loadavg_1m": loadavg()}
                per_page = measure(plain, limit, pages)
                row["database_ms_per_page"] = round(per_page * 1000, 3)
                row["database_us_per_change"] = round(per_page * 1e6 / limit, 2)
                if tail is not None:
                    per_page = measure(pull, limit, pages)
                    row["tail_ms_per_page"] = round(per_page * 1000, 3)
                    row["tail_us_per_change"] = round(per_page * 1e6 / limit, 2)
                    if pull.changes_json(encode_cursor(1), limit, "S001") != plain.changes_json(
                        encode_cursor(1), limit, "S001"
                    ):
                        raise RuntimeError("the tail's page differs from the database's")
                rows.append(row)
        finally:
            if services is not None:
                services.feed.stop()
            backend.close()
    print(json.dumps({"db": args.db, "code": args.code or "this checkout", "pages": rows}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
