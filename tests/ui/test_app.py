"""The composition root: ``run_gui(settings)`` opens the window on a fresh data directory
and returns when it closes; ``pos-terminal gui`` reaches it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from terminal import cli
from terminal.app import run_gui
from terminal.config import TerminalSettings
from terminal.ui.main_window import MainWindow


def test_run_gui_opens_the_sign_in_screen_and_exits(qtbot: QtBot, tmp_path: Path) -> None:
    seen: list[str] = []

    app = QApplication.instance()
    assert isinstance(app, QApplication)

    def inspect_and_exit() -> None:
        for window in app.topLevelWidgets():
            if isinstance(window, MainWindow) and window.isVisible():
                seen.append(type(window.current()).__name__)
                window.close()
                window.deleteLater()
        app.exit(0)  # not quit(): that closes every window and leaves the app "closing"

    quit_on_close = app.quitOnLastWindowClosed()
    app.setQuitOnLastWindowClosed(False)
    try:
        QTimer.singleShot(500, inspect_and_exit)
        assert run_gui(TerminalSettings(data_dir=tmp_path), language="en") == 0
    finally:
        app.setQuitOnLastWindowClosed(quit_on_close)
    assert seen == ["SignInScreen"]


def test_cli_offers_the_gui_command() -> None:
    parser = cli.build_parser(cli.REGISTRY)
    args = parser.parse_args(["gui", "--language", "zh_CN"])
    assert args.command == "gui" and args.language == "zh_CN"
