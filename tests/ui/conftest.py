"""A real window on real services over a fresh, seeded SQLite replica per test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from terminal.app import build_window, make_backend
from terminal.config import Argon2Params, TerminalSettings
from terminal.offline.credentials import CredentialStore
from terminal.offline.db import Replica
from terminal.offline.pins import PinHasher
from terminal.services import Services, build_services
from terminal.services.seed import SeedResult, seed_replica
from terminal.services.sync_store import SyncStore
from terminal.ui.main_window import MainWindow
from terminal.ui.theme import apply_theme

CHEAP_ARGON2 = Argon2Params(time_cost=1, memory_cost_kib=8, parallelism=1)


@dataclass
class UiTill:
    window: MainWindow
    services: Services
    seed: SeedResult
    replica: Replica


def make_replica(tmp_path: Path, *, online: bool = False, members: int = 8, page_size: int = 20):
    settings = TerminalSettings(
        data_dir=tmp_path, argon2=CHEAP_ARGON2, keyring_service="pos-ui-test", page_size=page_size
    )
    replica = Replica(settings.replica_path)
    credentials = CredentialStore(settings.keyring_service)
    seed = seed_replica(
        replica,
        credentials,
        PinHasher(time_cost=1, memory_cost_kib=8, parallelism=1),
        members=members,
    )
    SyncStore(replica).set_online(online)
    services = build_services(replica, settings, credentials=credentials)
    return settings, replica, services, seed


@pytest.fixture
def till(qtbot: QtBot, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[UiTill]:
    options = getattr(request, "param", {})
    settings, replica, services, seed = make_replica(tmp_path, **options)
    apply_theme(QApplication.instance())
    window = build_window(make_backend(settings, replica, services), language="en")
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    qtbot.waitUntil(window.isActiveWindow)
    yield UiTill(window, services, seed, replica)
    window.close()
    window.session.runner.wait_for_done(5000)
    replica.close()
