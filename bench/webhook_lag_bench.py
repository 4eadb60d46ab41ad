"""Webhook delivery lag at a given event rate (issue 18: "webhook delivery lag (change
committed to receiver acknowledged) at 1,000 events per second").

    .venv/bin/python bench/webhook_lag_bench.py [--db sqlite|postgres] [--rate 1000]
        [--seconds 20] [--terminals 10] [--members 200] [--workers 1]

A real `sync-server serve` (its own webhook worker, one per server process), tills
pushing earns through the sync API open loop: every 100 ms each till sends what the
schedule says is due by then (``rate`` events a second in all, whatever the answers),
so a slow server shows as achieved < offered instead of a lower offered rate. One
endpoint subscribed to ``points.earned`` on a receiver in this process (loopback,
answers 204 at once) records when each event's webhook arrived.

Lag is measured from the push's answer (the commit happened before it: a lower bound
of commit -> acknowledged) and from the moment the push was sent (an upper bound).
After the run the bench waits up to ``--drain`` seconds for the rest and reports how
long the backlog took. Server, tills and receiver share the machine; its CPU model,
core count and load average are printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_setup import Backend, Server
from partner_bench import Receiver, cpu_model
from partner_bench import percentile as seconds_at

from shared.domain.member_code import mint_member_code
from shared.domain.program import DEFAULT_PROGRAM
from sync_server.services.accounts import CLI_PRINCIPAL
from sync_server.services.admin import AdminService
from sync_server.services.webhooks import WebhookService

TICK = 0.1


def percentile(values: list[float], q: float) -> float | None:
    """``partner_bench.percentile`` in milliseconds (None when nothing was measured)."""
    return round(seconds_at(values, q) * 1000, 1) if values else None


class Till:
    """One paired till: its seq, its members and their lifetime points (so every earn
    carries the points the program gives, as a real till's would)."""

    def __init__(self, paired: dict[str, str], members: int) -> None:
        self.id = paired["terminal_id"]
        self.headers = {"Authorization": f"Bearer {paired['token']}"}
        self.prefix = paired["member_code_prefix"]
        self.seq = 0
        self.members = [str(uuid.uuid4()) for _ in range(members)]
        self.lifetime = dict.fromkeys(self.members, 0)
        self.turn = 0

    def event(self, type_: str, member: str, data: dict[str, Any]) -> dict[str, Any]:
        self.seq += 1
        return {
            "event_id": str(uuid.uuid4()),
            "terminal_id": self.id,
            "seq": self.seq,
            "type": type_,
            "occurred_at": datetime.now(UTC).isoformat(),
            "member_id": member,
            "data": data,
        }

    def enrolments(self) -> list[dict[str, Any]]:
        return [
            self.event(
                "member.enrolled",
                member,
                {
                    "member_code": mint_member_code(self.prefix, n + 1),
                    "name": f"Bench {n}",
                    "phone": f"139{abs(hash(member)) % 10**8:08d}",
                    "consent_marketing": False,
                },
            )
            for n, member in enumerate(self.members)
        ]

    def earn(self) -> dict[str, Any]:
        member = self.members[self.turn % len(self.members)]
        self.turn += 1
        points = DEFAULT_PROGRAM.points_for_sale(1_000, self.lifetime[member])
        self.lifetime[member] += points
        return self.event(
            "points.earned",
            member,
            {
                "sale_ref": f"B-{self.seq}",
                "amount_cents": 1_000,
                "currency": "CNY",
                "points": points,
                "rule_version": DEFAULT_PROGRAM.rule_version,
            },
        )


def run(
    base: str, tills: list[Till], receiver: Receiver, args: argparse.Namespace
) -> dict[str, Any]:
    with httpx.Client(base_url=base, timeout=60) as client:
        for till in tills:  # members first (their webhooks are not counted)
            answer = client.post(
                "/v1/events", json={"events": till.enrolments()}, headers=till.headers
            )
            answer.raise_for_status()

    per_till = args.rate / len(tills)
    sent: dict[str, tuple[float, float]] = {}  # event id -> (sent, answered)
    offered = [0] * len(tills)
    rejected: list[str] = []
    push_ms: list[float] = []
    lock = threading.Lock()
    began = time.monotonic()
    stop_at = began + args.seconds

    def till_loop(index: int) -> None:
        till = tills[index]
        with httpx.Client(base_url=base, timeout=60) as client:
            next_tick = began
            while True:
                now = time.monotonic()
                if now >= stop_at:
                    return
                due = int(per_till * (min(now, stop_at) - began)) - offered[index]
                if due > 0:
                    batch = [till.earn() for _ in range(due)]
                    offered[index] += due
                    start = time.monotonic()
                    answer = client.post("/v1/events", json={"events": batch}, headers=till.headers)
                    done = time.monotonic()
                    results = answer.json()["results"] if answer.status_code == 200 else []
                    with lock:
                        push_ms.append(done - start)
                        if answer.status_code != 200:
                            rejected.append(f"HTTP {answer.status_code}")
                        for result in results:
                            if result["status"] in ("accepted", "duplicate"):
                                sent[result["event_id"]] = (start, done)
                            else:
                                rejected.append(str(result.get("code")))
                next_tick += TICK
                time.sleep(max(0.0, next_tick - time.monotonic()))

    threads = [threading.Thread(target=till_loop, args=(i,)) for i in range(len(tills))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    pushed_for = time.monotonic() - began
    arrived_by_end = len(receiver.arrived.keys() & sent.keys())

    drain_began = time.monotonic()
    deadline = drain_began + args.drain
    while time.monotonic() < deadline and len(receiver.arrived.keys() & sent.keys()) < len(sent):
        time.sleep(0.05)
    drained_in = time.monotonic() - drain_began
    with receiver.lock:
        arrived = dict(receiver.arrived)
    from_answer = [arrived[e] - d for e, (_s, d) in sent.items() if e in arrived]
    from_send = [arrived[e] - s for e, (s, _d) in sent.items() if e in arrived]
    return {
        "offered_events": sum(offered),
        "offered_per_second": round(sum(offered) / args.seconds, 1),
        "accepted_events": len(sent),
        "accepted_per_second": round(len(sent) / pushed_for, 1),
        "rejected": rejected[:20],
        "push_p50_ms": percentile(push_ms, 0.50),
        "push_p99_ms": percentile(push_ms, 0.99),
        "webhooks_arrived": len(from_answer),
        "arrived_by_end_of_pushing": arrived_by_end,
        "backlog_drained_in_seconds": round(drained_in, 2),
        "delivered_per_second_overall": round(len(from_answer) / (pushed_for + drained_in), 1),
        "lag_from_answer_p50_ms": percentile(from_answer, 0.50),
        "lag_from_answer_p95_ms": percentile(from_answer, 0.95),
        "lag_from_answer_p99_ms": percentile(from_answer, 0.99),
        "lag_from_send_p99_ms": percentile(from_send, 0.99),
        "lag_max_ms": percentile(from_answer, 1.0),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--rate", type=float, default=1000.0, help="events a second, in all")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--terminals", type=int, default=10)
    parser.add_argument("--members", type=int, default=20, help="per till")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--drain", type=float, default=120.0)
    args = parser.parse_args()

    receiver = Receiver()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        backend = Backend(args.db, Path(tmp))
        admin = AdminService(backend.database)
        stores = [f"W{n:03d}" for n in range(args.terminals)]
        for code in stores:
            admin.add_store(code, f"Bench store {code}")
        tills = [Till(p, args.members) for p in backend.paired_in_database(stores)]
        WebhookService(backend.database).add(CLI_PRINCIPAL, receiver.url, ["points.earned"])
        server = Server(backend.url, Path(tmp), args.workers)
        server.start()
        try:
            result = run(server.url, tills, receiver, args)
        finally:
            server.stop()
            backend.close()
    result.update(
        db=args.db,
        workers=args.workers,
        terminals=args.terminals,
        rate=args.rate,
        seconds=args.seconds,
        cpu=cpu_model(),
        cores=os.cpu_count(),
        loadavg_before=load_before,
        loadavg_after=os.getloadavg(),
    )
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
