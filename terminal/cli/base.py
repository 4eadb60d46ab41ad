"""What every ``pos-terminal`` command is made of: its arguments, its help and a handler.

A handler gets the parsed arguments and the one settings object and returns the exit
status. Each command module lists its commands in ``COMMANDS``; ``terminal.cli`` lists
the modules (nothing registers itself on import).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from terminal.config import TerminalSettings

Handler = Callable[[argparse.Namespace, TerminalSettings], int]


@dataclass(frozen=True)
class Arg:
    flags: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)


def arg(*flags: str, **options: Any) -> Arg:
    """One ``add_argument`` call: ``arg("--json", action="store_true")``."""
    return Arg(flags, options)


@dataclass(frozen=True)
class Subcommand:
    name: str
    help: str
    handler: Handler
    args: tuple[Arg, ...] = ()


def terminal_version() -> str:
    try:
        return version("pos-member-terminal")
    except PackageNotFoundError:  # running from a source tree
        return "0+src"
