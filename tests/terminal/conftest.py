"""Each test gets its own replica file in tmp_path, seeded like a paired terminal."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from terminal.config import Argon2Params, TerminalSettings
from terminal.offline.credentials import CredentialStore
from terminal.offline.db import Replica
from terminal.offline.pins import PinHasher
from terminal.services import Services, StaffSession, build_services
from terminal.services.seed import SeedResult, seed_replica
from terminal.services.sync_store import SyncStore

CHEAP_ARGON2 = Argon2Params(time_cost=1, memory_cost_kib=8, parallelism=1)


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now = self.now + timedelta(**delta)


@dataclass
class Till:
    replica: Replica
    settings: TerminalSettings
    services: Services
    sync: SyncStore
    seed: SeedResult
    clock: FakeClock
    credentials: CredentialStore

    def cashier(self) -> StaffSession:
        return self.services.staff.sign_in("C01", "1234")

    def manager(self) -> StaffSession:
        return self.services.staff.approve("M01", "999999")


def make_settings(tmp_path: Path) -> TerminalSettings:
    return TerminalSettings(data_dir=tmp_path, argon2=CHEAP_ARGON2, keyring_service="pos-test")


def make_till(tmp_path: Path, *, members: int = 6, online: bool = False) -> Till:
    settings = make_settings(tmp_path)
    replica = Replica(settings.replica_path)
    clock = FakeClock(datetime(2026, 3, 10, 4, 0, tzinfo=UTC))  # 12:00 in Shanghai
    credentials = CredentialStore(settings.keyring_service)
    seed = seed_replica(
        replica,
        credentials,
        PinHasher(time_cost=1, memory_cost_kib=8, parallelism=1),
        members=members,
    )
    sync = SyncStore(replica, clock=clock)
    sync.set_online(online)
    services = build_services(replica, settings, clock=clock, credentials=credentials)
    return Till(replica, settings, services, sync, seed, clock, credentials)


@pytest.fixture
def till(tmp_path: Path) -> Iterator[Till]:
    t = make_till(tmp_path)
    try:
        yield t
    finally:
        t.replica.close()


TABLES = (
    "members",
    "coupons",
    "staff",
    "program_versions",
    "store_settings",
    "terminal_state",
    "local_events",
    "outbox",
    "retired_codes",
)


def snapshot(replica: Replica) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, to check that a refusal changed nothing."""
    with replica.engine.connect() as conn:
        return {
            table: sorted(
                (tuple(row) for row in conn.exec_driver_sql(f"SELECT * FROM {table}")), key=repr
            )
            for table in TABLES
        }
