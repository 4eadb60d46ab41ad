"""A seeded till with its backend, for the screenshots, the X11 tests and benchmarks.

Built like the product (``terminal.app``'s composition), on a replica seeded the way
pairing and a first pull would fill it (``terminal.services.seed``). The seed stores a
phone key in the keyring: install an in-memory keyring first.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from shared.protocol import PushResult
from terminal.app import make_backend, make_sync_control
from terminal.config import Argon2Params, TerminalSettings
from terminal.offline.credentials import CredentialStore
from terminal.offline.db import Replica
from terminal.offline.pins import PinHasher
from terminal.services import Services, build_services
from terminal.services.seed import SeedResult, seed_replica
from terminal.services.sync_store import SyncStore
from terminal.ui.backend import Backend


@dataclass(frozen=True, slots=True)
class DemoTill:
    settings: TerminalSettings
    replica: Replica
    services: Services
    seed: SeedResult
    backend: Backend


def build_demo_till(data_dir: Path, *, members: int = 12, online: bool = False) -> DemoTill:
    """A seeded replica in ``data_dir`` and the backend a window is built on."""
    cheap = Argon2Params(time_cost=1, memory_cost_kib=8, parallelism=1)
    settings = TerminalSettings(data_dir=data_dir, argon2=cheap, keyring_service="pos-demo")
    replica = Replica(settings.replica_path)
    credentials = CredentialStore(settings.keyring_service)
    seed = seed_replica(
        replica, credentials, PinHasher(time_cost=1, memory_cost_kib=8, parallelism=1),
        members=members,
    )  # fmt: skip
    SyncStore(replica).set_online(online)
    services = build_services(replica, settings, credentials=credentials)
    sync = make_sync_control(settings, replica, credentials)  # built, never started here
    return DemoTill(
        settings, replica, services, seed, make_backend(settings, replica, services, sync=sync)
    )


def add_sample_activity(till: DemoTill) -> None:
    """A morning of sales, a redemption and one event the server rejected (for screenshots)."""
    services, seed = till.services, till.seed
    cashier = services.staff.sign_in("C01", "1234")
    for index, member in enumerate(seed.members[:8]):
        services.sales.earn(
            cashier, member.member_id, amount_cents=2_580 * (index + 1), sale_ref=f"R{index:04d}"
        )
    rich = max(seed.members, key=lambda m: m.balance)
    services.sales.redeem(
        cashier, rich.member_id, points=300, sale_amount_cents=8_000, sale_ref="R0100"
    )
    bad = services.sales.earn(
        cashier, seed.members[2].member_id, amount_cents=9_900, sale_ref="R0200"
    )
    SyncStore(till.replica).apply_push_results(
        [PushResult(event_id=uuid.UUID(bad.event_id), status="rejected", code="points_mismatch")]
    )
