"""Lightweight simulated terminals for bench/load.py.

A simulated terminal keeps what a real one keeps, in memory: its pairing (terminal id,
token, member-code prefix), its seq counter, an outbox of protocol events built with the
shared rules, the members it knows (last server balance, lifetime points, version) and
its pull cursor. It pushes and pulls over HTTP exactly as `terminal.offline.sync_client`
does (same endpoints, headers and batch size), and settles acknowledgements as
`terminal.offline.push.apply_result` does (newer versions only).
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from shared.domain.member_code import next_member_code
from shared.domain.program import LoyaltyProgram
from shared.ids import uuid7

BATCH = 500
PULL_LIMIT = 2000


@dataclass
class Known:
    """A member as this terminal last heard it from the server (or enrolled it)."""

    balance: int
    lifetime: int
    version: int
    active: bool = True


@dataclass
class Pending:
    member_id: str
    points: int
    lifetime: int
    made_at: float = field(default_factory=time.monotonic)


@dataclass
class Stats:
    """Shared by every terminal of a run (one event loop: no locks needed)."""

    # Every request's latency, errors and timeouts included (no coordinated omission:
    # a request that failed after 30 s counts as 30 s); push_at: when each push ended.
    push_ms: list[float] = field(default_factory=list)
    push_at: list[float] = field(default_factory=list)
    pull_ms: list[float] = field(default_factory=list)
    # From the cashier's action to the server's acknowledgement of its event.
    ack_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    results: Counter[str] = field(default_factory=Counter)
    ops: Counter[str] = field(default_factory=Counter)
    pushed_events: int = 0
    pulled_changes: int = 0
    probes: int = 0  # health probes while the server was away (the till's reconnect)
    probe_ms: list[float] = field(default_factory=list)

    def error(self, kind: str) -> None:
        self.errors[kind] += 1

    def as_json(self) -> dict[str, Any]:
        """Plain data (dataclasses.asdict mangles Counters)."""
        return {
            "push_ms": self.push_ms,
            "push_at": self.push_at,
            "pull_ms": self.pull_ms,
            "ack_ms": self.ack_ms,
            "errors": dict(self.errors),
            "results": dict(self.results),
            "ops": dict(self.ops),
            "pushed_events": self.pushed_events,
            "pulled_changes": self.pulled_changes,
            "probes": self.probes,
            "probe_ms": self.probe_ms,
        }


class SyncFailed(Exception):
    def __init__(self, message: str, *, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable  # no HTTP answer at all: probe, as the till does


def _now() -> str:
    return datetime.now(UTC).isoformat()


class SimTerminal:
    def __init__(
        self,
        name: str,
        pairing: dict[str, Any],
        url: str,
        program: LoyaltyProgram,
        rng: random.Random,
        phone_block: int,
        client: httpx.AsyncClient,
    ) -> None:
        self.name = name
        self.client = client  # its own connection, as a real till has
        self.terminal_id: str = pairing["terminal_id"]
        self.token: str = pairing["token"]
        self.prefix: str = pairing["member_code_prefix"]
        self.url = url
        self.program = program
        self.rng = rng
        self.phone_block = phone_block  # unique per terminal: phones never collide
        self.seq = 0
        self.code_counter = 1
        self.outbox: list[dict[str, Any]] = []
        self.pending: dict[str, Pending] = {}
        self.created: dict[str, int] = {}  # event_id -> seq, every event ever made here
        self.outcomes: dict[str, str] = {}  # event_id -> "accepted" | "rejected:<code>"
        self.voidable: dict[str, Pending] = {}
        self.known: dict[str, Known] = {}
        self.cursor: str | None = None
        self.online = True
        self.offline_redeemed: Counter[str] = Counter()
        self.watermark = 0
        self.manager_id: str | None = None  # an active manager this till pulled
        self.outage_end = 0.0  # wall clock; the first empty outbox after it is drained_at
        self.drained_at: float | None = None

    # --- what a cashier does -----------------------------------------------------

    def headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.token}",
            "X-Terminal-Version": "load-sim",
            "Content-Type": "application/json",
        }

    def _record(
        self, type_: str, member_id: str, data: dict[str, Any], points: int, lifetime: int
    ) -> str:
        self.seq += 1
        event_id = str(uuid7())
        self.outbox.append(
            {
                "event_id": event_id,
                "terminal_id": self.terminal_id,
                "seq": self.seq,
                "type": type_,
                "occurred_at": _now(),
                "staff_id": self.manager_id if type_ == "event.voided" else None,
                "member_id": member_id,
                "data": data,
            }
        )
        self.created[event_id] = self.seq
        self.pending[event_id] = Pending(member_id, points, lifetime)
        return event_id

    def display(self, member_id: str) -> tuple[int, int]:
        """Balance and lifetime shown at the till: server figure + own pending events."""
        known = self.known[member_id]
        points = sum(p.points for p in self.pending.values() if p.member_id == member_id)
        life = sum(p.lifetime for p in self.pending.values() if p.member_id == member_id)
        return known.balance + points, known.lifetime + life

    def act(self, mix: dict[str, float]) -> str:
        """One cashier action drawn from the mix; returns what was done."""
        kind = self.rng.choices(list(mix), weights=list(mix.values()))[0]
        member_id = self._some_active_member()
        if kind == "enroll" or member_id is None:
            return self.enroll()
        if kind == "void" and self.voidable:
            return self.void()
        if kind == "redeem" and self.redeem(member_id):
            return "redeem"
        return self.earn(member_id)

    def _some_active_member(self) -> str | None:
        if not self.known:
            return None
        ids = list(self.known)
        for _ in range(20):
            member_id = self.rng.choice(ids)
            if self.known[member_id].active:
                return member_id
        return None

    def enroll(self) -> str:
        code, self.code_counter = next_member_code(self.prefix, self.code_counter)
        member_id = str(uuid7())
        phone = f"147{self.phone_block:04d}{self.code_counter % 10000:04d}"
        data = {
            "member_code": code,
            "name": f"Load {self.name} {self.code_counter}",
            "phone": phone,
            "consent_marketing": self.rng.random() < 0.5,
        }
        self._record("member.enrolled", member_id, data, 0, 0)
        self.known[member_id] = Known(0, 0, 0)
        return "enroll"

    def earn(self, member_id: str) -> str:
        amount = self.rng.randrange(500, 40_000)
        _, lifetime = self.display(member_id)
        points = self.program.points_for_sale(amount, lifetime)
        data = {
            "sale_ref": f"S{self.seq + 1}",
            "amount_cents": amount,
            "currency": "CNY",
            "points": points,
            "rule_version": self.program.rule_version,
        }
        event_id = self._record("points.earned", member_id, data, points, points)
        self.voidable[event_id] = Pending(member_id, points, points)
        return "earn"

    def redeem(self, member_id: str) -> bool:
        balance, _ = self.display(member_id)
        sale = self.rng.randrange(2_000, 60_000)
        today = None if self.online else self.offline_redeemed[member_id]
        limits = self.program.redeem_limits(
            balance=balance, sale_amount_cents=sale, offline_redeemed_today=today
        )
        if limits.max_points < limits.min_points:
            return False
        points = self.rng.randint(limits.min_points, limits.max_points)
        value = self.program.check_redeem(
            points, balance=balance, sale_amount_cents=sale, offline_redeemed_today=today
        )
        data = {
            "sale_ref": f"S{self.seq + 1}",
            "points": points,
            "value_cents": value,
            "sale_amount_cents": sale,
        }
        event_id = self._record("points.redeemed", member_id, data, -points, 0)
        self.voidable[event_id] = Pending(member_id, -points, 0)
        if not self.online:
            self.offline_redeemed[member_id] += points
        return True

    def void(self) -> str:
        target_id = self.rng.choice(list(self.voidable))
        target = self.voidable.pop(target_id)
        data = {"voided_event_id": target_id, "reason": "load test void"}
        self._record("event.voided", target.member_id, data, -target.points, -target.lifetime)
        return "void"

    # --- sync ----------------------------------------------------------------------

    async def sync(self, stats: Stats) -> None:
        """Push everything queued, then pull until nothing more; SyncFailed if it cannot."""
        try:
            pulled = False
            while self.outbox:
                pulled = await self._push(stats)
            if not pulled:
                await self._pull(stats)
        except httpx.HTTPError as exc:
            stats.error(f"transport:{type(exc).__name__}")
            self.online = False
            raise SyncFailed(str(exc), unreachable=True) from exc
        self.online = True

    async def probe(self, stats: Stats) -> bool:
        """``GET /v1/health`` as the till's loop probes while the server is away."""
        started = time.perf_counter()
        try:
            response = await self.client.get(self.url + "/v1/health", timeout=3.0)
        except httpx.HTTPError:
            return False
        finally:
            stats.probes += 1
            stats.probe_ms.append((time.perf_counter() - started) * 1000)
        return response.status_code == 200

    async def _push(self, stats: Stats) -> bool:
        """Push a batch; the last one carries the cursor, as the real till does, and its
        answer the pull page: True if that page was the last (no pull needed)."""
        batch = self.outbox[:BATCH]
        last = len(batch) == len(self.outbox) and self.cursor is not None
        body = json.dumps({"events": batch}).encode()
        depth = 0 if last else len(self.outbox)
        headers = {**self.headers(), "X-Queue-Depth": str(depth)}
        params: dict[str, str | int] = {"cursor": self.cursor, "limit": PULL_LIMIT} if last else {}
        started = time.perf_counter()
        try:
            response = await self.client.post(
                self.url + "/v1/events", content=body, headers=headers, params=params
            )
        finally:  # a timeout or a refused connection is a sample too
            stats.push_ms.append((time.perf_counter() - started) * 1000)
            stats.push_at.append(time.time())
        if response.status_code != 200:
            stats.error(f"push:{response.status_code}")
            self.online = False
            raise SyncFailed(f"push answered {response.status_code}: {response.text[:200]}")
        answer = response.json()
        results = answer["results"]
        if len(results) != len(batch):
            raise SyncFailed("wrong number of push results")
        for event, result in zip(batch, results, strict=True):
            self._settle(event, result, stats)
        self.watermark = max(self.watermark, int(answer["terminal_watermark"]))
        settled = {r["event_id"] for r in results}
        self.outbox = [e for e in self.outbox if e["event_id"] not in settled]
        stats.pushed_events += len(batch)
        if not self.outbox and self.drained_at is None and time.time() >= self.outage_end:
            self.drained_at = time.time()  # the backlog of an outage is through
        page = answer.get("pull")
        if page is None:
            return False
        self.apply_changes(page["changes"])
        stats.pulled_changes += len(page["changes"])
        self.cursor = page["cursor"]
        return not page["more"]

    def _settle(self, event: dict[str, Any], result: dict[str, Any], stats: Stats) -> None:
        event_id = event["event_id"]
        if result["event_id"] != event_id:
            raise SyncFailed("push results out of order")
        status = result["status"]
        pending = self.pending.pop(event_id, None)
        if pending is not None:
            stats.ack_ms.append((time.monotonic() - pending.made_at) * 1000)
        if status == "rejected":
            code = result.get("code") or "rejected"
            self.outcomes[event_id] = f"rejected:{code}"
            self.voidable.pop(event_id, None)
            stats.results[f"rejected:{code}"] += 1
            return
        self.outcomes[event_id] = "accepted"
        stats.results[status] += 1
        known = self.known.get(event["member_id"])
        if known is None or pending is None:
            return
        balance, version = result.get("member_balance"), result.get("member_version")
        if balance is not None and version is not None:
            if version > known.version:  # as apply_result: newer versions only
                known.balance, known.version = balance, version
                lifetime = result.get("member_lifetime_points")
                # The server's figure, as the till takes it (another store's void may
                # have lowered it meanwhile); folding the event in is for old servers.
                known.lifetime = known.lifetime + pending.lifetime if lifetime is None else lifetime
        else:
            known.balance += pending.points
            known.lifetime += pending.lifetime

    async def _pull(self, stats: Stats) -> None:
        while True:
            params: dict[str, str | int] = {"limit": PULL_LIMIT}
            if self.cursor:
                params["cursor"] = self.cursor
            started = time.perf_counter()
            try:
                response = await self.client.get(
                    self.url + "/v1/changes", params=params, headers=self.headers()
                )
            finally:
                stats.pull_ms.append((time.perf_counter() - started) * 1000)
            if response.status_code == 409:
                stats.error("pull:409 cursor_expired")
                self.cursor = None  # rebuild: forget the server's view, keep own events
                self.known = {m: Known(0, 0, 0) for m in self.known}
                continue
            if response.status_code != 200:
                stats.error(f"pull:{response.status_code}")
                raise SyncFailed(f"pull answered {response.status_code}")
            page = response.json()
            self.apply_changes(page["changes"])
            stats.pulled_changes += len(page["changes"])
            self.cursor = page["cursor"]
            if not page["more"]:
                return

    def apply_changes(self, changes: list[dict[str, Any]]) -> None:
        for change in changes:
            if change["entity"] == "staff" and change["op"] == "upsert":
                data = change["data"]
                if data.get("role") == "manager" and data.get("active", True):
                    self.manager_id = str(data["staff_id"])
            if change["entity"] != "member":
                continue
            member_id = change["id"]
            if change["op"] == "delete":
                self.known.pop(member_id, None)
                continue
            known = self.known.get(member_id)
            if known is not None and change["version"] <= known.version:
                continue
            data = change["data"]
            self.known[member_id] = Known(
                int(data["balance"]),
                int(data["lifetime_points"]),
                int(change["version"]),
                data.get("status", "active") == "active",
            )


