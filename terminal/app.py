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
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shared.errors import DomainError
from terminal.config import TerminalSettings
from terminal.offline.credentials import CredentialStore
from terminal.offline.db import Replica
from terminal.services import Services, build_services

if TYPE_CHECKING:  # imported when first used: they bring httpx
    from terminal.offline.sync_engine import SyncLoop
    from terminal.services.day_close import DayCloseService
    from terminal.services.sync import SyncService

log = logging.getLogger(__name__)


class SyncControl:
    """The background sync loop of ``SyncService``: started once paired, poked after a sale.

    The service (and httpx behind it) is built on first use, off the start-up path.
    """

    def __init__(self, make_service: Callable[[], SyncService], *, interval: float = 5.0) -> None:
        self._make_service = make_service
        self._service: SyncService | None = None
        self.interval = interval
        self._loop: SyncLoop | None = None
        self._lock = threading.Lock()

    @property
    def sync(self) -> SyncService:
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
                    self._loop = make_sync_loop(service, interval=self.interval)
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

    def day_close(self) -> DayCloseService:
        """The manager's day close on this sync service (built off the GUI thread)."""
        from terminal.services.day_close import day_close_for

        return day_close_for(self.sync)

    def pair(self, server_url: str, pairing_code: str) -> object:
        """Pair (off the GUI thread), then start syncing at once."""
        paired = self.sync.pair(server_url, pairing_code)
        self.start()
        return paired


def make_sync_loop(service: SyncService, *, interval: float = 5.0) -> SyncLoop:
    """The background loop of a paired terminal (``sync_failed`` if it is not paired).

    After each successful cycle it closes every business day whose closing time has
    passed (the automatic day close; a manager can also close a day by hand).
    """
    from terminal.services.day_close import day_close_for

    closer = day_close_for(service)
    return service.loop(interval=interval, after_cycle=closer.close_due)


def make_sync_control(
    settings: TerminalSettings, replica: Replica, credentials: CredentialStore
) -> SyncControl:
    def make_service() -> SyncService:
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

    return Backend(
        services=services,
        sync_now=sync.trigger if sync is not None else (lambda: None),
        pair=sync.pair if sync is not None else None,
        day_close=sync.day_close if sync is not None else None,
    )


def build_window(
    backend: Any,
    *,
    language: str | None = None,
    auto_lock_seconds: int = 180,
    settings: TerminalSettings | None = None,
) -> Any:
    """The main window on ``backend``; a QApplication must exist. Store facts load at once.

    The language is ``language`` if given, else the one last chosen on this terminal,
    else the store's, else the system's. ``settings`` give the scanner's configuration.
    """
    from PySide6.QtWidgets import QApplication

    from terminal.ui.after_sale import AfterSale, AfterSaleOptions
    from terminal.ui.i18n import LanguageManager, system_language
    from terminal.ui.main_window import MainWindow
    from terminal.ui.scanner import ScannerOptions
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
    chosen = language or backend.services.store.language()
    languages.set_language(chosen or store.language or system_language())
    scanner = ScannerOptions()
    if settings is not None:
        scanner = ScannerOptions(
            settings.scanner_prefix, settings.scanner_suffix, settings.scanner_max_gap_ms
        )
    window = MainWindow(session, languages, auto_lock_seconds=auto_lock_seconds, scanner=scanner)
    session.setParent(window)
    window.after_sale = AfterSale(window, AfterSaleOptions.of(settings))  # slips, customer display
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


def show_window(window: Any, *, kiosk: bool = False) -> None:
    """Show the till at its screen's size: full screen (kiosk, no window manager needed,
    no title bar) or maximised. The geometry is set first, because without a window
    manager "maximised" is only a request nobody carries out."""
    screen = window.screen()
    window.setGeometry(screen.geometry() if kiosk else screen.availableGeometry())
    if kiosk:
        window.showFullScreen()
    else:
        window.showMaximized()


def run_gui(
    settings: TerminalSettings, *, language: str | None = None, kiosk: bool | None = None
) -> int:
    """Open the till window and run until it is closed; returns the exit code."""
    app = make_application()
    replica = Replica(settings.replica_path, busy_timeout_ms=settings.busy_timeout_ms)
    credentials = CredentialStore(settings.keyring_service)
    services = build_services(replica, settings, credentials=credentials)
    sync = make_sync_control(settings, replica, credentials)
    backend = make_backend(settings, replica, services, sync=sync)
    window = build_window(
        backend,
        language=language,
        auto_lock_seconds=settings.auto_lock_seconds,
        settings=settings,
    )
    show_window(window, kiosk=settings.kiosk if kiosk is None else kiosk)
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
        args=(
            arg("--language", choices=("en", "zh_CN"), default=None),
            arg(
                "--kiosk",
                action="store_true",
                default=None,
                help="full screen, for a till without a window manager (setting: kiosk)",
            ),
        ),
    )
    def cmd_gui(args: Any, settings: TerminalSettings) -> int:
        return run_gui(settings, language=args.language, kiosk=args.kiosk)


_register_cli()
