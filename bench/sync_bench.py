"""Sync server benchmarks: push ingest and a 1,000,000-member bootstrap through the API.

    .venv/bin/python bench/sync_bench.py [--events 50000] [--bootstrap-members 1000000]
                                         [--backends sqlite,postgres] [--write-doc]

Push: real `sync-server serve --workers 2` processes; several terminals push batches of
500 `points.earned` events concurrently (pushes of ONE terminal are serialised by design).
Each event is validated, its points recomputed with the shared program rules, written to
the ledger with its member's new balance and version, and put in the change log.
Raw: the same ledger rows bulk-inserted (executemany, 500 per transaction) into a copy
of the events table in the same database, with its primary key, unique keys and indexes,
through the server's own engine (same `synchronous` on SQLite): the floor for "just
storing the rows".
Bootstrap: the server holds N members; one client follows cursors from the start with
limit=5000 and json-parses every page (pull + parse; applying the rows to a replica is
the terminal's step and is measured in the "Replica" section).
PostgreSQL: TEST_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import ForeignKeyConstraint, MetaData, Table, insert, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shared.domain.member_code import mint_member_code  # noqa: E402
from shared.domain.program import DEFAULT_PROGRAM  # noqa: E402
from sync_server.config import Settings  # noqa: E402
from sync_server.db import Database  # noqa: E402
from sync_server.migrate import migrate  # noqa: E402
from sync_server.services.admin import AdminService  # noqa: E402
from sync_server.services.push import content_hash  # noqa: E402
from sync_server.services.seed import SAME_SIZE_STAND_IN, SeedService  # noqa: E402
from sync_server.services.terminals import TerminalService  # noqa: E402

BATCH = 500
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


# --- databases and servers ----------------------------------------------------------------


class Backend:
    def __init__(self, name: str, workdir: Path) -> None:
        self.name = name
        self.schema: str | None = None
        if name == "sqlite":
            self.url = f"sqlite:///{workdir / 'bench.db'}"
        else:
            base = os.environ.get("TEST_POSTGRES_URL", PG_DEFAULT)
            self.schema = f"bench_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(self._libpq(base), autocommit=True) as conn:
                conn.execute(f'CREATE SCHEMA "{self.schema}"')
            self.base = base
            url = make_url(base).update_query_dict({"options": f"-csearch_path={self.schema}"})
            self.url = url.render_as_string(hide_password=False)
        self.database = Database(self.url)
        migrate(self.database)

    @staticmethod
    def _libpq(url: str) -> str:
        return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

    def close(self) -> None:
        self.database.dispose()
        if self.schema:
            with psycopg.connect(self._libpq(self.base), autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{self.schema}" CASCADE')


class Server:
    def __init__(self, url: str, workdir: Path, workers: int) -> None:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        env = dict(os.environ, PYTHONPATH=str(ROOT), SYNC_MAINTENANCE_INTERVAL_SECONDS="0")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sync_server.cli",
                "serve",
                "--db",
                url,
                "--port",
                str(self.port),
                "--workers",
                str(workers),
                "--data-dir",
                str(workdir),
            ],
            env=env,
            cwd=ROOT,
            start_new_session=True,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        for _ in range(300):
            try:
                if httpx.get(self.url + "/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def cpu_seconds(self) -> float:
        """User + system CPU of every process of the server (its session: the parent
        and its uvicorn workers), from /proc; PostgreSQL's own CPU is not included."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == self.process.pid:  # session id (start_new_session)
                total += int(fields[11]) + int(fields[12])
        return total / tick

    def stop(self) -> None:
        os.killpg(self.process.pid, 15)
        self.process.wait(timeout=30)


def pair(backend: Backend, server: Server, name: str) -> dict[str, Any]:
    settings = Settings(database_url=backend.url)
    admin = AdminService(backend.database)
    if "S001" not in {s.code for s in admin.stores()}:
        admin.add_store("S001", "Bench")
    made = TerminalService(backend.database, settings).add("S001", name)
    response = httpx.post(
        server.url + "/v1/pair", json={"pairing_code": made.pairing_code, "device_name": name}
    )
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