def make_client() -> httpx.AsyncClient:
    """One small connection pool per terminal (httpcore scans its whole pool on every
    request: one pool for 500 terminals made the CLIENT the bottleneck)."""
    return httpx.AsyncClient(timeout=30.0, verify=False, limits=httpx.Limits(max_connections=2))


def percentile(samples: list[float], fraction: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def latency_summary(samples: list[float]) -> dict[str, float]:
    return {
        "n": len(samples),
        "p50_ms": round(percentile(samples, 0.50), 1),
        "p95_ms": round(percentile(samples, 0.95), 1),
        "p99_ms": round(percentile(samples, 0.99), 1),
        "max_ms": round(max(samples), 1) if samples else float("nan"),
    }


def merge_stats(parts: list[dict[str, Any]]) -> Stats:
    total = Stats()
    for part in parts:
        total.push_ms += part["push_ms"]
        total.push_at += part.get("push_at", [])
        total.pull_ms += part["pull_ms"]
        total.ack_ms += part.get("ack_ms", [])
        total.errors.update(part["errors"])
        total.results.update(part["results"])
        total.ops.update(part["ops"])
        total.pushed_events += part["pushed_events"]
        total.pulled_changes += part["pulled_changes"]
        total.probes += part.get("probes", 0)
        total.probe_ms += part.get("probe_ms", [])
    return total
