"""The till against a live sync server: pair from the settings screen, then events
queue while the server is down and the queue drains to zero once it is back."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from sync_server.config import Settings
from sync_server.db import Database
from sync_server.migrate import migrate
from terminal.app import build_window, make_backend, make_sync_control
from terminal.offline.credentials import CredentialStore
from terminal.ui.theme import apply_theme
from tests.sync_server.helpers import new_terminal
from tests.sync_server.live import ServerProcess
from tests.ui.conftest import UiTill, make_replica
from tests.ui.test_till import HUMAN_MS, sign_in

pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    db_url = f"sqlite:///{tmp_path / 'sync.db'}"
    database = Database(db_url, pool_size=2)
    migrate(database)
    settings = Settings(database_url=db_url, data_dir=tmp_path, maintenance_interval_seconds=0)
    _, pairing_code = new_terminal(database, settings)
    process = ServerProcess(db_url, tmp_path)
    process.start()
    try:
        yield process, pairing_code
    finally:
        process.stop()
        database.dispose()


def test_pair_then_queue_rises_offline_and_falls_to_zero(
    qtbot: QtBot, tmp_path: Path, server: tuple[ServerProcess, str]
) -> None:
    process, pairing_code = server
    settings, replica, services, seed = make_replica(tmp_path / "till")
    credentials = CredentialStore(settings.keyring_service)
    credentials.clear()  # a fresh till: staff and program on file, no identity secrets yet
    sync = make_sync_control(settings, replica, credentials)
    apply_theme(QApplication.instance())
    window = build_window(make_backend(settings, replica, services, sync=sync), language="en")
    qtbot.addWidget(window)
    window.show()
    till = UiTill(window, services, seed, replica)
    try:
        sign_in(qtbot, till, "M01", "999999")
        # Pair from the settings screen.
        qtbot.keyClick(window, Qt.Key.Key_F9)
        screen = window.settings
        screen.pair_server.clear()
        qtbot.keyClicks(screen.pair_server, process.url, delay=HUMAN_MS)
        qtbot.keyClicks(screen.pair_code, pairing_code, delay=HUMAN_MS)
        qtbot.mouseClick(screen.pair_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "Paired" in screen.pair_message.text(), timeout=15_000)
        qtbot.waitUntil(lambda: screen.server.text() == process.url, timeout=15_000)
        qtbot.waitUntil(lambda: "Online" in window.status.online_label.text(), timeout=15_000)
        # The server goes down: enroll offline and watch the queue rise.
        process.stop()
        qtbot.keyClick(window, Qt.Key.Key_F4)
        qtbot.keyClicks(window.enroll.name, "Live Test", delay=HUMAN_MS)
        qtbot.keyClicks(window.enroll.phone, "13900001111", delay=HUMAN_MS)
        qtbot.keyClick(window.enroll.phone, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: window.current() is window.card, timeout=15_000)
        qtbot.waitUntil(lambda: window.status.queued == 1, timeout=15_000)
        qtbot.waitUntil(lambda: "Offline" in window.status.online_label.text(), timeout=15_000)
        # The server is back: "Sync now" and watch the queue fall to zero.
        process.start()
        qtbot.keyClick(window, Qt.Key.Key_F9)
        qtbot.mouseClick(screen.sync_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: window.status.queued == 0 and "Online" in window.status.online_label.text(),
            timeout=40_000,
        )
        assert window.status.status is not None
        assert window.status.status.rejected == 0
    finally:
        sync.stop()
        window.close()
        window.session.runner.wait_for_done(5000)
        replica.close()
