"""Full terminals for bench/load.py: a real replica, the real cashier services and the
real sync engine (`SyncService.sync_once`), each driven from its own thread."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import keyring
from sqlalchemy import text

from shared.errors import DomainError
from terminal.config import Argon2Params, TerminalSettings
from terminal.offline.credentials import ProcessKeyring
from terminal.offline.db import Replica
from terminal.services import Services, StaffSession, build_services
from terminal.services.sync import SyncService

CASHIER = ("C001", "1111")
MANAGER = ("M001", "123456")


def use_memory_keyring() -> None:
    if not isinstance(keyring.get_keyring(), ProcessKeyring):
        keyring.set_keyring(ProcessKeyring())


class RealTill:
    def __init__(self, name: str, workdir: Path, server_url: str, pairing_code: str) -> None:
        self.name = name
        settings = TerminalSettings(
            data_dir=workdir / name,
            keyring_service=f"pos-load-{uuid.uuid4().hex[:8]}",
            argon2=Argon2Params(time_cost=1, memory_cost_kib=8, parallelism=1),
        )
        self.replica = Replica(settings.replica_path)
        self.sync = SyncService(self.replica, settings, version="load-real")
        pairing = self.sync.pair(server_url, pairing_code, device_name=name)
        self.terminal_id = pairing.terminal_id
        self.sync.sync_once()
        self.services: Services = build_services(
            self.replica, settings, credentials=self.sync.credentials
        )
        self.cashier: StaffSession = self.services.staff.sign_in(*CASHIER)
        self.manager: StaffSession = self.services.staff.sign_in(*MANAGER)
        self.rng = random.Random(name)
        self.sync_ms: list[float] = []
        self.errors: Counter[str] = Counter()
        self.ops: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()  # refused at the till (a rule), no event
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def point_at(self, url: str) -> None:
        self.sync.store.set_server_url(url)

    # --- the till's day -------------------------------------------------------------

    def _member_ids(self) -> list[str]:
        with self.replica.read() as session:
            rows = session.execute(
                text("SELECT member_id FROM members WHERE status = 'active' LIMIT 5000")
            ).all()
        return [str(r[0]) for r in rows]

    def _voidable(self) -> list[str]:
        with self.replica.read() as session:
            rows = session.execute(
                text(
                    "SELECT event_id FROM local_events WHERE voided_by IS NULL "
                    "AND status != 'rejected' AND type IN ('points.earned', 'points.redeemed')"
                )
            ).all()
        return [str(r[0]) for r in rows]

    def act(self, mix: dict[str, float]) -> None:
        kind = self.rng.choices(list(mix), weights=list(mix.values()))[0]
        try:
            if kind == "enroll":
                self.services.enrollment.enroll(
                    self.cashier,
                    name=f"Real {self.name} {self.rng.randrange(10**6)}",
                    phone=f"1760{self.rng.randrange(10**7):07d}",
                    consent_marketing=True,
                )
            elif kind == "void" and (targets := self._voidable()):
                self.services.manager.void(
                    self.manager, self.rng.choice(targets), reason="load test void"
                )
            else:
                member = self.services.lookup.member(self.rng.choice(self._member_ids()))
                sale = self.rng.randrange(2_000, 60_000)
                ref = uuid.uuid4().hex[:12]
                limits = self.services.sales.redeem_limits(member.member_id, sale_amount_cents=sale)
                if kind == "redeem" and limits.max_points >= limits.min_points:
                    points = self.rng.randint(limits.min_points, limits.max_points)
                    self.services.sales.redeem(
                        self.cashier,
                        member.member_id,
                        points=points,
                        sale_amount_cents=sale,
                        sale_ref=ref,
                    )
                    kind = "redeem"
                else:
                    self.services.sales.earn(
                        self.cashier, member.member_id, amount_cents=sale, sale_ref=ref
                    )
                    kind = "earn"
            self.ops[kind] += 1
        except DomainError as exc:  # e.g. a phone already enrolled: the till says no
            self.refused[exc.code] += 1

    def sync_now(self) -> bool:
        started = time.perf_counter()
        try:
            self.sync.sync_once()
        except DomainError as exc:
            self.errors[str(exc.params.get("reason", exc.code))] += 1
            return False
        self.sync_ms.append((time.perf_counter() - started) * 1000)
        return True

    def _run(self, seconds: float, op_interval: float, mix: dict[str, float]) -> None:
        deadline = time.monotonic() + seconds
        next_sync = time.monotonic() + self.rng.uniform(0, 5)
        next_op = time.monotonic() + self.rng.expovariate(1 / op_interval)
        while not self._stop.is_set() and time.monotonic() < deadline:
            wait = min(next_sync, next_op, deadline) - time.monotonic()
            if wait > 0 and self._stop.wait(wait):
                return
            now = time.monotonic()
            if now >= next_op:
                self.act(mix)
                next_op = now + self.rng.expovariate(1 / op_interval)
            if now >= next_sync:
                self.sync_now()
                next_sync = time.monotonic() + 5 * self.rng.uniform(0.8, 1.2)

    def start(self, seconds: float, op_interval: float, mix: dict[str, float]) -> None:
        self._thread = threading.Thread(
            target=self._run, args=(seconds, op_interval, mix), name=self.name, daemon=True
        )
        self._thread.start()

    def join(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=120)

    # --- what the checks read ----------------------------------------------------------

    def events(self) -> dict[str, int]:
        with self.replica.read() as session:
            rows = session.execute(text("SELECT event_id, seq FROM local_events")).all()
        return {str(r[0]): int(r[1]) for r in rows}

    def statuses(self) -> dict[str, str]:
        with self.replica.read() as session:
            rows = session.execute(text("SELECT event_id, status FROM local_events")).all()
        return {str(r[0]): str(r[1]) for r in rows}

    def balances(self) -> dict[str, tuple[int, int]]:
        """member_id -> (server balance held, pending points) as the replica has them."""
        with self.replica.read() as session:
            rows = session.execute(
                text(
                    "SELECT m.member_id, m.balance, COALESCE(SUM(e.points_delta), 0) "
                    "FROM members m LEFT JOIN local_events e ON e.member_id = m.member_id "
                    "AND e.status = 'pending' GROUP BY m.member_id, m.balance"
                )
            ).all()
        return {str(r[0]): (int(r[1]), int(r[2])) for r in rows}

    def pending(self) -> int:
        return int(self.sync.status().pending)

    def close(self) -> None:
        self.replica.close()
