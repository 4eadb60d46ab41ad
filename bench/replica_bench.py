"""Replica benchmark: a large member table, the look-ups a cashier makes, durable earns.

    python bench/replica_bench.py [--members N] [--path FILE] [--samples K] [--rebuild]
    python bench/replica_bench.py --promotions [--members N] [--earn-samples K]

Builds (or reuses) a replica with N members through a bulk ``executemany`` in big
transactions, then times each operation through the real service and the same query
in raw ``sqlite3`` on the same file, and prints p50/p99 and the service/raw ratio.
Earns go to members spread over the table and are acknowledged after each round through
the real settle path, so a kept file does not slow down from run to run; the raw earn
runs the statements ``SalesService.earn`` runs (one read of program, staff, store,
identity, member with pending sums and duplicate-sale check; then next seq, event and
outbox row), and the raw look-up by code the statement ``LookupService.by_code`` runs.
Targets (issue 13): look-up by code p99 <= 0.5 ms and <= 5x raw; durable earn p99 <= 5 ms.

``--promotions`` times the earn preview and the durable earn with the base program and,
side by side, with a program of 10 active promotions (all conditions set, two with
trigger limits) and 20 tiers (issue 16: at most 0.5 ms more), plus the CPU time of the
earn rule alone (``time.process_time``, independent of the machine's load).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import itertools
import json
import os
import platform
import random
import sqlite3
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import keyring
from keyring.backend import KeyringBackend
from sqlalchemy.dialects import sqlite as sqlite_dialect

if __package__ in (None, ""):  # run as a script from a checkout that is not pip-installed
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shared.domain.member_code import mint_member_code
from shared.domain.program import DEFAULT_PROGRAM, LoyaltyProgram
from shared.domain.promotions import MemberFacts
from shared.protocol import PushResult
from terminal.config import Argon2Params, TerminalSettings
from terminal.offline.credentials import CredentialStore
from terminal.offline.db import Replica
from terminal.offline.outbox import INSERT_EVENT_SQL, INSERT_OUTBOX_SQL, NEXT_SEQ_SQL
from terminal.offline.pins import PinHasher
from terminal.offline.repositories import name_key
from terminal.offline.repositories.hot import EARN_CONTEXT, SaleContext
from terminal.offline.repositories.members import LOOKUP_STATEMENTS
from terminal.services import build_services
from terminal.services.seed import DEMO_PHONE_KEY, seed_replica
from terminal.services.sync_store import SyncStore

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰飞鹏辉宇浩然子轩欣怡梓涵雨轩"
LATIN = ("Wei", "Fang", "Na", "Li", "Min", "Jing", "Lei", "Jun", "Yang", "Anna", "John", "Maria",
         "David", "Sarah", "Chen", "Zhang", "Wang", "Liu", "Zhao", "Huang", "Zhou", "Wu", "Xu")  # fmt: skip
CHUNK = 100_000
BATCH_PREFIX = "800000"


class _BenchKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.values.pop((service, username), None)


def _name(rng: random.Random) -> str:
    if rng.random() < 0.7:
        return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))
    return f"{rng.choice(LATIN)} {rng.choice(LATIN)}"


def _rows(count: int, key: bytes, rng: random.Random) -> Iterator[tuple[object, ...]]:
    for index in range(1, count + 1):
        phone = f"+861{rng.choice('3456789')}{rng.randrange(10**9):09d}"
        name = _name(rng)
        balance = rng.randrange(0, 50_000)
        yield (
            str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            mint_member_code(BATCH_PREFIX, index),
            name,
            name_key(name),
            phone[-4:],
            # a stand-in of the slow hash's size (a million argon2id would take hours)
            hmac.new(key, phone.encode(), hashlib.sha256).hexdigest(),
            "member",
            balance,
            balance,
            "active",
            1,
            "",  # tier_points: none (the program's tiers go by lifetime points)
        )


def build(replica: Replica, settings: TerminalSettings, members: int) -> None:
    credentials = CredentialStore(settings.keyring_service)
    if SyncStore(replica).state().terminal_id is None:
        seed_replica(replica, credentials, PinHasher(time_cost=1, memory_cost_kib=8,
                     parallelism=1), members=0)  # fmt: skip
    credentials.set_phone_hash_key(DEMO_PHONE_KEY)
    have = _count(replica.path)
    if have >= members:
        return
    rng = random.Random(1234 + have)
    start = time.perf_counter()
    db = sqlite3.connect(replica.path, isolation_level=None)
    db.execute("PRAGMA synchronous=NORMAL")  # bulk load only; the replica itself runs FULL
    db.execute("PRAGMA cache_size=-1048576")  # 1 GiB page cache: random-key index inserts
    rows = _rows(members, bytes.fromhex(DEMO_PHONE_KEY), rng)
    for _ in range(have):
        next(rows)
    insert = "INSERT INTO members VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    while True:
        chunk = [row for _, row in zip(range(CHUNK), rows, strict=False)]
        if not chunk:
            break
        db.execute("BEGIN IMMEDIATE")
        db.executemany(insert, chunk)
        db.execute("COMMIT")
    db.execute("ANALYZE")
    db.close()
    print(f"built {members:,} members in {time.perf_counter() - start:.1f} s")


def _count(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return int(db.execute("SELECT count(*) FROM members").fetchone()[0])
    finally:
        db.close()


def _raw_sql(statement: Any) -> tuple[str, tuple[str, ...], dict[str, Any]]:
    """The SQL SQLAlchemy sends for a repository statement, to run it through sqlite3
    (a plain SQL text, with ? for the one parameter, as it is)."""
    if isinstance(statement, str):
        return statement, ("code",), {}
    compiled = statement.compile(dialect=sqlite_dialect.dialect())
    return str(compiled), tuple(compiled.positiontup or ()), dict(compiled.params)


CPU_MS: dict[int, list[float]] = {}  # id(fn) -> CPU ms per call of each timed run


def timed(fn: Callable[[int], object], samples: int) -> list[float]:
    """Wall milliseconds of each call; the CPU per call of the whole run (this
    thread's ``time.thread_time``, which the machine's load does not inflate) goes to
    ``CPU_MS``."""
    for i in range(min(50, samples)):  # warm-up
        fn(i)
    out = []
    cpu = time.thread_time()
    for i in range(samples):
        t0 = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - t0) * 1000)
    CPU_MS.setdefault(id(fn), []).append((time.thread_time() - cpu) * 1000 / samples)
    return out


def cpu_ms(fn: Callable[[int], object]) -> float:
    """The median CPU milliseconds per call over the runs of ``fn`` so far."""
    return statistics.median(CPU_MS[id(fn)])


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def promoted_program(rule_version: int) -> LoyaltyProgram:
    """10 active promotions with every condition set, and 20 tiers."""
    tiers = [
        {"code": f"t{i}", "name": f"Tier {i}", "min_lifetime_points": i * 500,
         "multiplier_percent": 100 + i * 5}
        for i in range(20)
    ]  # fmt: skip
    every_day = list(range(1, 8))
    promotions: list[dict[str, Any]] = []
    for i in range(10):
        promotions.append({
            "code": f"p{i}", "name": f"Promotion {i}",
            "kind": "multiplier" if i % 2 else "bonus",
            **({"multiplier": f"1.{i + 1}"} if i % 2 else {"bonus_points": 10 + i}),
            "min_sale_cents": 100, "starts_on": "2020-01-01", "ends_on": "2099-12-31",
            "days_of_week": every_day, "from_time": "00:00", "until_time": "23:59:59",
            "stores": ["S001", "S002"], "tiers": [t["code"] for t in tiers],
            "stacks": i != 9,
            **({"limit": {"times": 10_000, "per": "month"}} if i in (3, 4) else {}),
        })  # fmt: skip
    body = DEFAULT_PROGRAM.model_dump(mode="json")
    body.update(rule_version=rule_version, tiers=tiers, promotions=promotions)
    return LoyaltyProgram.model_validate(body)


def rule_cpu_ms(program: LoyaltyProgram, calls: int = 20_000) -> float:
    """CPU milliseconds per earn breakdown (the pure rule, no database)."""
    moment = datetime(2026, 12, 8, 12, 0)
    facts = MemberFacts(birthday_month=None, first_purchase=False, days_since_seen=3)
    start = time.process_time()
    for i in range(calls):
        program.earn_breakdown(10_000 + i, i % 12_000, local_time=moment, store_code="S001",
                               member=facts)  # fmt: skip
    return (time.process_time() - start) * 1000 / calls


def bench_promotions(
    replica: Replica, raw: sqlite3.Connection, services: Any, earners: list[str], args: Any
) -> None:
    """Preview and durable earn, base program vs 10 promotions + 20 tiers."""
    cashier = services.staff.sign_in("C01", "1234")
    store = SyncStore(replica)
    run_id = uuid.uuid4().hex[:8]
    refs = itertools.count()
    promoted = promoted_program(10_000)

    def install(program: LoyaltyProgram | None) -> None:
        """The promoted program as pulled, or gone (a till never deletes a program: the
        bench removes its row itself, so the base program is current again)."""
        if program is None:
            raw.execute("DELETE FROM program_versions WHERE rule_version = 10000")
            return
        store.apply_changes([{"entity": "program", "op": "upsert", "id": "10000",
                              "version": next(refs) + 10**9,
                              "data": program.model_dump(mode="json")}])  # fmt: skip

    def preview(i: int) -> None:
        services.sales.earn_breakdown(earners[i % len(earners)], 1000 + i)

    def earn(i: int) -> None:
        n = next(refs)
        services.sales.earn(cashier, earners[i % len(earners)], amount_cents=1000 + n,
                            sale_ref=f"p-{run_id}-{n}")  # fmt: skip

    def acknowledge() -> None:
        while batch := store.pending_batch(500):
            store.apply_push_results(
                [PushResult(event_id=e["event_id"], status="accepted") for e in batch]
            )

    samples = args.earn_samples
    print(
        "| operation | base p50 | base p99 | 10 promotions + 20 tiers p50 | p99 | added p50 "
        "| CPU per call: base | with promotions | added CPU |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, fn in (("earn preview", preview), ("durable earn commit", earn)):
        CPU_MS.clear()
        base_cpu: list[float] = []
        promoted_cpu: list[float] = []
        rounds = []
        for _ in range(args.rounds):  # interleaved: both programs see the same load
            install(None)
            base = timed(fn, samples)
            base_cpu.append(CPU_MS.pop(id(fn))[0])
            acknowledge()
            install(promoted)
            with_promotions = timed(fn, samples)
            promoted_cpu.append(CPU_MS.pop(id(fn))[0])
            acknowledge()
            rounds.append((pct(base, 50), pct(base, 99), pct(with_promotions, 50),
                           pct(with_promotions, 99)))  # fmt: skip
        b50, b99, p50, p99 = (statistics.median(r[k] for r in rounds) for k in range(4))
        bc, pc = statistics.median(base_cpu), statistics.median(promoted_cpu)
        print(f"| {name} | {b50:.3f} ms | {b99:.3f} ms | {p50:.3f} ms | {p99:.3f} ms | "
              f"{p50 - b50:+.3f} ms | {bc:.3f} ms | {pc:.3f} ms | {pc - bc:+.3f} ms |")  # fmt: skip
    install(None)
    rule_base, rule_promoted = rule_cpu_ms(DEFAULT_PROGRAM), rule_cpu_ms(promoted)
    print(f"\nearn rule alone (CPU per call): base {rule_base * 1000:.1f} us, "
          f"10 promotions + 20 tiers {rule_promoted * 1000:.1f} us "
          f"(+{(rule_promoted - rule_base) * 1000:.1f} us)")  # fmt: skip
    print("load average at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--path", type=Path, default=Path("bench/out/replica_bench.sqlite3"))
    parser.add_argument("--samples", type=int, default=2_000)
    parser.add_argument("--earn-samples", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3, help="report the median round")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--promotions", action="store_true", help="base vs promoted program")
    args = parser.parse_args()

    keyring.set_keyring(_BenchKeyring())
    path: Path = args.path
    if args.rebuild and path.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    settings = TerminalSettings(
        data_dir=path.parent, replica_file=path.name, keyring_service="pos-bench",
        argon2=Argon2Params(time_cost=1, memory_cost_kib=8, parallelism=1),
    )  # fmt: skip
    replica = Replica(settings.replica_path)
    build(replica, settings, args.members)
    print("load average before timing: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    services = build_services(replica, settings)
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("PRAGMA synchronous=FULL")
    raw.execute("PRAGMA busy_timeout=5000")

    rng = random.Random(99)
    total = _count(path)
    rowids = [(rng.randrange(1, total + 1),) for _ in range(args.samples)]
    codes = [raw.execute("SELECT member_code FROM members WHERE rowid = ?", r).fetchone()[0]
             for r in rowids]  # fmt: skip
    tails = [f"{rng.randrange(10_000):04d}" for _ in range(args.samples)]
    prefixes = [rng.choice([*SURNAMES[:40], "wa", "zh", "an", "li", "ch", "da"])
                for _ in range(args.samples)]  # fmt: skip
    cashier = services.staff.sign_in("C01", "1234")
    run_id = uuid.uuid4().hex[:8]

    lookups = {name: _raw_sql(stmt) for name, stmt in LOOKUP_STATEMENTS.items()}

    def raw_lookup(name: str, **params: object) -> None:
        sql, order, defaults = lookups[name]
        values = {**defaults, **params}
        raw.execute(sql, [values[key] for key in order]).fetchall()

    def raw_code(i: int) -> None:
        raw_lookup("code", code=codes[i % len(codes)])

    def raw_last4(i: int) -> None:
        raw_lookup("last4", last4=tails[i % len(tails)], offset=0, limit=21)

    def raw_name(i: int) -> None:
        low = name_key(prefixes[i % len(prefixes)])
        raw_lookup("name", low=low, high=low + "\U0010ffff", offset=0, limit=21)

    # Earns go to members spread over the table (as sales do), and are acknowledged after
    # each round as a push would (below): a kept file does not pile up pending events on
    # one member, so re-runs do not slow down.
    earners = [raw.execute("SELECT member_id FROM members WHERE rowid = ?", r).fetchone()[0]
               for r in rowids[: args.earn_samples]]  # fmt: skip
    earn_refs = itertools.count()
    if args.promotions:
        bench_promotions(replica, raw, services, earners, args)
        raw.close()
        replica.close()
        return

    def raw_earn(i: int) -> None:
        """The statements SalesService.earn runs, in plain sqlite3: the one read of
        program, staff, store, identity, member with pending sums and duplicate check,
        then the next seq, the event and its outbox row (pending), committed with
        synchronous=FULL (checkpoints as SQLite does them by default: in the commit)."""
        n = next(earn_refs)
        member = earners[i % len(earners)]
        ref = f"raw-{run_id}-{n}"
        event_id = str(uuid.uuid4())
        raw.execute("BEGIN IMMEDIATE")
        params = {"staff_id": cashier.staff_id, "member_id": member, "type": "points.earned",
                  "sale_ref": ref}  # fmt: skip
        ctx = SaleContext(*raw.execute(EARN_CONTEXT, params).fetchall()[0])
        seq = ctx.next_seq
        now = datetime.now(UTC).isoformat()
        data = {"sale_ref": ref, "amount_cents": 1000 + n, "currency": ctx.currency,
                "points": 10, "rule_version": 1}  # fmt: skip
        payload = json.dumps({"event_id": event_id, "seq": seq, "type": "points.earned",
                              "member_id": member, "occurred_at": now, "data": data})  # fmt: skip
        raw.execute(NEXT_SEQ_SQL, (seq + 1,))
        raw.execute(INSERT_EVENT_SQL, (event_id, seq, "points.earned", member, now,
                                       date.today().isoformat(), cashier.staff_id, 10, 10,
                                       1000 + n, ref, None, None))  # fmt: skip
        raw.execute(INSERT_OUTBOX_SQL, (seq, event_id, payload, now))
        raw.execute("COMMIT")

    def svc_earn(i: int) -> None:
        n = next(earn_refs)
        services.sales.earn(
            cashier, earners[i % len(earners)], amount_cents=1000 + n, sale_ref=f"b-{run_id}-{n}"
        )

    def acknowledge() -> None:
        """Settle every pending event as the server's answer to a push would (the real
        SyncStore path), outside the timing."""
        store = SyncStore(replica)
        while batch := store.pending_batch(500):
            results = [PushResult(event_id=e["event_id"], status="accepted") for e in batch]
            store.apply_push_results(results)

    cases = [
        ("lookup by code", 0.5,
         lambda i: services.lookup.by_code(codes[i % len(codes)]), raw_code, args.samples),
        ("phone last-4, first page", 20.0,
         lambda i: services.lookup.by_phone_last4(tails[i % len(tails)]), raw_last4, args.samples),
        ("name prefix, first page", 20.0,
         lambda i: services.lookup.by_name(prefixes[i % len(prefixes)]), raw_name, args.samples),
        ("durable earn commit", 5.0, svc_earn, raw_earn, args.earn_samples),
    ]  # fmt: skip
    print(f"\n{total:,} members, {path} ({path.stat().st_size / 2**20:.0f} MiB), "
          f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}\n")  # fmt: skip
    print(
        "| operation | target p99 | service p50 | service p99 | raw p50 | raw p99 | ratio p50 "
        "| ratio p99 | CPU per call: service / raw | CPU ratio | met |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, target, svc_fn, raw_fn, samples in cases:
        rounds = []
        for _ in range(args.rounds):  # interleaved, so both sides see the same machine load
            svc, base = timed(svc_fn, samples), timed(raw_fn, samples)
            rounds.append((pct(svc, 50), pct(svc, 99), pct(base, 50), pct(base, 99)))
            acknowledge()
        s50, s99, r50, r99 = (statistics.median(r[k] for r in rounds) for k in range(4))
        sc, rc = cpu_ms(svc_fn), cpu_ms(raw_fn)
        print(f"| {name} | {target:g} ms | {s50:.3f} ms | {s99:.3f} ms | {r50:.3f} ms | "
              f"{r99:.3f} ms | {s50 / r50:.1f}x | {s99 / r99:.1f}x | {sc:.4f} / {rc:.4f} ms | "
              f"{sc / rc:.1f}x | {'yes' if s99 <= target else 'NO'} |")  # fmt: skip
    load = os.getloadavg()
    print(
        f"\nCPU: this process {time.process_time():.1f} s in all. "
        f"{args.rounds} rounds of {args.samples} samples ({args.earn_samples} earns); median "
        f"round shown. Load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    raw.close()
    replica.close()


if __name__ == "__main__":
    main()
