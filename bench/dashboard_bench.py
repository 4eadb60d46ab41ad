"""The dashboard at scale: every dashboard view (chain or store; 30, 90 and 365 days,
each beside the range before it) on PostgreSQL holding N members and E ledger events,
beside the raw query a dashboard without roll-ups would run on the ledger.

    .venv/bin/python bench/dashboard_bench.py [--members 1000000] [--events 20000000]
        [--stores 100] [--runs 20] [--keep]

The data set (SQL, in a schema of its own, dropped afterwards unless --keep): S stores
with 3 terminals each; N members enrolled over 3 years in the tiers of the default
program; E events over the last 2 years at the tills of the members' stores (75 % sales,
15 % redemptions, 5 % adjustments, 5 % coupons). The roll-ups are then made from those
events in SQL with the push path's definitions (figures per store, business day,
and tier; daily active members; the 30/90-day active changes from each member's
neighbouring active days), as ``sync-server dashboard rebuild`` would, but set-based:
the rebuild job walks members in Python and would take hours at this size.
``dash_member_days`` (which only the push path reads) is not filled.

Prints the seeding time, the roll-ups' row counts, and per view the p95 and median of
``--runs`` calls of ``DashboardService.view`` (wall clock, this process; every query of
the view), then the raw ledger query (the same chain figures for 30 days: points,
sales, distinct active members) timed 3 times (its maximum stands for its p95).
PostgreSQL: TEST_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test).

``--rollups-only`` fills the roll-ups alone, as full as the target data set could make
them (a row for every store, business day of the last 3 years and tier; an active change
for every store, day and window), with no ledger: the views' time at the target's
roll-up size in seconds of seeding (no raw baseline then).

``--push-cost`` instead measures what the roll-ups add to a push: 150 pushes of 10 events
(5 enrolments, 5 sales) through ``PushService`` on SQLite and PostgreSQL, with and
without the roll-up records, 3 times each: this process's CPU time and the statements
per push (load-independent, unlike wall clock).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sync_server.db import Database  # noqa: E402
from sync_server.migrate import migrate  # noqa: E402
from sync_server.models import (  # noqa: E402
    DashActive,
    DashActiveMonthly,
    DashDaily,
    DashMonthly,
)
from sync_server.services.dashboard import DashboardService, Period  # noqa: E402

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# The stores' business day (Asia/Shanghai, closing 23:00): the local calendar date,
# ``(moment + interval '8 hours')::date`` in the roll-ups' statements below.

_SEED = [
    """INSERT INTO stores (code, name, currency, timezone, phone_region, language,
                          closing_time, created_at, active)
       SELECT 'S' || lpad(s::text, 3, '0'), 'Store ' || s,
              CASE WHEN s % 10 = 0 THEN 'HKD' ELSE 'CNY' END, 'Asia/Shanghai', 'CN',
              'zh_CN', '23:00', now(), true
       FROM generate_series(1, :stores) AS s""",
    """INSERT INTO terminals (id, store_code, name, member_code_prefix, created_at, watermark,
                             max_seq)
       SELECT 'T' || lpad(s::text, 3, '0') || '-' || k, 'S' || lpad(s::text, 3, '0'),
              'Till ' || k, lpad((s * 3 + k)::text, 6, '0'), now(), 0, 0
       FROM generate_series(1, :stores) AS s, generate_series(0, 2) AS k""",
    """INSERT INTO members (id, member_code, name, phone_e164, phone_hash, phone_last4,
                           phone_masked, phone_slow_hash, consent_marketing, balance,
                           lifetime_points, tier, status, version, store_code, enrolled_at,
                           updated_at)
       SELECT md5(i::text)::uuid::text, '9' || lpad(i::text, 11, '0'), 'M' || i,
              '+86138' || lpad((i % 100000000)::text, 8, '0'), md5('p' || i),
              lpad((i % 10000)::text, 4, '0'), '', '', false, 0, 0,
              (ARRAY['member', 'member', 'member', 'silver', 'silver', 'gold', 'gold'])[1 + i % 7],
              'active', i, 'S' || lpad((1 + i % :stores)::text, 3, '0'),
              now() - ((i * 37) % 1095) * interval '1 day' - (i % 86400) * interval '1 second',
              now()
       FROM generate_series(1, :members) AS i""",
    # m: the member (spread over all), its store's till k; the type by i % 20
    """INSERT INTO events (event_id, terminal_id, seq, type, member_id, occurred_at,
                          received_at, content_hash, payload, status, points_delta,
                          lifetime_delta, overdraft)
       SELECT md5('e' || i)::uuid::text,
              'T' || lpad((1 + m % :stores)::text, 3, '0') || '-' || (i % 3), i,
              CASE WHEN i % 20 < 15 THEN 'points.earned' WHEN i % 20 < 18 THEN 'points.redeemed'
                   WHEN i % 20 = 18 THEN 'points.adjusted' ELSE 'coupon.redeemed' END,
              md5(m::text)::uuid::text,
              now() - ((i * 13) % 730) * interval '1 day' - (i % 86400) * interval '1 second',
              now(), '', '{}', 'accepted',
              CASE WHEN i % 20 < 15 THEN 20 + i % 480 WHEN i % 20 < 18 THEN -100
                   WHEN i % 20 = 18 THEN 10 ELSE 0 END,
              0, false
       FROM (SELECT i, 1 + (i::bigint * 7919) % :members AS m FROM generate_series(1, :events) AS i) AS g""",
    "ANALYZE",
]

_ROLLUP = [
    """CREATE TEMP TABLE md AS
        SELECT DISTINCT e.member_id, ((e.occurred_at) + interval '8 hours')::date AS day FROM events e
        WHERE e.type IN ('points.earned', 'points.redeemed', 'coupon.redeemed')
        UNION SELECT m.id, ((m.enrolled_at) + interval '8 hours')::date FROM members m""",
    """INSERT INTO dash_daily (store_code, business_date, tier,
                                new_members, tier_members, active_members, points_issued, points_redeemed,
                                points_adjusted, points_expired, points_returned, balance_delta,
                                sales_count, sales_cents, redemptions, coupons_used)
        SELECT store_code, day, tier, sum(n), sum(n), sum(a), sum(iss), sum(red),
               sum(adj), 0, 0, sum(bal), sum(sales), sum(cents), sum(reds), sum(cps)
        FROM (
          SELECT t.store_code, ((e.occurred_at) + interval '8 hours')::date AS day, m.tier, 0 AS n, 0 AS a,
                 CASE WHEN e.type = 'points.earned' THEN e.points_delta ELSE 0 END AS iss,
                 CASE WHEN e.type = 'points.redeemed' THEN -e.points_delta ELSE 0 END AS red,
                 CASE WHEN e.type = 'points.adjusted' THEN e.points_delta ELSE 0 END AS adj,
                 0 AS bal,
                 CASE WHEN e.type = 'points.earned' THEN 1 ELSE 0 END AS sales,
                 CASE WHEN e.type = 'points.earned' THEN e.points_delta * 100 ELSE 0 END AS cents,
                 CASE WHEN e.type = 'points.redeemed' THEN 1 ELSE 0 END AS reds,
                 CASE WHEN e.type = 'coupon.redeemed' THEN 1 ELSE 0 END AS cps
          FROM events e JOIN terminals t ON t.id = e.terminal_id JOIN members m ON m.id = e.member_id
          UNION ALL
          SELECT m.store_code, ((e.occurred_at) + interval '8 hours')::date, m.tier, 0, 0, 0, 0, 0,
                 e.points_delta, 0, 0, 0, 0
          FROM events e JOIN members m ON m.id = e.member_id WHERE e.points_delta <> 0
          UNION ALL
          SELECT m.store_code, ((m.enrolled_at) + interval '8 hours')::date, m.tier, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0
          FROM members m
          UNION ALL
          SELECT m.store_code, md.day, m.tier, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0
          FROM md JOIN members m ON m.id = md.member_id
        ) AS x
        GROUP BY store_code, day, tier""",
    """INSERT INTO dash_active (store_code, day, window_days, delta)
       SELECT store_code, day, w, sum(d) FROM (
         SELECT home AS store_code, start AS day, w, 1 AS d FROM pieces
         UNION ALL SELECT home, stop + 1, w, -1 FROM pieces
       ) AS x GROUP BY store_code, day, w HAVING sum(d) <> 0""",
    """INSERT INTO dash_monthly
       SELECT store_code, date_trunc('month', business_date)::date, tier,
              sum(new_members), sum(tier_members), sum(active_members), sum(points_issued),
              sum(points_redeemed), sum(points_adjusted), sum(points_expired),
              sum(points_returned), sum(balance_delta), sum(sales_count), sum(sales_cents),
              sum(redemptions), sum(coupons_used)
       FROM dash_daily GROUP BY 1, 2, 3""",
    """INSERT INTO dash_active_monthly
       SELECT store_code, date_trunc('month', day)::date, window_days, sum(delta)
       FROM dash_active GROUP BY 1, 2, 3""",
    "ANALYZE",
]
# Each active day's share of the 30/90-day coverage its neighbours leave (as the push path).
_PIECES = """CREATE TEMP TABLE pieces AS
    SELECT home, w,
           CASE WHEN p IS NULL THEN day ELSE greatest(day, p + w) END AS start,
           CASE WHEN n IS NULL THEN day + w - 1 ELSE least(day + w - 1, n - 1) END AS stop
    FROM (SELECT md.day, m.store_code AS home,
                 lag(md.day) OVER (PARTITION BY md.member_id ORDER BY md.day) AS p,
                 lead(md.day) OVER (PARTITION BY md.member_id ORDER BY md.day) AS n
          FROM md JOIN members m ON m.id = md.member_id) AS v,
         (VALUES (30), (90)) AS windows(w)"""
_PIECES_KEEP = "DELETE FROM pieces WHERE start > stop"

_RAW = """SELECT
    sum(CASE WHEN type = 'points.earned' THEN points_delta ELSE 0 END),
    sum(CASE WHEN type = 'points.redeemed' THEN -points_delta ELSE 0 END),
    count(*) FILTER (WHERE type = 'points.earned'),
    count(DISTINCT member_id)
  FROM events WHERE status = 'accepted' AND occurred_at >= :first AND occurred_at < :last"""


def _schema(base: str) -> tuple[str, Callable[[], None]]:
    schema = f"bench_dash_{uuid.uuid4().hex[:8]}"
    admin = make_url(base).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')

    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), drop


def seed(database: Database, stores: int, members: int, events: int) -> dict[str, float]:
    took: dict[str, float] = {}
    params = {"stores": stores, "members": members, "events": events}
    started = time.perf_counter()
    with database.write() as session:
        for statement in _SEED:
            session.execute(text(statement), params)
    took["ledger"] = time.perf_counter() - started
    started = time.perf_counter()
    with database.write() as session:
        session.execute(text(_ROLLUP[0]))
        session.execute(text(_ROLLUP[1]))
        session.execute(text(_PIECES))
        session.execute(text(_PIECES_KEEP))
        for statement in _ROLLUP[2:]:
            session.execute(text(statement))
    took["roll-ups"] = time.perf_counter() - started
    return took


_FULL = [
    """INSERT INTO dash_daily
       SELECT 'S' || lpad(s::text, 3, '0'), current_date - d, t,
              (s + d) % 7, (s + d) % 5, 20 + (s * d) % 40, (s * d) % 900, (s + d) % 300,
              (s + d) % 11, 0, (s * d) % 13, (s * d) % 700, 40 + (s + d) % 60,
              (40 + (s + d) % 60) * 21000, (s + d) % 15, (s + d) % 4
       FROM generate_series(1, :stores) AS s, generate_series(0, 1095) AS d,
            unnest(ARRAY['member', 'silver', 'gold']) AS t""",
    """INSERT INTO dash_monthly
       SELECT store_code, date_trunc('month', business_date)::date, tier,
              sum(new_members), sum(tier_members), sum(active_members), sum(points_issued),
              sum(points_redeemed), sum(points_adjusted), sum(points_expired),
              sum(points_returned), sum(balance_delta), sum(sales_count), sum(sales_cents),
              sum(redemptions), sum(coupons_used)
       FROM dash_daily GROUP BY 1, 2, 3""",
    """INSERT INTO dash_active
       SELECT 'S' || lpad(s::text, 3, '0'), current_date - d, w, 50 - (s * d + w) % 97
       FROM generate_series(1, :stores) AS s, generate_series(-90, 1095) AS d,
            (VALUES (30), (90)) AS windows(w)""",
    """INSERT INTO dash_active_monthly
       SELECT store_code, date_trunc('month', day)::date, window_days, sum(delta)
       FROM dash_active GROUP BY 1, 2, 3""",
    "ANALYZE",
]


def seed_rollups(database: Database, stores: int) -> float:
    started = time.perf_counter()
    with database.write() as session:
        session.execute(text(_SEED[0]), {"stores": stores})
        for statement in _FULL:
            session.execute(text(statement), {"stores": stores})
    return time.perf_counter() - started


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(database: Database, runs: int, raw: bool = True) -> None:
    service = DashboardService(database)
    today = datetime.now(UTC).date()
    views = {
        "chain, 30 days": (Period(today - timedelta(days=29), today), None),
        "store S001, 30 days": (Period(today - timedelta(days=29), today), "S001"),
        "chain, 90 days": (Period(today - timedelta(days=89), today), None),
        "store S001, 90 days": (Period(today - timedelta(days=89), today), "S001"),
        "chain, 365 days": (Period(today - timedelta(days=364), today), None),
    }
    print(f"{'view':28} {'p95 ms':>9} {'median ms':>10}  (runs: {runs}, wall clock)")
    for name, (period, store) in views.items():
        service.view(period, store)  # warm: plans, the program cache
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            service.view(period, store)
            samples.append((time.perf_counter() - started) * 1000)
        print(f"{name:28} {_p95(samples):9.1f} {statistics.median(samples):10.1f}")
    if not raw:
        return
    first = datetime.now(UTC) - timedelta(days=30)
    samples = []
    with database.read() as session:
        for _ in range(3):
            started = time.perf_counter()
            session.execute(text(_RAW), {"first": first, "last": datetime.now(UTC)}).one()
            samples.append((time.perf_counter() - started) * 1000)
    print(
        f"{'raw ledger, chain 30 days':28} {max(samples):9.1f} {statistics.median(samples):10.1f}"
        "  (3 runs; max as p95)"
    )


def _push_run(url: str, data_dir: Path, with_rollups: bool) -> tuple[float, float]:
    from sqlalchemy import event

    from shared.protocol import Event
    from sync_server.config import Settings
    from sync_server.services import dashboard_rollup
    from sync_server.services.push import PushService
    from sync_server.services.terminals import TerminalService
    from tests.sync_server.helpers import EventFactory, ensure_store

    database = Database(url, pool_size=2)
    migrate(database)
    ensure_store(database)
    made = TerminalService(database, Settings(database_url=url, data_dir=data_dir)).add("S001", "T")
    factory = EventFactory(made.terminal_id, "123456")
    service = PushService(database)
    original = dashboard_rollup.records
    if not with_rollups:
        dashboard_rollup.records = lambda loaded, result: ()  # type: ignore[assignment]
    statements = [0]

    def count(*_args: object) -> None:
        statements[0] += 1

    event.listen(database.write_engine, "before_cursor_execute", count)
    try:
        cpu = time.process_time()
        for i in range(150):
            batch = []
            for k in range(5):
                enrol = factory.enrol(phone=f"138{i:04d}{k:04d}")
                batch += [enrol, factory.earn(enrol["member_id"], 10_000, 100)]
            service.push(made.terminal_id, [Event.model_validate(e) for e in batch])
        return time.process_time() - cpu, statements[0] / 150
    finally:
        dashboard_rollup.records = original
        database.dispose()


def push_cost(base: str) -> None:
    import tempfile

    print(f"{'backend':9} {'roll-ups':9} {'CPU s / 150 pushes':>19} {'statements/push':>16}")
    for backend in ("sqlite", "postgres"):
        for _ in range(3):
            for with_rollups in (False, True):
                data_dir = Path(tempfile.mkdtemp())
                drop: Callable[[], None] = lambda: None  # noqa: E731
                if backend == "sqlite":
                    url = f"sqlite:///{data_dir / 'push.db'}"
                else:
                    url, drop = _schema(base)
                try:
                    took, per = _push_run(url, data_dir, with_rollups)
                finally:
                    drop()
                flag = "with" if with_rollups else "without"
                print(f"{backend:9} {flag:9} {took:19.2f} {per:16.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=20_000_000)
    parser.add_argument("--stores", type=int, default=100)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the schema afterwards")
    parser.add_argument("--push-cost", action="store_true", help="the roll-ups' cost per push")
    parser.add_argument("--rollups-only", action="store_true", help="full roll-ups, no ledger")
    args = parser.parse_args()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.push_cost:
        push_cost(os.environ.get("TEST_POSTGRES_URL", PG_DEFAULT))
        return
    url, drop = _schema(os.environ.get("TEST_POSTGRES_URL", PG_DEFAULT))
    database = Database(url, pool_size=2)
    try:
        migrate(database)
        if args.rollups_only:
            took_s = seed_rollups(database, args.stores)
            print(f"seeded full roll-ups of {args.stores} stores (no ledger): {took_s:.0f} s")
        else:
            took = seed(database, args.stores, args.members, args.events)
            print(
                f"seeded {args.members:,} members, {args.events:,} events, "
                f"{args.stores} stores: " + ", ".join(f"{k} {v:.0f} s" for k, v in took.items())
            )
        with database.read() as session:
            for model in (DashDaily, DashMonthly, DashActive, DashActiveMonthly):
                count = session.scalar(select(func.count()).select_from(model))
                print(f"{model.__tablename__}: {count:,} rows")
        measure(database, args.runs, raw=not args.rollups_only)
        print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        database.dispose()
        if args.keep:
            print(f"kept: {url}")
        else:
            drop()


if __name__ == "__main__":
    main()
