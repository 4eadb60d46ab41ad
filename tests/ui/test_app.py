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

    def inspect_and_quit() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        for window in windows:
            if window.isVisible():
                seen.append(type(window.current()).__name__)
                window.close()
        QApplication.instance().quit()

    QTimer.singleShot(500, inspect_and_quit)
    assert run_gui(TerminalSettings(data_dir=tmp_path), language="en") == 0
    assert seen == ["SignInScreen"]


def test_cli_offers_the_gui_command() -> None:
    parser = cli.build_parser(cli.REGISTRY)
    args = parser.parse_args(["gui", "--language", "zh_CN"])
    assert args.command == "gui" and args.language == "zh_CN"
