"""Contract tests: a real terminal (replica, services, sync client) against a real
`sync-server serve` process on loopback, on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sync_server.config import Settings
from sync_server.db import Database
from sync_server.migrate import migrate
from sync_server.services.seed import DEMO_STAFF, SeedService
from terminal.config import Argon2Params, TerminalSettings
from terminal.offline.db import Replica
from terminal.services import Services, StaffSession, build_services
from terminal.services.sync import SyncService
from tests.sync_server.conftest import db_url, postgres_available  # noqa: F401  (fixtures)
from tests.sync_server.helpers import new_terminal
from tests.sync_server.live import ServerProcess

CASHIER = next((code, pin) for code, _name, role, pin in DEMO_STAFF if role == "cashier")
MANAGER = next((code, pin) for code, _name, role, pin in DEMO_STAFF if role == "manager")


@dataclass
class HeadOffice:
    database: Database
    settings: Settings
    server: ServerProcess

    def new_pairing_code(self, name: str) -> str:
        return new_terminal(self.database, self.settings, name=name)[1]


@dataclass
class Till:
    name: str
    replica: Replica
    services: Services
    sync: SyncService
    cashier: StaffSession

    def point_at(self, url: str) -> None:
        self.sync.store.set_server_url(url)

    def balance(self, member_code: str) -> int:
        return self.services.lookup.by_code(member_code).balance


@pytest.fixture
def head_office(db_url: str, tmp_path: Path) -> Iterator[HeadOffice]:  # noqa: F811
    settings = Settings(database_url=db_url, data_dir=tmp_path, maintenance_interval_seconds=0)
    database = Database(db_url, pool_size=2)
    migrate(database)
    SeedService(database).seed(40, store_code="S001", rng_seed=7)
    server = ServerProcess(db_url, tmp_path)
    server.start()
    try:
        yield HeadOffice(database, settings, server)
    finally:
        server.stop()
        database.dispose()


@pytest.fixture
def make_till(head_office: HeadOffice, tmp_path: Path) -> Callable[[str], Till]:
    """A paired, synced till with its own replica and its own keyring entry."""
    tills: list[Till] = []

    def make(name: str) -> Till:
        settings = TerminalSettings(
            data_dir=tmp_path / name,
            keyring_service=f"pos-test-{uuid.uuid4().hex[:8]}",
            argon2=Argon2Params(time_cost=1, memory_cost_kib=8, parallelism=1),
        )
        replica = Replica(settings.replica_path)
        sync = SyncService(replica, settings)
        sync.pair(head_office.server.url, head_office.new_pairing_code(name), device_name=name)
        sync.sync_once()  # store, program, staff and members arrive
        services = build_services(replica, settings, credentials=sync.credentials)
        cashier = services.staff.sign_in(*CASHIER)
        till = Till(name, replica, services, sync, cashier)
        tills.append(till)
        return till

    return make


DEAD_URL = "http://127.0.0.1:9"  # discard port: nothing listens, connections are refused
