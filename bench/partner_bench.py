"""The partner API under load: online earn calls per second (p50/p99 latency) and
webhook delivery lag (issue 18).

    .venv/bin/python bench/partner_bench.py [--db sqlite|postgres] [--seconds 20]
                                            [--concurrency 8] [--members 50] [--workers 1]

A real `sync-server serve` (its own webhook worker), one store, an API key, one webhook
endpoint subscribed to points.earned on a receiver in this process (loopback, answers
at once). ``concurrency`` clients send earn calls (each a new order, a new
Idempotency-Key) for ``seconds``; then the bench waits for every earn's webhook.

Lag is given two ways, since the commit time is not seen from outside: from the moment
the call was sent (an upper bound: includes the call itself) and from the moment its
answer arrived (a lower bound: the commit happened before the answer). Server, clients
and receiver share the machine; its CPU model and load average are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_setup import Backend, Server

from sync_server.services.accounts import CLI_PRINCIPAL
from sync_server.services.admin import AdminService
from sync_server.services.partner_keys import SCOPES, PartnerKeyService
from sync_server.services.webhooks import WebhookService


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Receiver:
    """Records when each event's webhook arrived (by the ledger event id)."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver would

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                at = time.monotonic()
                event_id = json.loads(body)["data"]["event_id"]
                with receiver.lock:
                    receiver.arrived.setdefault(event_id, at)
                self.send_response(204)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()

    receiver = Receiver()
    with tempfile.TemporaryDirectory() as tmp:
        backend = Backend(args.db, Path(tmp))
        AdminService(backend.database).add_store("S001", "Web shop store")
        secret = (
            PartnerKeyService(backend.database)
            .create(CLI_PRINCIPAL, "bench", list(SCOPES), rate_per_minute=1_000_000)
            .secret
        )
        WebhookService(backend.database).add(CLI_PRINCIPAL, receiver.url, ["points.earned"])
        server = Server(backend.url, Path(tmp), args.workers)
        server.start()
        try:
            result = run(server.url, secret, receiver, args)
        finally:
            server.stop()
            backend.close()
    result.update(
        db=args.db,
        workers=args.workers,
        concurrency=args.concurrency,
        cpu=cpu_model(),
        cores=os.cpu_count(),
        loadavg=os.getloadavg(),
    )
    print(json.dumps(result, indent=2))
    return 0


def run(base: str, secret: str, receiver: Receiver, args: argparse.Namespace) -> dict[str, Any]:
    auth = {"Authorization": f"Bearer {secret}"}
    members = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for n in range(args.members):
            made = client.post(
                "/partner/v1/members",
                json={
                    "store": "S001",
                    "name": f"Bench {n}",
                    "phone": f"1360000{n:04d}",
                    "consent_marketing": False,
                },
                headers={**auth, "Idempotency-Key": f"enrol-{n}"},
            )
            made.raise_for_status()
            members.append(made.json()["member_id"])

    latencies: list[float] = []
    sent: dict[str, tuple[float, float]] = {}  # event id -> (sent, answered)
    errors: list[int] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + args.seconds

    def client_loop(index: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            n = 0
            while time.monotonic() < stop_at:
                n += 1
                member = members[(index + n * args.concurrency) % len(members)]
                order = f"{index}-{n}-{uuid.uuid4().hex[:6]}"
                start = time.monotonic()
                answer = client.post(
                    f"/partner/v1/members/{member}/earn",
                    json={
                        "store": "S001",
                        "channel": "web",
                        "order_id": order,
                        "amount_cents": 5_000,
                        "currency": "CNY",
                    },
                    headers={**auth, "Idempotency-Key": order},
                )
                done = time.monotonic()
                with lock:
                    if answer.status_code == 200:
                        latencies.append(done - start)
                        sent[answer.json()["event_id"]] = (start, done)
                    else:
                        errors.append(answer.status_code)

    began = time.monotonic()
    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(args.concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(receiver.arrived.keys() & sent.keys()) < len(sent):
        time.sleep(0.05)
    upper = [receiver.arrived[e] - s for e, (s, _d) in sent.items() if e in receiver.arrived]
    lower = [receiver.arrived[e] - d for e, (_s, d) in sent.items() if e in receiver.arrived]
    return {
        "earn_calls": len(latencies),
        "earn_calls_per_second": round(len(latencies) / elapsed, 1),
        "earn_p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "earn_p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "errors": errors[:20],
        "webhooks_arrived": len(upper),
        "lag_from_call_p50_ms": round(percentile(upper, 0.50) * 1000, 1),
        "lag_from_call_p99_ms": round(percentile(upper, 0.99) * 1000, 1),
        "lag_from_answer_p50_ms": round(percentile(lower, 0.50) * 1000, 1),
        "lag_from_answer_p99_ms": round(percentile(lower, 0.99) * 1000, 1),
        "lag_mean_ms": round(statistics.fmean(lower) * 1000, 1) if lower else None,
    }


if __name__ == "__main__":
    raise SystemExit(main())
