"""``pos-terminal pair`` and ``pos-terminal sync``: talking to head office from a shell."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict

from terminal.app import open_replica
from terminal.cli.base import Subcommand, arg, terminal_version
from terminal.config import TerminalSettings
from terminal.services.day_close import day_close_for
from terminal.services.sync import LoopState, SyncService


@contextmanager
def sync_service(settings: TerminalSettings) -> Iterator[SyncService]:
    """The sync service of this till's replica, reporting this release's version."""
    with open_replica(settings) as replica:
        yield SyncService(replica, settings, version=terminal_version())


def cmd_pair(args: argparse.Namespace, settings: TerminalSettings) -> int:
    with sync_service(settings) as service:
        paired = service.pair(args.server, args.code, device_name=args.device_name)
    if args.json:
        print(json.dumps(asdict(paired)))
    else:
        print(
            f"paired: terminal {paired.terminal_id} of store {paired.store_code} "
            f"(member codes {paired.member_code_prefix}...) with {paired.server_url}"
        )
    return 0


def cmd_sync(args: argparse.Namespace, settings: TerminalSettings) -> int:
    with sync_service(settings) as service:
        if args.once:
            report = service.sync_once()
            status = service.status()
            out = {"report": asdict(report), "pending": status.pending, "rejected": status.rejected}
            if args.json:
                print(json.dumps(out))
            else:
                print(
                    f"pushed {report.pushed} (accepted {report.accepted}, duplicate "
                    f"{report.duplicates}, rejected {report.rejected}), pulled {report.pulled}; "
                    f"{status.pending} still queued, {status.rejected} rejected in total"
                )
            return 0
        return _run_forever(service, args.interval)


def _run_forever(service: SyncService, interval: float) -> int:
    stopped = threading.Event()
    revoked: list[str] = []

    def report(state: LoopState) -> None:
        if state.stopped:
            revoked.append(state.message or "stopped")
            stopped.set()
        line = "online" if state.online else f"offline: {state.message}"
        print(f"sync: {line}", file=sys.stderr, flush=True)

    closer = day_close_for(service)
    loop = service.loop(interval=interval, on_state=report, after_cycle=closer.close_due)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopped.set())
    loop.start()
    stopped.wait()
    loop.stop()
    if revoked:
        print(f"error [terminal_revoked]: {revoked[0]}", file=sys.stderr)
        return 3
    return 0


COMMANDS = (
    Subcommand(
        "pair",
        "pair this terminal with the sync server using a one-time code from head office",
        cmd_pair,
        (
            arg("--server", required=True, help="sync server address, e.g. https://sync.example"),
            arg("--code", required=True, help="the pairing code"),
            arg("--device-name", default=None, help="name shown at head office"),
            arg("--json", action="store_true", help="machine-readable output"),
        ),
    ),
    Subcommand(
        "sync",
        "push queued events and pull changes (once, or every few seconds until stopped)",
        cmd_sync,
        (
            arg("--once", action="store_true", help="one cycle, then exit"),
            arg("--interval", type=float, default=5.0, help="seconds between cycles"),
            arg("--json", action="store_true", help="machine-readable output"),
        ),
    ),
)
