"""The manager's "Close day" on the Reports screen: offline it explains and changes
nothing, against a live server it closes the day as matched, and a cashier cannot reach it.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from terminal.app import SyncControl, build_window, make_backend, make_sync_control
from terminal.offline.credentials import CredentialStore
from terminal.services.sync_store import SyncStore
from terminal.ui.screens.day_close import DayClosePanel
from terminal.ui.theme import apply_theme
from tests.sync_server.live import ServerProcess
from tests.ui.conftest import UiTill, make_replica
from tests.ui.test_live_sync import server  # noqa: F401  (the live server fixture)
from tests.ui.test_manager import earn, show_member
from tests.ui.test_till import sign_in


def _dead_url() -> str:
    """An address where nothing listens: head office is unreachable."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _synced_till(qtbot: QtBot, tmp_path: Path, *, fresh: bool) -> tuple[UiTill, SyncControl]:
    settings, replica, services, seed = make_replica(tmp_path / "till")
    credentials = CredentialStore(settings.keyring_service)
    if fresh:
        credentials.clear()  # no identity secrets yet: pair with the live server
    sync = make_sync_control(settings, replica, credentials)
    apply_theme(QApplication.instance())
    window = build_window(make_backend(settings, replica, services, sync=sync), language="en")
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    return UiTill(window, services, seed, replica), sync


@pytest.fixture
def offline_till(qtbot: QtBot, tmp_path: Path) -> Iterator[UiTill]:
    till, sync = _synced_till(qtbot, tmp_path, fresh=False)
    SyncStore(till.replica).set_server_url(_dead_url())
    yield till
    sync.stop()
    till.window.close()
    till.window.session.runner.wait_for_done(5000)
    till.replica.close()


def open_day_close(qtbot: QtBot, till: UiTill) -> DayClosePanel:
    qtbot.keyClick(till.window, Qt.Key.Key_F7)
    assert till.window.current() is till.window.reports
    panel = till.window.reports.day_close
    assert panel.close_button.isVisible()
    return panel


def preview_and_confirm(qtbot: QtBot, panel: DayClosePanel) -> None:
    qtbot.mouseClick(panel.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(panel.confirm_button.isVisible, timeout=10_000)
    assert "points earned" in panel.summary.text()
    qtbot.mouseClick(panel.confirm_button, Qt.MouseButton.LeftButton)


def test_closing_a_day_offline_explains_and_changes_nothing(
    qtbot: QtBot, offline_till: UiTill
) -> None:
    till = offline_till
    sign_in(qtbot, till, "M01", "999999")
    show_member(qtbot, till, 0)
    earn(qtbot, till, "80.00")
    panel = open_day_close(qtbot, till)
    qtbot.mouseClick(panel.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(panel.confirm_button.isVisible, timeout=10_000)
    assert "1 events" in panel.summary.text()
    assert "¥80.00" in panel.summary.text()
    qtbot.mouseClick(panel.confirm_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "cannot be reached" in panel.message.text(), timeout=20_000)
    assert "day was not closed" in panel.message.text()
    assert panel.message.property("role") == "error"
    assert panel.close_button.isVisible()
    assert not panel.confirm_button.isVisible()
    assert panel.history.rowCount() == 0
    assert till.window.session.backend.day_close is not None
    assert till.window.session.backend.day_close().history() == []


def test_cancel_leaves_the_day_open(qtbot: QtBot, offline_till: UiTill) -> None:
    sign_in(qtbot, offline_till, "M01", "999999")
    panel = open_day_close(qtbot, offline_till)
    qtbot.mouseClick(panel.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(panel.confirm_button.isVisible, timeout=10_000)
    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert panel.close_button.isVisible()
    assert panel.summary.text() == ""


def test_a_till_without_sync_explains_that_pairing_is_needed(qtbot: QtBot, till: UiTill) -> None:
    sign_in(qtbot, till, "M01", "999999")
    panel = open_day_close(qtbot, till)
    qtbot.mouseClick(panel.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "pair it in Settings" in panel.message.text())
    assert not panel.confirm_button.isVisible()


def test_a_cashier_cannot_reach_close_day(qtbot: QtBot, offline_till: UiTill) -> None:
    till = offline_till
    sign_in(qtbot, till)
    assert not till.window.nav["reports"].isVisible()
    qtbot.keyClick(till.window, Qt.Key.Key_F7)
    assert till.window.current() is till.window.checkout
    assert not till.window.reports.day_close.isVisible()


@pytest.mark.slow
def test_manager_closes_the_day_against_a_live_server(
    qtbot: QtBot,
    tmp_path: Path,
    server: tuple[ServerProcess, str],  # noqa: F811
) -> None:
    process, pairing_code = server
    till, sync = _synced_till(qtbot, tmp_path, fresh=True)
    try:
        sync.pair(process.url, pairing_code)
        sign_in(qtbot, till, "M01", "999999")
        show_member(qtbot, till, 0)
        earn(qtbot, till, "45.00")
        qtbot.waitUntil(lambda: till.window.status.queued == 0, timeout=40_000)
        panel = open_day_close(qtbot, till)
        preview_and_confirm(qtbot, panel)
        qtbot.waitUntil(lambda: "match" in panel.message.text(), timeout=20_000)
        assert "closed" in panel.message.text()
        assert panel.message.property("role") == "ok"
        qtbot.waitUntil(lambda: panel.history.rowCount() == 1, timeout=10_000)
        item = panel.history.item(0, 1)
        assert item is not None
        assert item.text() == "Matched"
    finally:
        sync.stop()
        till.window.close()
        till.window.session.runner.wait_for_done(5000)
        till.replica.close()
