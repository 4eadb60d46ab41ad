"""``pos-terminal``: console commands of the terminal.

Every command is listed below, in ``REGISTRY``, from the ``COMMANDS`` of its module
(nothing joins by being imported). To add one, write its handler and its
``Subcommand`` in a module of this package (or an existing one) and list that module's
``COMMANDS`` here. A handler gets the parsed arguments and the one settings object and
returns the exit status; it opens the replica with ``terminal.app.open_replica`` and
calls services only (an import-linter contract keeps ``terminal.offline`` out).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from shared.errors import DomainError
from terminal.cli import day_close, gui, local, ops, sync
from terminal.cli.base import Arg, Handler, Subcommand, arg, terminal_version
from terminal.config import TerminalSettings


def registry(*tables: Iterable[Subcommand]) -> dict[str, Subcommand]:
    """Commands by name; a name listed twice is a programming error."""
    commands: dict[str, Subcommand] = {}
    for table in tables:
        for command in table:
            if command.name in commands:
                raise ValueError(f"pos-terminal {command.name} is listed twice")
            commands[command.name] = command
    return commands


REGISTRY: dict[str, Subcommand] = registry(
    local.COMMANDS,  # init, status
    sync.COMMANDS,  # pair, sync
    day_close.COMMANDS,  # day-close
    ops.COMMANDS,  # rebuild-replica, backup
    gui.COMMANDS,  # gui
)


def build_parser(commands: dict[str, Subcommand]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pos-terminal", description="Console commands of the POS member terminal."
    )
    parser.add_argument("--data-dir", type=Path, help="where the replica lives")
    parser.add_argument(
        "--config", type=Path, help="TOML settings file (default: $POS_TERMINAL_CONFIG)"
    )
    parser.add_argument("--version", action="version", version=f"pos-terminal {terminal_version()}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for entry in sorted(commands.values(), key=lambda e: e.name):
        sub = subparsers.add_parser(entry.name, help=entry.help, description=entry.help)
        for option in entry.args:
            sub.add_argument(*option.flags, **option.options)
        sub.set_defaults(handler=entry.handler)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser(REGISTRY).parse_args(argv)
    try:
        settings = TerminalSettings.load(args.config)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error [bad_config]: {exc}", file=sys.stderr)
        return 2
    if args.data_dir is not None:
        settings = settings.model_copy(update={"data_dir": args.data_dir})
    try:
        handler: Handler = args.handler
        return handler(args, settings)
    except DomainError as exc:
        print(f"error [{exc.code}]: {exc.message}", file=sys.stderr)
        return 2


__all__ = ["REGISTRY", "Arg", "Handler", "Subcommand", "arg", "build_parser", "main", "registry"]
