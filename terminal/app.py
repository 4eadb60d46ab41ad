"""Composition root: settings -> replica -> services -> window.

``terminal/cli.py`` starts the GUI with ``run_gui(settings)``; tests, screenshots and the
benchmark use ``build_window`` with a replica of their own. Nothing here holds module
state: every object is built from the settings passed in.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from shared.domain.program import LoyaltyProgram
from shared.errors import DomainError
from terminal.config import TerminalSettings
from terminal.offline.credentials import CredentialStore
from terminal.offline.db import Replica
from terminal.offline.repositories import (
    ProgramRepository,
    StoreRepository,
    TerminalStateRepository,
)
from terminal.services import Services, build_services

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReplicaFacts:
    """Store and program facts for the UI until the services expose them (read-only)."""

    replica: Replica
    settings: TerminalSettings

    def store_info(self) -> Any:
        from terminal.offline.sync import SyncStore
        from terminal.ui.backend import StoreInfo

        server_url = SyncStore(self.replica).server_url() or self.settings.server_url
        with self.replica.read() as session:
            store = StoreRepository(session).get()
            state = TerminalStateRepository(session).get()
            if store is None:
                return StoreInfo(terminal_id=state.terminal_id or "", server_url=server_url)
            return StoreInfo(
                store_code=store.store_code,
                name=store.name,
                currency=store.currency,
                language=store.language,
                terminal_id=state.terminal_id or "",
                server_url=server_url,
            )

    def program(self) -> LoyaltyProgram:
        with self.replica.read() as session:
            return ProgramRepository(session).current()


class SyncControl:
    """The background sync loop of ``SyncService``: started once paired, poked after a sale.

    The service (and httpx behind it) is built on first use, off the start-up path.
    """

    def __init__(self, make_service: Callable[[], Any], *, interval: float = 5.0) -> None:
        self._make_service = make_service
        self._service: Any = None
        self.interval = interval
        self._loop: Any = None
        self._lock = threading.Lock()

    @property
    def sync(self) -> Any:
        with self._lock:
            if self._service is None:
                self._service = self._make_service()
            return self._service

    def start(self) -> bool:
        """Start syncing if the terminal is paired; False if it is not (yet)."""
        service = self.sync
        with self._lock:
            if self._loop is None:
                try:
                    self._loop = service.loop(interval=self.interval)
                except DomainError as error:
                    log.info("sync not started: %s", error)
                    return False
                self._loop.start()
            return True

    def trigger(self) -> None:
        loop = self._loop
        if loop is not None:
            loop.trigger()

    def stop(self) -> None:
        with self._lock:
            loop, self._loop = self._loop, None
        if loop is not None:
            loop.stop()

    def pair(self, server_url: str, pairing_code: str) -> Any:
        """Pair (off the GUI thread), then start syncing at once."""
        paired = self.sync.pair(server_url, pairing_code)
        self.start()
        return paired


def make_sync_control(
    settings: TerminalSettings, replica: Replica, credentials: CredentialStore
) -> SyncControl:
    def make_service() -> Any:
        from terminal.services.sync import SyncService

        return SyncService(replica, settings, credentials=credentials)

    return SyncControl(make_service)


def make_backend(
    settings: TerminalSettings,
    replica: Replica,
    services: Services,
    *,
    sync: SyncControl | None = None,
) -> Any:
    from terminal.ui.backend import Backend
    from terminal.ui.reporting import build_report

    facts = ReplicaFacts(replica, settings)

    def report(date_from: date, date_to: date) -> Any:
        return build_report(services, date_from, date_to)

    return Backend(
        services=services,
        store_info=facts.store_info,
        program=facts.program,
        report=report,
        sync_now=sync.trigger if sync is not None else (lambda: None),
        pair=sync.pair if sync is not None else None,
    )


def build_window(backend: Any, *, language: str | None = None, auto_lock_seconds: int = 180) -> Any:
    """The main window on ``backend``; a QApplication must exist. Store facts load at once."""
    from PySide6.QtWidgets import QApplication

    from terminal.ui.i18n import LanguageManager, system_language
    from terminal.ui.main_window import MainWindow
    from terminal.ui.session import TillSession
    from terminal.ui.worker import Runner

    app = QApplication.instance()
    assert app is not None, "create the QApplication first"
    runner = Runner()
    session = TillSession(backend, runner)
    runner.setParent(session)
    languages = LanguageManager(app, session)
    store = backend.store_info()
    session.set_store(store, backend.program())
    languages.set_language(language or store.language or system_language())
    window = MainWindow(session, languages, auto_lock_seconds=auto_lock_seconds)
    session.setParent(window)
    return window


def make_application(argv: list[str] | None = None) -> Any:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from terminal.ui.theme import apply_theme

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else None
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
        app = QApplication(argv if argv is not None else sys.argv[:1])
        app.setApplicationName("pos-terminal")
        app.setOrganizationName("pos-member-terminal")
    apply_theme(app)
    return app


@dataclass(frozen=True, slots=True)
class DemoTill:
    settings: TerminalSettings
    replica: Replica
    services: Services
    seed: Any
    backend: Any


def build_demo_till(data_dir: Path, *, members: int = 12, online: bool = False) -> DemoTill:
    """A seeded replica in ``data_dir`` (for screenshots, benchmarks and tests).

    The seed stores a phone key in the keyring: install an in-memory keyring first.
    """
    from terminal.config import Argon2Params
    from terminal.offline.pins import PinHasher
    from terminal.offline.seed import seed_replica
    from terminal.offline.sync import SyncStore

    cheap = Argon2Params(time_cost=1, memory_cost_kib=8, parallelism=1)
    settings = TerminalSettings(data_dir=data_dir, argon2=cheap, keyring_service="pos-demo")
    replica = Replica(settings.replica_path)
    credentials = CredentialStore(settings.keyring_service)
    seed = seed_replica(
        replica, credentials, PinHasher(time_cost=1, memory_cost_kib=8, parallelism=1),
        members=members,
    )  # fmt: skip
    SyncStore(replica).set_online(online)
    services = build_services(replica, settings, credentials=credentials)
    sync = make_sync_control(settings, replica, credentials)  # built, never started here
    return DemoTill(
        settings, replica, services, seed, make_backend(settings, replica, services, sync=sync)
    )


def add_sample_activity(till: DemoTill) -> None:
    """A morning of sales, a redemption and one event the server rejected (for screenshots)."""
    import uuid

    from shared.protocol import PushResult
    from terminal.offline.sync import SyncStore

    services, seed = till.services, till.seed
    cashier = services.staff.sign_in("C01", "1234")
    for index, member in enumerate(seed.members[:8]):
        services.sales.earn(
            cashier, member.member_id, amount_cents=2_580 * (index + 1), sale_ref=f"R{index:04d}"
        )
    rich = max(seed.members, key=lambda m: m.balance)
    services.sales.redeem(
        cashier, rich.member_id, points=300, sale_amount_cents=8_000, sale_ref="R0100"
    )
    bad = services.sales.earn(
        cashier, seed.members[2].member_id, amount_cents=9_900, sale_ref="R0200"
    )
    SyncStore(till.replica).apply_push_results(
        [PushResult(event_id=uuid.UUID(bad.event_id), status="rejected", code="points_mismatch")]
    )


def run_gui(settings: TerminalSettings, *, language: str | None = None) -> int:
    """Open the till window and run until it is closed; returns the exit code."""
    app = make_application()
    replica = Replica(settings.replica_path, busy_timeout_ms=settings.busy_timeout_ms)
    credentials = CredentialStore(settings.keyring_service)
    services = build_services(replica, settings, credentials=credentials)
    sync = make_sync_control(settings, replica, credentials)
    backend = make_backend(settings, replica, services, sync=sync)
    lock_after = int(getattr(settings, "auto_lock_seconds", 180))  # until config.py has it
    window = build_window(backend, language=language, auto_lock_seconds=lock_after)
    window.showMaximized()
    window.session.runner.submit(sync.start)  # off the GUI thread: it imports httpx
    try:
        return int(app.exec())
    finally:
        sync.stop()
        window.session.runner.shutdown()


def _register_cli() -> None:
    """``pos-terminal gui``: the CLI offers it once ``terminal.app`` is in COMMAND_MODULES."""
    from terminal.cli import arg, subcommand

    @subcommand(
        "gui",
        help="open the cashier and manager window",
        args=(arg("--language", choices=("en", "zh_CN"), default=None),),
    )
    def cmd_gui(args: Any, settings: TerminalSettings) -> int:
        return run_gui(settings, language=args.language)


_register_cli()
