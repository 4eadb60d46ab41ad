"""The till against a live sync server: events queue while offline, then the queue
drains to zero once the server is up and the till is paired."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from sync_server.db import Database
from sync_server.migrate import migrate
from terminal.app import build_window, make_backend, make_sync_loop
from terminal.offline.credentials import CredentialStore
from terminal.offline.sync import SyncStore
from terminal.offline.sync_client import SyncClient
from terminal.ui.theme import apply_theme
from tests.sync_server.helpers import new_terminal
from tests.sync_server.live import ServerProcess
from tests.ui.conftest import make_replica
from tests.ui.test_till import HUMAN_MS, sign_in

pytestmark = pytest.mark.slow


def test_queue_rises_offline_then_falls_to_zero(qtbot: QtBot, tmp_path: Path) -> None:
    from sync_server.config import Settings

    db_url = f"sqlite:///{tmp_path / 'sync.db'}"
    database = Database(db_url, pool_size=2)
    migrate(database)
    server_settings = Settings(
        database_url=db_url, data_dir=tmp_path, maintenance_interval_seconds=0
    )
    _, pairing_code = new_terminal(database, server_settings)
    server = ServerProcess(db_url, tmp_path)
    server.start()
    try:
        settings, replica, services, _seed = make_replica(tmp_path / "till")
        settings = settings.model_copy(update={"server_url": server.url})
        paired = SyncClient(server.url, lambda: None).pair(pairing_code, "Till 1")
        SyncStore(replica).set_identity(
            terminal_id=str(paired.terminal_id),
            store_code=paired.store_code,
            member_code_prefix=paired.member_code_prefix,
        )
        credentials = CredentialStore(settings.keyring_service)
        credentials.set_token(paired.token)
        credentials.set_phone_hash_key(paired.phone_hash_key)
        loop = make_sync_loop(settings, replica, credentials)
        assert loop is not None
        apply_theme(QApplication.instance())
        backend = make_backend(settings, replica, services, sync_now=loop.trigger)
        window = build_window(backend, language="en")
        qtbot.addWidget(window)
        window.show()
        from tests.ui.conftest import UiTill

        till = UiTill(window, services, _seed, replica)
        sign_in(qtbot, till)
        # Offline: enroll a member; the event waits in the queue.
        qtbot.keyClick(window, Qt.Key.Key_F4)
        qtbot.keyClicks(window.enroll.name, "Live Test", delay=HUMAN_MS)
        qtbot.keyClicks(window.enroll.phone, "13900001111", delay=HUMAN_MS)
        qtbot.keyClick(window.enroll.phone, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: window.current() is window.card)
        qtbot.waitUntil(lambda: window.status.queued >= 1)
        assert "Offline" in window.status.online_label.text()
        # The server is up: start syncing and watch the queue fall to zero.
        loop.start()
        try:
            qtbot.waitUntil(
                lambda: window.status.queued == 0 and "Online" in window.status.online_label.text(),
                timeout=20_000,
            )
            assert window.status.status is not None and window.status.status.rejected == 0
        finally:
            loop.stop()
        window.close()
        window.session.runner.wait_for_done(5000)
        replica.close()
    finally:
        server.stop()
        database.dispose()
