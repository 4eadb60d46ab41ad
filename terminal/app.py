"""Composition root: settings -> replica -> services -> window.

The only place that builds the product's objects: the replica (``open_replica``), the
services, the sync control and the window. ``pos-terminal gui`` (``terminal/cli/gui.py``)
starts the GUI with ``run_gui(settings)``; the other commands open the replica here and
then call services only. Tests, screenshots and the demo (``terminal/demo.py``) use
``build_window`` with a replica of their own. Nothing here holds module state: every
object is built from the settings passed in.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from shared.errors import DomainError
from terminal.config import TerminalSettings
from terminal.offline.credentials import CredentialStore
from terminal.offline.db import Replica
from terminal.services import Services, build_services

if TYPE_CHECKING:  # imported when first used: they bring httpx, or Qt
    from PySide6.QtWidgets import QApplication

    from terminal.services.day_close import DayCloseService
    from terminal.services.sync import SyncLoop, SyncService
    from terminal.ui.backend import Backend
    from terminal.ui.main_window import MainWindow

log = logging.getLogger(__name__)


def open_replica(settings: TerminalSettings) -> Replica:
    """The replica of ``settings`` (created or migrated on opening), with its settings."""
    return Replica(
        settings.replica_path,
        busy_timeout_ms=settings.busy_timeout_ms,
        backups_keep=settings.replica_backups_keep,
    )


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

    def member_summary(self, member_id: str) -> bool:
        """A member's history and expiring points from head office (off the GUI thread)."""
        return self.sync.member_summary(member_id)

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
) -> Backend:
    from terminal.ui.backend import Backend

    return Backend(
        services=services,
        sync_now=sync.trigger if sync is not None else (lambda: None),
        pair=sync.pair if sync is not None else None,
        day_close=sync.day_close if sync is not None else None,
        member_summary=sync.member_summary if sync is not None else None,
    )


def build_window(
    backend: Backend,
    *,
    language: str | None = None,
    auto_lock_seconds: int = 180,
    settings: TerminalSettings | None = None,
) -> MainWindow:
    """The main window on ``backend``; a QApplication must exist. Store facts load at once.

    The language is ``language`` if given, else the one last chosen on this terminal,
    else the store's, else the system's. ``settings`` give the scanner's configuration.
    """
    from PySide6.QtWidgets import QApplication

    from terminal.ui.after_sale import AfterSale, AfterSaleOptions
    from terminal.ui.i18n import LanguageManager, system_language
    from terminal.ui.main_window import MainWindow
    from terminal.ui.runner import Runner
    from terminal.ui.scanner import ScannerOptions
    from terminal.ui.session import TillSession

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
    AfterSale(window, AfterSaleOptions.of(settings))  # slips, customer display (a child of window)
    return window


def make_application(argv: list[str] | None = None) -> QApplication:
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


def show_window(window: MainWindow, *, kiosk: bool = False) -> None:
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
    replica = open_replica(settings)
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
        # A ``sync.start`` still running on the runner when the window closed (an early
        # close) starts the loop after the stop above: stop that one too, so no long poll
        # is left open to hold up the server's shutdown.
        sync.stop()
