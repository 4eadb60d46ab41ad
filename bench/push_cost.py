"""What one push costs in the push service, in process: CPU and statements per push.

    .venv/bin/python bench/push_cost.py [--db sqlite|postgres] [--sizes 1,10,100]
                                        [--pushes 300] [--code DIR] [--profile DIR]

No HTTP: the work ``routes.push_answer`` does for a body (parse and validate it, apply
it through ``PushService.push``, encode the answer) called directly, so the figure is
the push service's own and does not move with the load of the machine as wall time
does. One paired terminal of store S001 (1,000 seeded members) pushes ``--pushes``
batches of each size: ``points.earned`` events (with the points the program gives),
every tenth a manager's ``points.adjusted``, for members in turn. Reported per size: CPU
(``time.process_time``, this process only: PostgreSQL's own CPU is not in it) per push
and per event; statements per push through SQLAlchemy (its ``before_cursor_execute``
hook) and as the driver sees them (SQLite's trace callback: each row of an executemany
counts; psycopg's ``Cursor.execute`` calls, BEGIN and COMMIT not among them).

``--code DIR`` imports the server from another checkout (e.g. the code before a
change, a ``git worktree``) with this venv: both measured on the same machine, side by
side. ``--profile DIR`` writes a cProfile of each size there (``push_<n>.txt``).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def _code_path() -> None:
    """``--code DIR`` must be on sys.path before anything of the server is imported."""
    if "--code" in sys.argv:
        sys.path.insert(0, str(Path(sys.argv[sys.argv.index("--code") + 1]).resolve()))
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.path.insert(1, str(Path(__file__).resolve().parent))


_code_path()

from load_setup import Backend  # noqa: E402
from sqlalchemy import event, text  # noqa: E402

from shared.domain.program import DEFAULT_PROGRAM  # noqa: E402
from sync_server.api.routes import _parse_push  # noqa: E402
from sync_server.app import build_services  # noqa: E402


class Till:
    def __init__(self, terminal_id: str, manager_id: str, members: list[str]) -> None:
        self.id, self.manager_id, self.members = terminal_id, manager_id, members
        self.seq = 0

    def body(self, n: int) -> bytes:
        batch = []
        for _ in range(n):
            self.seq += 1
            member = self.members[self.seq % len(self.members)]
            common = {
                "event_id": str(uuid.uuid4()),
                "terminal_id": self.id,
                "seq": self.seq,
                "occurred_at": datetime.now(UTC).isoformat(),
                "member_id": member,
            }
            if self.seq % 10:
                amount = 1000 + self.seq % 500
                batch.append(
                    common
                    | {
                        "type": "points.earned",
                        "data": {
                            "sale_ref": f"S-{self.seq}",
                            "amount_cents": amount,
                            "currency": "CNY",
                            "points": DEFAULT_PROGRAM.points_for_sale(amount, 0),
                            "rule_version": DEFAULT_PROGRAM.rule_version,
                        },
                    }
                )
            else:
                batch.append(
                    common
                    | {
                        "type": "points.adjusted",
                        "staff_id": self.manager_id,
                        "data": {"points": 1, "reason": "push cost"},
                    }
                )
        return json.dumps({"events": batch}).encode()


def _bump(counts: list[int]) -> None:
    counts[1] += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--sizes", default="1,10,100")
    parser.add_argument("--pushes", type=int, default=300)
    parser.add_argument("--code", help="import the server from this checkout")
    parser.add_argument("--profile", type=Path, help="cProfile each size; files here")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="push-cost-") as tmp:
        backend = Backend(args.db, Path(tmp))
        try:
            backend.seed(1000, 0)
            with backend.database.read() as session:
                members = [str(r[0]) for r in session.execute(text("SELECT id FROM members"))]
            (paired,) = backend.paired_in_database(["S001"])
            services = build_services(backend.settings, database=backend.database)
            till = Till(paired["terminal_id"], backend.manager_id, members)
            statements = [0, 0]
            engine = backend.database.write_engine

            @event.listens_for(engine, "before_cursor_execute")
            def _count(*_: Any) -> None:
                statements[0] += 1

            if not backend.database.is_sqlite:  # what reaches psycopg, by any path
                import psycopg

                plain = psycopg.Cursor.execute

                def counted(self: Any, *a: Any, **k: Any) -> Any:
                    statements[1] += 1
                    return plain(self, *a, **k)

                psycopg.Cursor.execute = counted  # type: ignore[method-assign]
            else:  # what reaches SQLite, by any path (one per row of an executemany)
                engine.dispose()

                @event.listens_for(engine, "connect")
                def _trace(dbapi_connection: Any, _record: Any) -> None:
                    dbapi_connection.set_trace_callback(lambda _sql: _bump(statements))

            def push(raw: bytes) -> bytes:
                body = _parse_push(raw)
                answer = services.push.push(till.id, body.events)
                content = answer.model_dump_json(exclude_none=True)
                return content.encode()

            for n in sizes:
                pushes = max(20, args.pushes * 10 // max(n, 10))
                for _ in range(10):  # warm: caches, prepared statements
                    push(till.body(n))
                bodies = [till.body(n) for _ in range(pushes)]
                profiler = cProfile.Profile(time.process_time) if args.profile else None
                statements[0] = statements[1] = 0
                started = time.process_time()
                if profiler:
                    profiler.enable()
                for raw in bodies:
                    answer = json.loads(push(raw))
                    if any(r["status"] != "accepted" for r in answer["results"]):
                        raise RuntimeError(f"not accepted: {answer['results'][:2]}")
                if profiler:
                    profiler.disable()
                used = time.process_time() - started
                rows.append(
                    {
                        "events_per_push": n,
                        "pushes": pushes,
                        "cpu_ms_per_push": round(used * 1000 / pushes, 3),
                        "cpu_ms_per_event": round(used * 1000 / pushes / n, 4),
                        "statements_per_push": round(statements[0] / pushes, 2),
                        "driver_statements_per_push": round(statements[1] / pushes, 2),
                    }
                )
                if profiler and args.profile:
                    args.profile.mkdir(parents=True, exist_ok=True)
                    profiler.dump_stats(args.profile / f"push_{n}.prof")
                    with open(args.profile / f"push_{n}.txt", "w") as out:
                        stats = pstats.Stats(profiler, stream=out)
                        stats.sort_stats("tottime").print_stats(50)
                        stats.sort_stats("cumulative").print_stats(80)
        finally:
            backend.close()
    print(json.dumps({"db": args.db, "code": args.code or "this checkout", "sizes": rows}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
