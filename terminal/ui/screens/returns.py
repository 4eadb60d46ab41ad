"""Returning a sale: the receipt number scanned or typed, the sale picked, all of it or an
amount given back; a manager approves with their PIN above the program's amount."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from shared.domain.money import parse_amount
from shared.domain.returns import SaleFigures, return_effect
from shared.errors import DomainError
from terminal.services import StaffSession
from terminal.services.returns import ReturnableSale, ReturnReceipt, SaleSearch
from terminal.ui.base import Retranslating, message_area
from terminal.ui.formatting import format_money, format_points
from terminal.ui.messages import error_message
from terminal.ui.screens.void import ManagerApproval
from terminal.ui.session import TillSession


class ReturnScreen(Retranslating):
    done = Signal(object)  # ReturnReceipt | None

    def __init__(self, session: TillSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.search: SaleSearch | None = None
        self.last: ReturnReceipt | None = None
        self.title = QLabel()
        self.title.setProperty("role", "title")
        self.title.setWordWrap(True)
        self.receipt = QLineEdit()
        self.receipt.setObjectName("returnReceipt")
        self.receipt.setMaxLength(200)
        # a receipt barcode of digits scanned here is this field's input, not a member card
        self.receipt.setProperty("digitsAreTyping", True)
        self.receipt.returnPressed.connect(self.find_sale)
        self.find_button = QPushButton()
        self.find_button.setObjectName("returnFind")
        self.find_button.clicked.connect(self.find_sale)
        self.scope = QLabel()
        self.scope.setObjectName("returnScope")
        self.scope.setProperty("role", "hint")
        self.scope.setWordWrap(True)
        self.sales = QListWidget()
        self.sales.setObjectName("returnSales")
        self.sales.setWordWrap(True)
        self.sales.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.sales.currentRowChanged.connect(lambda _row: self._preview())
        self.amount = QLineEdit()
        self.amount.setObjectName("returnAmount")
        self.amount.setProperty("digitsAreTyping", True)
        self.amount.textChanged.connect(lambda _text: self._preview())
        self.amount.returnPressed.connect(self.submit)
        self.effect = QLabel()
        self.effect.setObjectName("returnEffect")
        self.effect.setWordWrap(True)
        message_area(self.effect, 2)
        self.message = QLabel()
        self.message.setObjectName("returnMessage")
        self.message.setProperty("role", "error")
        message_area(self.message, 2)
        self.ok = QLabel()
        self.ok.setObjectName("returnOk")
        self.ok.setProperty("role", "ok")
        self.ok.setWordWrap(True)
        message_area(self.ok, 2)
        self.return_button = QPushButton()
        self.return_button.setObjectName("returnConfirm")
        self.return_button.setProperty("role", "primary")
        self.return_button.clicked.connect(self.submit)
        self.cancel_button = QPushButton()
        self.cancel_button.setObjectName("returnCancel")
        self.cancel_button.clicked.connect(lambda: self.done.emit(self.last))
        self.approval = ManagerApproval(session)
        self.approval.approved.connect(self._approved)
        self.approval.cancelled.connect(self._approval_cancelled)
        self.approval.hide()
        find_row = QHBoxLayout()
        find_row.addWidget(self.receipt, 1)
        find_row.addWidget(self.find_button)
        left = QVBoxLayout()
        left.addWidget(self.title)
        left.addLayout(find_row)
        left.addWidget(self.scope)
        left.addWidget(self.sales, 1)
        left.addWidget(self.amount)
        left.addWidget(self.effect)
        left.addWidget(self.message)
        left.addWidget(self.ok)
        buttons = QHBoxLayout()
        buttons.addWidget(self.return_button)
        buttons.addWidget(self.cancel_button)
        left.addLayout(buttons)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addWidget(self.approval, 2)
        self.retranslate()

    # --- text ---------------------------------------------------------------------

    def retranslate(self) -> None:
        self.title.setText(self.tr("Return a sale"))
        self.receipt.setPlaceholderText(self.tr("Receipt number: scan or type, then Enter"))
        self.find_button.setText(self.tr("Find"))
        self.amount.setPlaceholderText(self.tr("Amount returned (empty: all that is left)"))
        self.return_button.setText(self.tr("Return (Enter)"))
        self.cancel_button.setText(self.tr("Back (Esc)"))
        self._show_scope()
        self._fill()

    def _show_scope(self) -> None:
        if self.search is None:
            self.scope.clear()
        elif self.search.online:
            self.scope.setText(self.tr("Sales of every store (from head office)."))
        else:
            self.scope.setText(
                self.tr(
                    "Offline: only this till's sales and those in the members' history kept here."
                )
            )

    def _row_text(self, sale: ReturnableSale) -> str:
        currency = self.session.currency
        text = self.tr("Receipt %1 · %2 · sale %3 · returned %4 · left %5")
        for index, value in reversed(
            list(
                enumerate(
                    (
                        sale.sale_ref,
                        sale.member_name or sale.member_code,
                        format_money(sale.amount_cents, currency),
                        format_money(sale.returned_cents, currency),
                        format_money(sale.left_cents, currency),
                    ),
                    start=1,
                )
            )
        ):
            text = text.replace(f"%{index}", value)
        if sale.voided:
            text += " · " + self.tr("voided")
        return text

    # --- finding ------------------------------------------------------------------

    def open(self) -> None:
        self.search = None
        self.last = None
        self.receipt.clear()
        self.amount.clear()
        self.sales.clear()
        self.effect.clear()
        self.message.clear()
        self.ok.clear()
        self.approval.hide()
        self._show_scope()
        self.receipt.setFocus()

    def scanned(self, payload: str) -> None:
        """A receipt barcode read while this screen is shown."""
        self.receipt.setText(payload.strip())
        self.find_sale()

    def find_sale(self) -> None:
        text = self.receipt.text().strip()
        self.message.clear()
        self.ok.clear()
        if not text:
            self.message.setText(self.tr("Scan or type the receipt number."))
            return
        self.session.runner.submit(
            self.session.services.returns.find,
            text,
            on_result=self._found,
            on_error=self._failed_find,
            context=self,
        )

    def _found(self, search: SaleSearch) -> None:
        self.search = search
        self._show_scope()
        self._fill()
        self.amount.setFocus()

    def _failed_find(self, error: BaseException) -> None:
        self.search = None
        self.sales.clear()
        self.effect.clear()
        self._failed(error)
        offline = not (isinstance(error, DomainError) and error.params.get("online"))
        if isinstance(error, DomainError) and error.code == "unknown_sale" and offline:
            self.message.setText(
                self.message.text()
                + " "
                + self.tr(
                    "Offline: only this till's sales and those in the members' history kept here."
                )
            )
        self.receipt.selectAll()
        self.receipt.setFocus()

    def _fill(self) -> None:
        row = max(self.sales.currentRow(), 0)
        self.sales.clear()
        if self.search is None:
            return
        for sale in self.search.sales:
            item = QListWidgetItem(self._row_text(sale))
            item.setData(Qt.ItemDataRole.UserRole, sale.sale_event_id)
            self.sales.addItem(item)
        self.sales.setCurrentRow(min(row, self.sales.count() - 1))

    def selected(self) -> ReturnableSale | None:
        if self.search is None:
            return None
        row = self.sales.currentRow()
        if 0 <= row < len(self.search.sales):
            return self.search.sales[row]
        return None

    # --- returning ----------------------------------------------------------------

    def _amount_cents(self) -> int | None:
        """The amount typed, or None for all that is left (raises on bad input)."""
        text = self.amount.text().strip()
        return parse_amount(text, self.session.currency) if text else None

    def _preview(self) -> None:
        self.effect.clear()
        sale = self.selected()
        if sale is None or sale.voided or sale.left_cents <= 0:
            return
        try:
            amount = self._amount_cents()
        except DomainError:
            return
        amount = sale.left_cents if amount is None else amount
        if not 0 < amount <= sale.left_cents:
            return
        figures = SaleFigures(
            sale.amount_cents, sale.points_earned, sale.points_redeemed, sale.returned_cents
        )
        effect = return_effect(figures, amount)
        self.effect.setText(
            self.tr("Returns %1: takes back %2 earned, gives back %3 redeemed.")
            .replace("%1", format_money(amount, self.session.currency))
            .replace("%2", format_points(effect.points_taken))
            .replace("%3", format_points(effect.points_given))
        )

    def submit(self, approver: StaffSession | None = None) -> None:
        self.message.clear()
        self.ok.clear()
        staff = self.session.staff
        sale = self.selected()
        if staff is None:
            return
        if sale is None:
            self.message.setText(self.tr("Find the sale first: scan or type its receipt number."))
            self.receipt.setFocus()
            return
        try:
            amount = self._amount_cents()
        except DomainError as error:
            self._failed(error)
            self.amount.setFocus()
            return
        self.return_button.setEnabled(False)
        self.session.runner.submit(
            self.session.services.returns.return_sale,
            staff,
            sale,
            amount_cents=amount,
            approver=approver if isinstance(approver, StaffSession) else None,
            on_result=self._returned,
            on_error=self._failed_return,
            context=self,
        )

    def _approved(self, manager: StaffSession) -> None:
        self.submit(manager)

    def _approval_cancelled(self) -> None:
        self.approval.hide()
        self.amount.setFocus()

    def _returned(self, done: ReturnReceipt) -> None:
        self.return_button.setEnabled(True)
        self.approval.hide()
        self.last = done
        if self.search is not None:
            sales = tuple(
                done.sale if s.sale_event_id == done.sale.sale_event_id else s
                for s in self.search.sales
            )
            self.search = SaleSearch(sales, self.search.online)
        self._fill()
        self.amount.clear()
        self.effect.clear()
        member = done.receipt.member
        self.ok.setText(
            self.tr("Returned %1 of receipt %2. %3 now has %4.")
            .replace("%1", format_money(done.effect.accepted_cents, self.session.currency))
            .replace("%2", done.sale.sale_ref)
            .replace("%3", member.display_name)
            .replace("%4", format_points(member.balance))
        )
        self.session.changed()

    def _failed_return(self, error: BaseException) -> None:
        self.return_button.setEnabled(True)
        self._failed(error)
        if isinstance(error, DomainError) and error.code == "manager_required":
            self.approval.reset()
            self.approval.show()
            if self.approval.approve_button.isVisible():
                self.approval.approve_button.setFocus()
            else:
                self.approval.code.setFocus()

    def _failed(self, error: BaseException) -> None:
        self.message.setText(error_message(error, self.session.currency))
