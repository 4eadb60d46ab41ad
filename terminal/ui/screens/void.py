"""Voiding an earlier event: pick it, give a reason, a manager approves with their PIN."""

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

from shared.protocol import VOIDABLE_TYPES
from terminal.services import EventView, MemberView, Receipt, StaffSession
from terminal.ui.base import Retranslating, message_area
from terminal.ui.formatting import (
    format_datetime,
    format_money,
    format_signed_points,
    stored_time,
    zone_label,
)
from terminal.ui.messages import error_message
from terminal.ui.session import TillSession
from terminal.ui.widgets.pin_pad import PinPad


def event_type_name(kind: str) -> str:
    from PySide6.QtCore import QCoreApplication

    names = {
        "points.earned": QCoreApplication.translate("Events", "Earn"),
        "points.redeemed": QCoreApplication.translate("Events", "Redeem"),
        "coupon.redeemed": QCoreApplication.translate("Events", "Coupon"),
        "points.adjusted": QCoreApplication.translate("Events", "Adjustment"),
        "event.voided": QCoreApplication.translate("Events", "Void"),
        "member.enrolled": QCoreApplication.translate("Events", "Enrollment"),
        "member.updated": QCoreApplication.translate("Events", "Profile change"),
        "member.card_replaced": QCoreApplication.translate("Events", "Card replaced"),
        "sale.returned": QCoreApplication.translate("Events", "Return"),
    }
    return names.get(kind, kind)


def event_row_text(event: EventView, currency: str, zone: str) -> str:
    """One line of the void list; the time is on the store's clock (``zone``)."""
    parts = [format_datetime(stored_time(event.occurred_at, zone), zone)]
    parts.append(event_type_name(event.type))
    if event.points_delta:
        parts.append(format_signed_points(event.points_delta))
    if event.amount_cents:
        parts.append(format_money(event.amount_cents, currency))
    if event.sale_ref:
        parts.append(event.sale_ref)
    return "   ".join(parts)


class ManagerApproval(Retranslating):
    """Manager code + PIN; ``approved(StaffSession)`` once the services accept them."""

    approved = Signal(object)
    cancelled = Signal()

    def __init__(self, session: TillSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.code = QLineEdit()
        self.code.setObjectName("managerCode")
        self.pin_pad = PinPad()
        self.code.returnPressed.connect(self.pin_pad.setFocus)
        self.pin_pad.setObjectName("managerPinPad")
        self.pin_pad.submitted.connect(self._submit)
        self.pin_pad.cancelled.connect(self.cancelled)
        self.message = QLabel()
        self.message.setObjectName("managerMessage")
        self.message.setProperty("role", "error")
        message_area(self.message, 2)
        # A manager who is signed in approves with this one button (Enter), no PIN again.
        self.approve_button = QPushButton()
        self.approve_button.setObjectName("approveAsSignedIn")
        self.approve_button.setProperty("role", "primary")
        self.approve_button.setAutoDefault(True)
        self.approve_button.clicked.connect(self._approve_as_signed_in)
        self.approve_button.hide()  # shown by reset() when a manager is signed in
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.approve_button)
        layout.addWidget(self.label)
        layout.addWidget(self.code)
        layout.addWidget(self.pin_pad)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.retranslate()

    def retranslate(self) -> None:
        self.label.setText(self.tr("Manager approval: manager code, then PIN"))
        self.code.setPlaceholderText(self.tr("Manager code"))
        staff = self.session.staff
        if staff is not None and staff.is_manager:
            self.approve_button.setText(self.tr("Approve as %1 (Enter)").replace("%1", staff.name))

    def reset(self) -> None:
        self.code.clear()
        self.pin_pad.clear()
        self.message.clear()
        staff = self.session.staff
        signed_in_manager = staff is not None and staff.is_manager
        self.approve_button.setVisible(signed_in_manager)
        for widget in (self.label, self.code, self.pin_pad):
            widget.setVisible(not signed_in_manager)
        self.retranslate()

    def _approve_as_signed_in(self) -> None:
        staff = self.session.staff
        if staff is not None and staff.is_manager:
            self.approved.emit(staff)

    def _submit(self, pin: str) -> None:
        self.pin_pad.setEnabled(False)
        self.session.runner.submit(
            self.session.services.staff.approve,
            self.code.text().strip(),
            pin,
            on_result=self._ok,
            on_error=self._failed,
            context=self,
        )

    def _ok(self, manager: StaffSession) -> None:
        self.pin_pad.setEnabled(True)
        self.pin_pad.clear()
        self.approved.emit(manager)

    def _failed(self, error: BaseException) -> None:
        self.pin_pad.setEnabled(True)
        self.pin_pad.clear()
        self.message.setText(error_message(error, self.session.currency))


