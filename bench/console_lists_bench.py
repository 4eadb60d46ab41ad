"""The console's lists at scale: each list query on a database of N members (default
1,000,000) and 2 events per member, on SQLite and PostgreSQL, beside the OFFSET
pagination it replaces (the raw baseline, measured in the same run).

    .venv/bin/python bench/console_lists_bench.py [--members N] [--backends sqlite,postgres]

Prints, per query: its plan (EXPLAIN QUERY PLAN / EXPLAIN), the median time of 5 runs
(PostgreSQL: the server's own "Execution Time" from EXPLAIN ANALYZE; SQLite: this
process's CPU time, which the other developers' load does not distort), and the load
average. PostgreSQL: TEST_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test),
in a schema of its own that is dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sync_server.db import Database  # noqa: E402
from sync_server.migrate import migrate  # noqa: E402
from sync_server.models import Member  # noqa: E402
from sync_server.repositories import console_lists as lists  # noqa: E402
from sync_server.repositories import keyset  # noqa: E402
from sync_server.repositories.console_lists import MemberFilter  # noqa: E402

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
RUNS = 5

# Members: code 9 + 11 digits, a name of a surname and a number, a tier by modulo, a store
# of 20, enrolled over 3 years; events: 2 per member within the last 2 years.
_PG_SEED = """
INSERT INTO stores (code, name, currency, timezone, phone_region, language, closing_time,
                    created_at, active)
SELECT 'S' || lpad(i::text, 3, '0'), 'Store ' || i, 'CNY', 'Asia/Shanghai', 'CN', 'zh_CN',
       '23:00', now(), true FROM generate_series(1, 20) AS i;
INSERT INTO members (id, member_code, name, phone_e164, phone_hash, phone_last4, phone_masked,
                     phone_slow_hash, consent_marketing, balance, lifetime_points, tier,
                     status, version, store_code, enrolled_at, updated_at)
SELECT md5(i::text)::uuid::text, '9' || lpad(i::text, 11, '0'),
       (ARRAY['王','李','张','刘','陈','杨','赵','黄'])[1 + i % 8] || 'M' || (i % 9973),
       '+86138' || lpad((i % 100000000)::text, 8, '0'), md5('p' || i), lpad((i % 10000)::text, 4, '0'),
       '', '', false, i % 5000, i % 20000,
       (ARRAY['member','silver','gold'])[1 + (i % 7) / 3], 'active', i,
       'S' || lpad((1 + i % 20)::text, 3, '0'),
       timestamp '2023-01-01' + (i % 1000) * interval '1 day' + (i % 86400) * interval '1 second',
       now()
FROM generate_series(1, :n) AS i;
INSERT INTO events (event_id, terminal_id, seq, type, member_id, occurred_at, received_at,
                    content_hash, payload, status, points_delta, lifetime_delta, overdraft)
SELECT md5('e' || i || '-' || k)::uuid::text, 't', i * 2 + k, 'points.earned',
       md5(i::text)::uuid::text,
       timestamp '2024-12-01' + ((i * 7 + k * 311) % 730) * interval '1 day', now(), '', '{}',
       'accepted', 10, 10, false
