"""The composition root: ``run_gui(settings)`` opens the window on a fresh data directory
and returns when it closes; ``pos-terminal gui`` reaches it."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from terminal import cli
from terminal.app import build_window, make_backend, run_gui
from terminal.config import TerminalSettings
from terminal.ui.main_window import MainWindow
from tests.ui.conftest import make_replica


def test_run_gui_opens_the_sign_in_screen_and_exits(qtbot: QtBot, tmp_path: Path) -> None:
    seen: list[str] = []

    app = QApplication.instance()
    assert isinstance(app, QApplication)

    def inspect_and_exit() -> None:
        for window in app.topLevelWidgets():
            if isinstance(window, MainWindow) and window.isVisible():
                seen.append(type(window.current()).__name__)
                seen.append(str(window.lock_timer.interval()))
                window.close()
                window.deleteLater()
        app.exit(0)  # not quit(): that closes every window and leaves the app "closing"

    quit_on_close = app.quitOnLastWindowClosed()
    app.setQuitOnLastWindowClosed(False)
    try:
        QTimer.singleShot(500, inspect_and_exit)
        settings = TerminalSettings(data_dir=tmp_path, auto_lock_seconds=42)
        assert run_gui(settings, language="en") == 0
    finally:
        app.setQuitOnLastWindowClosed(quit_on_close)
    assert seen == ["SignInScreen", "42000"]


def test_cli_offers_the_gui_command() -> None:
    parser = cli.build_parser(cli.REGISTRY)
    args = parser.parse_args(["gui", "--language", "zh_CN"])
    assert args.command == "gui"
    assert args.language == "zh_CN"


def test_the_window_starts_in_the_language_chosen_on_this_terminal(
    qtbot: QtBot, tmp_path: Path
) -> None:
    settings, replica, services, _seed = make_replica(tmp_path)
    backend = make_backend(settings, replica, services)
    try:
        window = build_window(backend)  # nobody chose: the store's language (zh_CN)
        qtbot.addWidget(window)
        assert window.languages.language == "zh_CN"
        window.set_language("en")
        qtbot.waitUntil(lambda: services.store.language() == "en")
        window.close()
        again = build_window(backend)  # the choice made here wins over the store's
        qtbot.addWidget(again)
        assert again.languages.language == "en"
        again.close()
    finally:
        QApplication.instance().processEvents()
        replica.close()


def test_auto_lock_is_at_least_15_seconds() -> None:
    assert TerminalSettings().auto_lock_seconds == 180
    with pytest.raises(ValidationError):
        TerminalSettings(auto_lock_seconds=5)