class VoidScreen(Retranslating):
    done = Signal(object)  # Receipt | None

    def __init__(self, session: TillSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.member: MemberView | None = None
        self.title = QLabel()
        self.title.setProperty("role", "title")
        self.title.setWordWrap(True)
        self.events = QListWidget()
        self.events.setObjectName("voidEvents")
        self.events.setWordWrap(True)  # a long row wraps in the list, never "¥2…"
        self.events.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.times_note = QLabel()
        self.times_note.setObjectName("voidTimesNote")
        self.times_note.setProperty("role", "hint")
        self.times_note.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setObjectName("voidReason")
        self.reason.setMaxLength(500)
        self.reason.returnPressed.connect(self._reason_entered)
        self.approval = ManagerApproval(session)
        self.approval.approved.connect(self._void)
        self.approval.cancelled.connect(lambda: self.done.emit(None))
        self.message = QLabel()
        self.message.setObjectName("voidMessage")
        self.message.setProperty("role", "error")
        message_area(self.message, 2)
        self.cancel_button = QPushButton()
        self.cancel_button.setObjectName("voidCancel")
        self.cancel_button.clicked.connect(lambda: self.done.emit(None))
        left = QVBoxLayout()
        left.addWidget(self.title)
        left.addWidget(self.times_note)
        left.addWidget(self.events, 1)
        left.addWidget(self.reason)
        left.addWidget(self.message)
        left.addWidget(self.cancel_button)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addWidget(self.approval, 2)
        self.retranslate()

    def retranslate(self) -> None:
        if self.member is None:
            self.title.setText(self.tr("Void a recent transaction"))
        else:
            self.title.setText(
                self.tr("Void a transaction of %1").replace("%1", self.member.display_name)
            )
        self.times_note.setText(
            self.tr("Times on the store's clock (%1)").replace(
                "%1", zone_label(self.session.timezone)
            )
        )
        self.reason.setPlaceholderText(self.tr("Reason (required), e.g. wrong amount"))
        self.cancel_button.setText(self.tr("Cancel (Esc)"))

    def load(self, member: MemberView | None) -> None:
        self.member = member
        self.events.clear()
        self.reason.clear()
        self.message.clear()
        self.approval.reset()
        self.retranslate()
        services = self.session.services
        runner = self.session.runner
        if member is not None:
            runner.submit(
                services.lookup.history,
                member.member_id,
                on_result=self._show,
                on_error=self._failed,
                context=self,
            )
        else:
            runner.submit(
                services.activity.recent,
                50,
                on_result=self._show,
                on_error=self._failed,
                context=self,
            )
        self.events.setFocus()

    def _reason_entered(self) -> None:
        if self.approval.approve_button.isVisible():
            self.approval.approve_button.click()
        else:
            self.approval.code.setFocus()

    def _show(self, events: list[EventView]) -> None:
        self.events.clear()
        for event in events:
            if event.type not in VOIDABLE_TYPES or event.voided_by or event.status == "rejected":
                continue
            item = QListWidgetItem(
                event_row_text(event, self.session.currency, self.session.timezone)
            )
            item.setData(Qt.ItemDataRole.UserRole, event.event_id)
            self.events.addItem(item)
        if self.events.count():
            self.events.setCurrentRow(0)
        else:
            self.message.setText(self.tr("Nothing to void."))

    def _void(self, manager: StaffSession) -> None:
        item = self.events.currentItem()
        if item is None:
            self.message.setText(self.tr("Pick the transaction to void."))
            return
        if not self.reason.text().strip():
            self.message.setText(self.tr("Enter a reason for the void."))
            self.reason.setFocus()
            return
        self.session.runner.submit(
            self.session.services.manager.void,
            manager,
            item.data(Qt.ItemDataRole.UserRole),
            reason=self.reason.text(),
            on_result=self._voided,
            on_error=self._failed,
            context=self,
        )

    def _voided(self, receipt: Receipt) -> None:
        self.session.changed()
        self.done.emit(receipt)

    def _failed(self, error: BaseException) -> None:
        self.message.setText(error_message(error, self.session.currency))