# --- push ---------------------------------------------------------------------------------


def make_batches(terminal: dict[str, Any], members: int, events: int) -> list[list[dict[str, Any]]]:
    """Enrolments first, then earns with points the server will agree with."""
    now = datetime.now(UTC).isoformat()
    seq = 0
    out: list[dict[str, Any]] = []
    ids = [str(uuid.uuid4()) for _ in range(members)]
    lifetime = dict.fromkeys(ids, 0)
    for index, member_id in enumerate(ids):
        seq += 1
        out.append(
            {
                "event_id": str(uuid.uuid4()),
                "terminal_id": terminal["terminal_id"],
                "seq": seq,
                "type": "member.enrolled",
                "occurred_at": now,
                "member_id": member_id,
                "data": {
                    "member_code": mint_member_code(terminal["member_code_prefix"], index + 1),
                    "name": f"Bench {index}",
                    "phone": f"138{index:08d}",
                    "consent_marketing": False,
                },
            }
        )
    enrolments = len(out)
    for index in range(events):
        member_id = ids[index % members]
        amount = 1_000 + (index * 37) % 50_000
        points = DEFAULT_PROGRAM.points_for_sale(amount, lifetime[member_id])
        lifetime[member_id] += points
        seq += 1
        out.append(
            {
                "event_id": str(uuid.uuid4()),
                "terminal_id": terminal["terminal_id"],
                "seq": seq,
                "type": "points.earned",
                "occurred_at": now,
                "member_id": member_id,
                "data": {
                    "sale_ref": f"B{index}",
                    "amount_cents": amount,
                    "currency": "CNY",
                    "points": points,
                    "rule_version": 1,
                },
            }
        )
    chunks = [out[i : i + BATCH] for i in range(0, len(out), BATCH)]
    return chunks[: (enrolments + BATCH - 1) // BATCH] + chunks[(enrolments + BATCH - 1) // BATCH :]


def push_all(server: Server, token: str, batches: list[bytes]) -> None:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with httpx.Client(base_url=server.url, timeout=120, headers=headers) as client:
        for batch in batches:
            response = client.post("/v1/events", content=batch)
            response.raise_for_status()
            bad = [r for r in response.json()["results"] if r["status"] != "accepted"]
            if bad:
                raise RuntimeError(f"rejected: {bad[:3]}")


def bench_push(backend: Backend, workdir: Path, events: int, terminals: int) -> dict[str, float]:
    server = Server(backend.url, workdir, workers=2)
    try:
        paired = [pair(backend, server, f"Till {i}") for i in range(terminals)]
        plans = [make_batches(t, 400, events // terminals) for t in paired]
        # Enrolments (not timed): the first batch of each terminal.
        encode = json.dumps
        for t, plan in zip(paired, plans, strict=True):
            push_all(server, t["token"], [encode({"events": plan[0]}).encode()])
        timed = [plan[1:] for plan in plans]
        count = sum(len(b) for plan in timed for b in plan)
        bodies = [[encode({"events": b}).encode() for b in plan] for plan in timed]
        threads = [
            threading.Thread(target=push_all, args=(server, t["token"], plan))
            for t, plan in zip(paired, bodies, strict=True)
        ]
        cpu = server.cpu_seconds()
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - start
        cpu = server.cpu_seconds() - cpu
        load = os.getloadavg()[0]
    finally:
        server.stop()
    raw = bench_raw_insert(backend, timed)
    return {
        "events": count,
        "seconds": elapsed,
        "push_eps": count / elapsed,
        "raw_eps": raw,
        "cpu_us": cpu * 1e6 / count,
        "load": load,
    }


def raw_copy_of_events(engine: Any) -> Table:
    """``bench_raw``: the ledger table as the migrations made it in this database (read
    back from it), with the same columns, primary key, unique keys and indexes (their
    names prefixed). Not a bare heap: the raw side pays for the same index upkeep."""
    found = Table("events", MetaData(), autoload_with=engine)
    raw = found.to_metadata(MetaData(), name="bench_raw")
    for index in raw.indexes:
        index.name = f"bench_raw_{index.name}"
    for constraint in raw.constraints:
        if isinstance(constraint, ForeignKeyConstraint):
            raw.constraints.discard(constraint)  # rows of its own, not of push_batches
        elif constraint.name:
            constraint.name = f"bench_raw_{constraint.name}"
    with engine.begin() as conn:
        raw.create(conn)
    return raw


def bench_raw_insert(backend: Backend, plans: list[list[list[dict[str, Any]]]]) -> float:
    """The same ledger rows, bulk-inserted 500 per transaction into a copy of `events`
    (same keys and indexes), on the server's own engine: the same connection settings
    (on SQLite the same ``synchronous``, journal mode and busy timeout)."""
    engine = backend.database.write_engine
    now = datetime.now(UTC)
    statement = insert(raw_copy_of_events(engine))
    batches = []
    for plan in plans:
        for batch in plan:
            rows = []
            for e in batch:
                payload = json.dumps(e, sort_keys=True, separators=(",", ":"))
                rows.append(
                    {
                        "event_id": str(uuid.uuid4()),
                        "terminal_id": e["terminal_id"],
                        "seq": e["seq"],
                        "type": e["type"],
                        "member_id": e["member_id"],
                        "occurred_at": now,
                        "received_at": now,
                        "content_hash": content_hash(payload),
                        "payload": payload,
                        "status": "accepted",
                        "code": None,
                        "member_balance": 0,
                        "member_version": 0,
                        "overdraft": False,
                        "points_delta": e["data"]["points"],
                        "lifetime_delta": e["data"]["points"],
                        "voided_by": None,
                    }
                )
            batches.append(rows)
    count = sum(len(b) for b in batches)
    start = time.perf_counter()
    for rows in batches:
        with engine.begin() as conn:
            conn.execute(statement, rows)
    elapsed = time.perf_counter() - start
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE bench_raw"))
    return count / elapsed


# --- bootstrap ----------------------------------------------------------------------------


def bench_bootstrap(backend: Backend, workdir: Path, members: int) -> dict[str, float]:
    start = time.perf_counter()
    SeedService(backend.database).seed(
        members,
        coupons_every=0,
        opening_events=False,
        with_staff=False,
        chunk=20_000,
        phone_lookup=SAME_SIZE_STAND_IN,
    )
    seeded = time.perf_counter() - start
    server = Server(backend.url, workdir, workers=1)
    try:
        token = pair(backend, server, "Bootstrap")["token"]
        start = time.perf_counter()
        seen = pages = 0
        cursor = None
        with httpx.Client(
            base_url=server.url, timeout=120, headers={"Authorization": f"Bearer {token}"}
        ) as client:
            while True:
                params: dict[str, Any] = {"limit": 5000}
                if cursor:
                    params["cursor"] = cursor
                response = client.get("/v1/changes", params=params)
                response.raise_for_status()
                body = json.loads(response.content)
                seen += sum(1 for c in body["changes"] if c["entity"] == "member")
                pages += 1
                cursor = body["cursor"]
                if not body["more"]:
                    break
        elapsed = time.perf_counter() - start
    finally:
        server.stop()
    if seen < members:
        raise RuntimeError(f"bootstrap saw {seen} of {members} members")
    return {"members": seen, "pages": pages, "seconds": elapsed, "seed_seconds": seeded}


# --- report -------------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {platform.system()} {platform.release()}"


def write_doc(section: str) -> None:
    doc = ROOT / "docs" / "PERFORMANCE.md"
    doc.parent.mkdir(exist_ok=True)
    current = doc.read_text(encoding="utf-8") if doc.exists() else "# Performance\n"
    pattern = re.compile(r"^## Sync server\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(current):
        current = pattern.sub(lambda _m: section, current)
    else:
        current = current.rstrip("\n") + "\n\n" + section
    doc.write_text(current.rstrip("\n") + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--terminals", type=int, default=4)
    parser.add_argument("--bootstrap-members", type=int, default=1_000_000)
    parser.add_argument("--bootstrap-backends", default="sqlite,postgres")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--write-doc", action="store_true")
    args = parser.parse_args()
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in [b for b in args.backends.split(",") if b]:
            workdir = Path(tmp) / f"push-{name}"
            workdir.mkdir()
            backend = Backend(name, workdir)
            try:
                r = bench_push(backend, workdir, args.events, args.terminals)
            finally:
                backend.close()
            line = (
                f"| push, {name}, 2 workers, {args.terminals} terminals, batches of {BATCH} | "
                f"{r['events']:,} events in {r['seconds']:.1f} s | **{r['push_eps']:,.0f} events/s** | "
                f"raw bulk insert {r['raw_eps']:,.0f} rows/s (push = {r['push_eps'] / r['raw_eps']:.0%} of raw); "
                f"server CPU {r['cpu_us']:.0f} us/event; load average {r['load']:.1f} |"
            )
            print(line, flush=True)
            lines.append(line)
        for name in [b for b in args.bootstrap_backends.split(",") if b]:
            if not args.bootstrap_members:
                break
            workdir = Path(tmp) / f"boot-{name}"
            workdir.mkdir()
            backend = Backend(name, workdir)
            try:
                r = bench_bootstrap(backend, workdir, args.bootstrap_members)
            finally:
                backend.close()
            line = (
                f"| bootstrap, {name}, 1 worker, limit 5000 | {r['members']:,.0f} members, "
                f"{r['pages']:.0f} pages | **{r['seconds']:.1f} s** (pull + parse) | "
                f"{r['members'] / r['seconds']:,.0f} members/s; seeding took {r['seed_seconds']:.0f} s |"
            )
            print(line, flush=True)
            lines.append(line)
    section = "\n".join(
        [
            "## Sync server",
            "",
            f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}; PostgreSQL and the",
            "benchmark client on the same machine (bodies pre-encoded, as terminals are other machines).",
            "Reproduce: `.venv/bin/python bench/sync_bench.py --write-doc`.",
            "Targets: push >= 5,000 events/s; 1,000,000-member bootstrap <= 60 s.",
            "",
            "| what | volume | result | note |",
            "|---|---|---|---|",
            *lines,
            "",
            "- Push: every event is schema-validated, its points recomputed with the shared",
            "  program rules, written to the append-only ledger with its outcome, the member's",
            "  balance and version updated and the change log upserted; one transaction per batch.",
            "  Pushes of one terminal are serialised (terminal row lock), so the load comes from",
            "  several terminals at once, as in a real deployment.",
            "- Raw: the same ledger rows bulk-inserted (500 per transaction) into a copy of the",
            "  events table in the same database: what merely storing the rows costs. The gap is",
            "  the work above (validation, recomputation, members, change log, indexes).",
            "- What made it fast: PostgreSQL bulk writes as ONE statement per batch",
            "  (`json_populate_recordset` on a single JSON parameter instead of a Bind/Execute per",
            "  row), Core bulk UPDATEs of only the balance columns, one-pass pydantic validation",
            "  of the body, and a short serialised tail: ledger rows are written before the",
            "  version counter is taken, so only the change log and member rows wait on it.",
            "- Bootstrap: pull + json parse of every page (applying the rows to a replica is the",
            "  terminal's step, measured in the replica section). Pages are one keyset range scan",
            "  of the compacted change log; the stored entity JSON is spliced into the answer.",
            "- The machine is shared with other engineers' jobs; expect +-20 % between runs.",
            "",
        ]
    )
    if args.write_doc:
        write_doc(section)
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
