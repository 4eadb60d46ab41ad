"""What follows a transaction at the checkout: the member slip and the customer display.

``AfterSale(window, options)`` listens to the checkout (earn, redeem, coupon), the void
screen and enrolment. After each transaction "Print slip (F10)" on the checkout shows
the slip's preview, from which it prints where the settings say (Qt's printing or the
receipt printer); with ``slip_auto_print`` the slip prints at once, without a preview.
With ``customer_display`` a second window follows the checkout for the customer.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut

from terminal.config import ReceiptPrinterSettings, TerminalSettings
from terminal.services import MemberView, Receipt
from terminal.services.slip_content import Slip, SlipFacts, SlipKind, compose_slip
from terminal.ui.customer_display import CustomerDisplay, DisplayedMember
from terminal.ui.main_window import MainWindow
from terminal.ui.messages import error_message
from terminal.ui.slip_dialog import SlipDialog, SlipOutput
from terminal.ui.slip_wording import slip_language, wording

PRINT_KEY = "F10"


@dataclass(frozen=True, slots=True)
class AfterSaleOptions:
    """The settings this part of the till follows (``TerminalSettings`` fields)."""

    slip_printer: str = "system"
    slip_auto_print: bool = False
    receipt_printer: ReceiptPrinterSettings | None = None
    customer_display: bool = False

    @classmethod
    def of(cls, settings: TerminalSettings | None) -> AfterSaleOptions:
        if settings is None:
            return cls()
        return cls(
            settings.slip_printer,
            settings.slip_auto_print,
            settings.receipt_printer,
            settings.customer_display,
        )


def displayed(member: MemberView) -> DisplayedMember:
    return DisplayedMember(
        member.display_name,
        member.balance,
        member.lifetime_points,
        tier_code=member.tier,
        tier_until=member.tier_until,
    )


class AfterSale(QObject):
    def __init__(self, window: MainWindow, options: AfterSaleOptions | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.session = window.session
        self.options = options or AfterSaleOptions()
        self.output = SlipOutput(
            self.session.runner,
            printer=self.options.slip_printer,
            receipt=self.options.receipt_printer,
            parent=self,
        )
        self.output.printed.connect(self._printed)
        self.output.failed.connect(self._print_failed)
        # The member and transaction a slip can be printed for: (member, event or None:
        # the member's last transaction here, as after an enrolment).
        self.last: tuple[str, str | None] | None = None
        self.dialog: SlipDialog | None = None
        self.display: CustomerDisplay | None = None
        self._display_member: str | None = None
        sale = window.checkout.sale
        sale.receipt.connect(self._transaction)
        sale.member_changed.connect(self._member_changed)
        sale.print_requested.connect(self.print_slip)
        window.void.done.connect(self._voided)
        window.enroll.enrolled.connect(self._enrolled)
        self.session.store_changed.connect(lambda _store: self._store_changed())
        shortcut = QShortcut(QKeySequence(PRINT_KEY), window)
        shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(self._print_key)
        if self.options.customer_display:
            self.display = self._new_display()
            window.installEventFilter(self)
            window.destroyed.connect(self.display.deleteLater)

    # --- following the checkout -------------------------------------------------------

    def _transaction(self, receipt: Receipt) -> None:
        self.last = (receipt.member.member_id, receipt.event_id)
        self.window.checkout.sale.set_slip_ready(True)
        if self.display is not None:
            self._display_member = receipt.member.member_id
            self.display.show_transaction(
                displayed(receipt.member),
                SlipKind(receipt.type),
                receipt.points_delta,
                receipt.value_cents,
            )
        if self.options.slip_auto_print:
            self._fetch(auto=True)

    def _voided(self, receipt: Receipt | None) -> None:
        if receipt is not None:
            self._transaction(receipt)

    def _enrolled(self, member: MemberView) -> None:
        self.last = (member.member_id, None)
        self.window.checkout.sale.set_slip_ready(True)
        if self.display is not None:
            self._display_member = member.member_id
            self.display.show_transaction(displayed(member), SlipKind.ENROL, 0, None)
        if self.options.slip_auto_print:
            self._fetch(auto=True)

    def _member_changed(self, member: MemberView | None) -> None:
        if member is None or (self.last is not None and self.last[0] != member.member_id):
            self.last = None
        self.window.checkout.sale.set_slip_ready(self.last is not None)
        if self.display is None:
            return
        if member is None:
            self._display_member = None
            self.display.show_idle()
        elif member.member_id != self._display_member:  # a refresh keeps what it shows
            self._display_member = member.member_id
            self.display.show_member(displayed(member))

    def _store_changed(self) -> None:
        if self.display is not None:
            store = self.session.store
            self.display.store_name = store.name or store.store_code
            self.display.store_language = store.language
            self.display.program = self.session.program
            self.display.currency = store.currency
            if self._display_member is None:
                self.display.show_idle()

    # --- the slip -----------------------------------------------------------------------

    def _print_key(self) -> None:
        if self.window.current() is self.window.checkout and self.last is not None:
            self.print_slip()

    def print_slip(self) -> None:
        """Show the slip of the last transaction, ready to print."""
        if self.last is not None:
            self._fetch(auto=False)

    def _fetch(self, *, auto: bool) -> None:
        if self.last is None:
            return
        member_id, event_id = self.last
        slips = self.session.services.slips
        call = (slips.facts, event_id) if event_id is not None else (slips.latest, member_id)
        self.session.runner.submit(
            *call,
            on_result=lambda facts: self._compose(facts, auto=auto),
            on_error=self._fetch_failed,
            context=self,
        )

    def slip_of(self, facts: SlipFacts) -> Slip:
        language = slip_language(facts.language, self.window.languages.language)
        return compose_slip(facts, wording(language))

    def _compose(self, facts: SlipFacts | None, *, auto: bool) -> None:
        if facts is None:
            return
        slip = self.slip_of(facts)
        if auto:
            self.output.send(slip)
            return
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
        self.dialog = SlipDialog(slip, self.output, self.window)
        self.dialog.open()

    def _fetch_failed(self, error: BaseException) -> None:
        self.window.statusBar().showMessage(error_message(error, self.session.currency), 8000)

    def _printed(self) -> None:
        self.window.statusBar().showMessage(self.tr("Member slip printed."), 4000)

    def _print_failed(self, message: str) -> None:
        self.window.statusBar().showMessage(message, 8000)

    # --- the customer display ---------------------------------------------------------

    def _new_display(self) -> CustomerDisplay:
        store = self.session.store
        return CustomerDisplay(
            store.name or store.store_code, store.language, self.session.program, store.currency
        )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and self.display is not None:
            if event.type() == QEvent.Type.Show and not self.display.isVisible():
                self.display.place(self.window.screen())
            elif event.type() == QEvent.Type.Close:
                self.display.close()
        return False


def after_sale_of(window: MainWindow) -> AfterSale:
    """The window's slip and customer-display controller (a child of the window)."""
    found = window.findChild(AfterSale)
    assert isinstance(found, AfterSale), "build_window attaches one AfterSale to its window"
    return found