FROM generate_series(1, :n) AS i, generate_series(0, 1) AS k;
ANALYZE;
"""

_SQLITE_SEED = [
    """INSERT INTO stores (code, name, currency, timezone, phone_region, language, closing_time,
                          created_at, active)
       WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 20)
       SELECT 'S' || printf('%03d', i), 'Store ' || i, 'CNY', 'Asia/Shanghai', 'CN', 'zh_CN',
              '23:00', datetime('now'), 1 FROM s""",
    """INSERT INTO members (id, member_code, name, phone_e164, phone_hash, phone_last4,
                           phone_masked, phone_slow_hash, consent_marketing, balance,
                           lifetime_points, tier, status, version, store_code, enrolled_at,
                           updated_at)
       WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :n)
       SELECT printf('%032d', i), '9' || printf('%011d', i),
              substr('王李张刘陈杨赵黄', 1 + i % 8, 1) || 'M' || (i % 9973),
              '+86138' || printf('%08d', i % 100000000), hex(i), printf('%04d', i % 10000),
              '', '', 0, i % 5000, i % 20000,
              CASE (i % 7) / 3 WHEN 0 THEN 'member' WHEN 1 THEN 'silver' ELSE 'gold' END,
              'active', i, 'S' || printf('%03d', 1 + i % 20),
              datetime('2023-01-01', '+' || (i % 1000) || ' days', '+' || (i % 86400) || ' seconds'),
              datetime('now') FROM s""",
    """INSERT INTO events (event_id, terminal_id, seq, type, member_id, occurred_at, received_at,
                          content_hash, payload, status, points_delta, lifetime_delta, overdraft)
       WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :n),
            k(k) AS (VALUES (0), (1))
       SELECT printf('%032d-%d', i, k), 't', i * 2 + k, 'points.earned', printf('%032d', i),
              datetime('2024-12-01', '+' || ((i * 7 + k * 311) % 730) || ' days'),
              datetime('now'), '', '{}', 'accepted', 10, 10, 0 FROM s, k""",
    "ANALYZE",
]


def _pg_schema(base: str) -> tuple[str, Callable[[], None]]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = make_url(base).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')

    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), drop


def seed(database: Database, members: int) -> float:
    started = time.perf_counter()
    with database.write() as session:
        if database.is_sqlite:
            for statement in _SQLITE_SEED:
                session.execute(text(statement), {"n": members})
        else:
            for statement in _PG_SEED.split(";\n"):
                if statement.strip():
                    session.execute(text(statement), {"n": members})
    return time.perf_counter() - started


def _compiled(database: Database, statement: Any) -> str:
    dialect = database.write_engine.dialect
    return str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def _measure(database: Database, statement: Any) -> tuple[float, list[str], int]:
    """(median ms, plan lines, rows) of one statement."""
    sql = _compiled(database, statement)
    times: list[float] = []
    rows = 0
    with database.read() as session:
        if database.is_sqlite:
            plan = [str(r[-1]) for r in session.execute(text("EXPLAIN QUERY PLAN " + sql))]
            for _ in range(RUNS):
                cpu = time.process_time()
                rows = len(session.execute(text(sql)).all())
                times.append((time.process_time() - cpu) * 1000)
        else:
            plan = []
            for _ in range(RUNS):
                lines = [str(r[0]) for r in session.execute(text("EXPLAIN ANALYZE " + sql))]
                plan = lines
                ms = next(float(x.split(":")[1].split()[0]) for x in lines if "Execution Time" in x)
                times.append(ms)
            rows = len(session.execute(text(sql)).all())
    return statistics.median(times), plan, rows


def _middle_cursor(database: Database, order: keyset.Order, query: Any, key: str) -> str:
    """The key of the row half-way down the list (a deep page)."""
    with database.read() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        row = session.execute(
            keyset.after(query, order, None, False).offset(total // 2).limit(1)
        ).one()
    return keyset.encode([getattr(row, k) for k in key.split(",")])


def queries(database: Database) -> dict[str, Any]:
    size = keyset.PAGE_SIZE + 1
    everyone = lists.members(MemberFilter())
    by_code, by_name, by_enrolled = (
        lists.MEMBER_SORTS["code"],
        lists.MEMBER_SORTS["name"],
        lists.MEMBER_SORTS["enrolled"],
    )
    deep_code = _middle_cursor(database, by_code, everyone, "member_code")
    deep_name = _middle_cursor(database, by_name, everyone, "name,member_code")
    deep_enrolled = _middle_cursor(database, by_enrolled, everyone, "enrolled_at,member_code")
    with database.read() as session:
        member_id = session.scalar(select(Member.id).where(Member.member_code == "900000500000"))
    cutoff = datetime.now(UTC) - timedelta(days=90)
    churn, churn_order = lists.churn(cutoff, "code")
    absent, absent_order = lists.churn(cutoff, "absent")
    return {
        "members, by code, page 1": keyset.after(everyone, by_code, None, False).limit(size),
        "members, by code, half-way (keyset)": keyset.after(everyone, by_code, deep_code, False).limit(size),
        "BASELINE members, by code, half-way (OFFSET)": keyset.after(everyone, by_code, None, False).offset(500_000).limit(size),
        "members, by name desc, half-way": keyset.after(everyone, by_name, deep_name, True).limit(size),
        "members, by enrolment, half-way": keyset.after(everyone, by_enrolled, deep_enrolled, False).limit(size),
        "members, tier gold, by name": keyset.after(lists.members(MemberFilter(tier="gold")), by_name, None, False).limit(size),
        "members, store S007, by code": keyset.after(lists.members(MemberFilter(store="S007")), by_code, None, False).limit(size),
        "members, search last 4 '4321'": keyset.after(lists.members(MemberFilter(q="4321")), by_code, None, False).limit(size),
        "members, search name '王M12' (common)": keyset.after(lists.members(MemberFilter(q="王M12")), by_code, None, False).limit(size),
        "members, search name 'nobody' (no match)": keyset.after(lists.members(MemberFilter(q="nobody")), by_code, None, False).limit(size),
        "member history, page 1": keyset.after(lists.history(str(member_id)), lists.HISTORY_ORDER, None, True).limit(size),
        "churn (90 days), by code, page 1": keyset.after(churn, churn_order, None, False).limit(size),
        "churn (90 days), longest absent first, page 1": keyset.after(absent, absent_order, None, False).limit(size),
    }  # fmt: skip


def run(backend: str, members: int) -> None:
    drop: Callable[[], None] | None = None
    if backend == "sqlite":
        folder = tempfile.mkdtemp(prefix="console-bench-")
        url = f"sqlite:///{folder}/bench.db"
        drop = lambda: shutil.rmtree(folder, ignore_errors=True)  # noqa: E731
    else:
        url, drop = _pg_schema(os.environ.get("TEST_POSTGRES_URL", PG_DEFAULT))
    database = Database(url, pool_size=2)
    try:
        migrate(database)
        took = seed(database, members)
        print(
            f"\n== {backend}: {members:,} members, {2 * members:,} events (seeded in {took:.0f} s)"
        )
        for name, statement in queries(database).items():
            ms, plan, rows = _measure(database, statement)
            unit = "ms CPU" if backend == "sqlite" else "ms server"
            print(f"{ms:9.2f} {unit}  {rows:3d} rows  {name}")
            for line in plan:
                if backend == "sqlite" or "Execution" in line or "Scan" in line or "Sort" in line:
                    print(f"{'':22}{line.strip()[:110]}")
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        database.dispose()
        if drop is not None:
            drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for backend in args.backends.split(","):
        run(backend.strip(), args.members)


if __name__ == "__main__":
    main()
