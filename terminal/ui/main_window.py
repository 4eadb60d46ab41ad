"""The main window: navigation, shortcuts, status bar, scanner and auto-lock. Nothing else.

Each screen does its own work; the window only decides which one is shown.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from shared.domain.coupons import looks_like_coupon
from terminal.services import MemberView, OutboxSummary, StaffSession
from terminal.ui.i18n import LanguageManager
from terminal.ui.scanner import ScanDetector, ScannerOptions, till_burst
from terminal.ui.screens.checkout import CheckoutScreen
from terminal.ui.screens.enroll import CardScreen, EnrollScreen
from terminal.ui.screens.member_account import MemberAccountScreen
from terminal.ui.screens.rejected import RejectedScreen
from terminal.ui.screens.reports import ReportsScreen
from terminal.ui.screens.returns import ReturnScreen
from terminal.ui.screens.settings import SettingsScreen
from terminal.ui.screens.sign_in import SignInScreen
from terminal.ui.screens.void import VoidScreen
from terminal.ui.session import TillSession
from terminal.ui.widgets.sync_status import SyncStatusView, SyncStatusWidget

STATUS_POLL_MS = 2_000


def _application() -> QApplication:
    app = QApplication.instance()
    assert isinstance(app, QApplication), "create the QApplication first"
    return app


_USER_INPUT = (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin)


class MainWindow(QMainWindow):
    def __init__(
        self,
        session: TillSession,
        languages: LanguageManager,
        *,
        auto_lock_seconds: int = 180,
        scanner: ScannerOptions | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.languages = languages
        self._locking = False
        self._last_outbox: OutboxSummary | None = None
        self._pending_scan: str | None = None  # a card scanned before anyone signed in
        self.setObjectName("mainWindow")
        self.sign_in = SignInScreen(session)
        self.checkout = CheckoutScreen(session)
        self.enroll = EnrollScreen(session)
        self.card = CardScreen(session)
        self.void = VoidScreen(session)
        self.account = MemberAccountScreen(session)
        self.reports = ReportsScreen(session)
        self.rejected = RejectedScreen(session)
        self.settings = SettingsScreen(session)
        self.returns = ReturnScreen(session)
        self.stack = QStackedWidget()
        for screen in self.screens():
            self.stack.addWidget(screen)
        self.nav: dict[str, QPushButton] = {}
        self.nav_bar = self._build_nav()
        body = QWidget()
        row = QHBoxLayout(body)
        row.addWidget(self.nav_bar)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(body)
        self.status = SyncStatusWidget()
        self.statusBar().addPermanentWidget(self.status, 1)
        self.status.rejected_clicked.connect(lambda: self.go("rejected"))

        self._wire()
        self._shortcuts()
        # Without a mouse: Tab reaches every button and Enter presses the focused one.
        for button in self.findChildren(QPushButton):
            if button.focusPolicy() != Qt.FocusPolicy.NoFocus:
                button.setAutoDefault(True)
        options = scanner or ScannerOptions()
        self.scanner = ScanDetector(
            self,
            max_gap_ms=options.max_gap_ms,
            prefix=options.prefix,
            suffix=options.suffix,
            accepts=till_burst,
        )
        self.scanner.scanned.connect(self._scanned)
        app = _application()
        app.installEventFilter(self.scanner)
        self.lock_timer = QTimer(self)
        self.lock_timer.setSingleShot(True)
        self.lock_timer.setInterval(auto_lock_seconds * 1000)
        self.lock_timer.timeout.connect(self.lock)
        app.installEventFilter(self)
        self.poll_timer = QTimer(self)
        self.poll_timer.timeout.connect(self.refresh_status)
        self.poll_timer.start(STATUS_POLL_MS)
        self.retranslate()
        self._signed_out()
        self.refresh_status()

    def screens(self) -> list[QWidget]:
        return [
            self.sign_in,
            self.checkout,
            self.enroll,
            self.card,
            self.void,
            self.account,
            self.reports,
            self.rejected,
            self.settings,
            self.returns,
        ]

    # --- building -----------------------------------------------------------------

    def _build_nav(self) -> QWidget:
        bar = QWidget()
        bar.setObjectName("navBar")
        column = QVBoxLayout(bar)
        for key in ("checkout", "enroll", "returns", "reports", "rejected", "settings", "lock"):
            button = QPushButton()
            button.setObjectName(f"nav_{key}")
            button.setProperty("role", "nav")
            button.setCheckable(key != "lock")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _checked=False, k=key: self.go(k))
            self.nav[key] = button
            column.addWidget(button)
            if key == "rejected":
                column.addStretch(1)
        bar.setMinimumWidth(200)
        return bar

    def _wire(self) -> None:
        session = self.session
        session.signed_in.connect(self._signed_in)
        session.signed_out.connect(self._signed_out)
        session.activity.connect(self.refresh_status)
        self.checkout.enroll_requested.connect(lambda: self.go("enroll"))
        self.checkout.card_requested.connect(self._show_card)
        self.checkout.void_requested.connect(self._start_void)
        self.enroll.enrolled.connect(self._show_card)
        self.enroll.cancelled.connect(lambda: self.go("checkout"))
        self.card.done.connect(self._back_with_member)
        self.void.done.connect(self._void_done)
        self.checkout.account_requested.connect(self._show_account)
        self.account.done.connect(self._back_with_member)
        self.account.card_replaced.connect(self._show_card)
        self.returns.done.connect(self._return_done)
        self.settings.language_chosen.connect(self.set_language)

    def _shortcuts(self) -> None:
        keys = {
            "F1": lambda: self.go("checkout"),
            "F2": lambda: self._on_checkout(self.checkout.sale.earn),
            "F3": lambda: self._on_checkout(self.checkout.sale.redeem),
            "F4": lambda: self.go("enroll"),
            "F5": lambda: self._on_checkout(self.checkout.card_button.click),
            "F6": lambda: self._on_checkout(self.checkout.void_button.click),
            "F7": lambda: self.go("reports"),
            "F8": lambda: self.go("rejected"),
            "F9": lambda: self.go("settings"),
            "F11": lambda: self.go("returns"),
            "Shift+F11": lambda: self._on_checkout(self.checkout.account_button.click),
            "F12": self.lock,
            "Esc": self.escape,
        }
        self.shortcuts = {}
        for key, action in keys.items():
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(action)
            self.shortcuts[key] = shortcut

    # --- navigation ---------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Member terminal"))
        texts = {
            "checkout": self.tr("Checkout (F1)"),
            "enroll": self.tr("Enroll (F4)"),
            "returns": self.tr("Return (F11)"),
            "reports": self.tr("Reports (F7)"),
            "rejected": self.tr("Rejected (F8)"),
            "settings": self.tr("Settings (F9)"),
            "lock": self.tr("Lock (F12)"),
        }
        for key, text in texts.items():
            self.nav[key].setText(text)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def current(self) -> QWidget | None:
        return self.stack.currentWidget()

    def go(self, key: str) -> None:
        staff = self.session.staff
        if key == "lock":
            self.lock()
            return
        if staff is None:
            return
        manager_only = {"reports", "settings"}
        if key in manager_only and not staff.is_manager:
            self.statusBar().showMessage(self.tr("Only a manager can open this."), 4000)
            return
        screen = getattr(self, key)
        self.stack.setCurrentWidget(screen)
        for name, button in self.nav.items():
            button.setChecked(name == key)
        if key == "checkout":
            self.checkout.focus_search()
        elif key == "enroll":
            self.enroll.open()
        elif key == "reports":
            self.reports.refresh()
        elif key == "rejected":
            self.rejected.open()
        elif key == "settings":
            self.settings.show_language(self.languages.language)
        elif key == "returns":
            self.returns.open()

    def escape(self) -> None:
        screen = self.current()
        if screen is self.checkout:
            self.checkout.clear()
        elif screen is self.void:
            self._void_done(None)
        elif screen is self.enroll:
            self.enroll.cancel()
        elif screen is self.account:
            self._back_with_member(self.account.member)
        elif screen is self.returns:
            self._return_done(self.returns.last)
        elif screen is not self.sign_in:
            self.go("checkout")

    def _on_checkout(self, action: object) -> None:
        if self.current() is self.checkout and callable(action):
            action()

    def _signed_in(self, staff: StaffSession) -> None:
        for key in ("reports", "settings"):
            self.nav[key].setVisible(staff.is_manager)
        self.nav_bar.setEnabled(True)
        self.lock_timer.start()
        self.checkout.clear()
        self.go("checkout")
        pending, self._pending_scan = self._pending_scan, None
        if pending is not None:
            self.checkout.lookup_scan(pending)
        self.refresh_status()

    def _signed_out(self) -> None:
        self.nav_bar.setEnabled(False)
        self.lock_timer.stop()
        self.stack.setCurrentWidget(self.sign_in)
        self.sign_in.reset(locked=self._locking)

    def lock(self) -> None:
        """Auto-lock or F12: sign out, keep the staff code so the same cashier is quick."""
        if self.session.staff is None:
            return
        self.checkout.clear()
        self._locking = True
        try:
            self.session.sign_out()
        finally:
            self._locking = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _USER_INPUT and self.session.staff is not None:
            self.lock_timer.start()
        return False

    def _scanned(self, payload: str) -> None:
        if looks_like_coupon(payload):  # a paper coupon: used on the sale on screen
            if self.session.staff is None:
                return  # nobody signed in: nothing to use it on
            if self.current() is not self.checkout:
                self.go("checkout")
            self.checkout.sale.use_coupon_code(payload)
            return
        if self.session.staff is None:
            # The customer handed the card while the cashier signs in: show it after.
            self._pending_scan = payload
            self.sign_in.card_waiting()
            return
        if self.current() is self.returns:
            self.returns.scanned(payload)  # a receipt's barcode
            return
        if self.current() is not self.checkout:
            self.go("checkout")
        self.checkout.lookup_scan(payload)

    def _show_card(self, member: MemberView) -> None:
        self.card.show_member(member)
        self.stack.setCurrentWidget(self.card)

    def _back_with_member(self, member: MemberView | None) -> None:
        self.go("checkout")
        if member is not None:
            self.checkout.show_member(member)

    def _show_account(self, member: MemberView) -> None:
        self.account.load(member)
        self.stack.setCurrentWidget(self.account)

    def _start_void(self, member: MemberView | None) -> None:
        self.void.load(member)
        self.stack.setCurrentWidget(self.void)

    def _void_done(self, receipt: object) -> None:
        self.go("checkout")
        self.checkout.refresh_member()
        if receipt is not None:
            self.checkout.sale.show_ok(self.tr("Voided: the transaction is reversed."))
            self.statusBar().showMessage(self.tr("Voided: the transaction is reversed."), 8000)

    def _return_done(self, done: object) -> None:
        self.go("checkout")
        self.checkout.refresh_member()
        if done is not None:
            self.statusBar().showMessage(self.tr("Return recorded."), 8000)

    def set_language(self, code: str) -> None:
        """Switch now and remember the choice on this terminal for the next start."""
        self.languages.set_language(code)
        self.session.runner.submit(
            self.session.services.store.set_language, self.languages.language, context=self
        )

    # --- status -------------------------------------------------------------------

    def refresh_status(self) -> None:
        self.session.runner.submit(
            self.session.services.activity.outbox,
            on_result=self._show_status,
            on_error=lambda _error: None,
            context=self,
        )

    def _show_status(self, outbox: OutboxSummary) -> None:
        from datetime import datetime

        staff = self.session.staff
        previous, self._last_outbox = self._last_outbox, outbox
        draining = previous is not None and outbox.pending < previous.pending
        last = datetime.fromisoformat(outbox.last_sync_at) if outbox.last_sync_at else None
        self.status.show_status(
            SyncStatusView(
                online=outbox.online,
                queued=outbox.pending,
                last_sync=last,
                rejected=outbox.rejected,
                staff_name=staff.name if staff else "",
                staff_is_manager=bool(staff and staff.is_manager),
                timezone=self.session.timezone,
                syncing=outbox.pending > 0 and (outbox.online or draining),
            )
        )
        if previous is not None and (draining or outbox.last_sync_at != previous.last_sync_at):
            # head office acknowledged events or sent changes: the member on screen
            # shows its confirmed balance, not a "pending sync" line that is no longer so
            self.checkout.refresh_member()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.poll_timer.stop()
        app = _application()
        app.removeEventFilter(self.scanner)
        app.removeEventFilter(self)
        super().closeEvent(event)
