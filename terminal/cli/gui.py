"""``pos-terminal gui``: the cashier and manager window (``terminal.app.run_gui``)."""

from __future__ import annotations

import argparse

from terminal.app import run_gui
from terminal.cli.base import Subcommand, arg
from terminal.config import TerminalSettings


def cmd_gui(args: argparse.Namespace, settings: TerminalSettings) -> int:
    return run_gui(settings, language=args.language, kiosk=args.kiosk)


COMMANDS = (
    Subcommand(
        "gui",
        "open the cashier and manager window",
        cmd_gui,
        (
            arg("--language", choices=("en", "zh_CN"), default=None),
            arg(
                "--kiosk",
                action="store_true",
                default=None,
                help="full screen, for a till without a window manager (setting: kiosk)",
            ),
        ),
    ),
)
