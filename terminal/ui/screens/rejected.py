"""Events head office rejected, with the reason; a manager's view."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from terminal.services import EventView, StaffSession
from terminal.ui.base import Retranslating, message_area
from terminal.ui.formatting import (
    format_datetime,
    format_signed_points,
    stored_time,
    zone_label,
)
from terminal.ui.messages import error_message
from terminal.ui.screens.void import ManagerApproval, event_type_name
from terminal.ui.session import TillSession


def rejection_reason(code: str | None) -> str:
    reasons = {
        "unknown_member": QCoreApplication.translate("Rejections", "Member unknown at head office"),
        "invalid_member_code": QCoreApplication.translate("Rejections", "Invalid member code"),
        "duplicate_member_code": QCoreApplication.translate(
            "Rejections", "Member code already used"
        ),
        "points_mismatch": QCoreApplication.translate(
            "Rejections", "Points differ from the program rules"
        ),
        "rule_version_not_in_force": QCoreApplication.translate(
            "Rejections", "Program version not yet in force at this store"
        ),
        "already_voided": QCoreApplication.translate("Rejections", "Already voided"),
        "unknown_event": QCoreApplication.translate("Rejections", "Voided event unknown"),
        "coupon_unavailable": QCoreApplication.translate(
            "Rejections", "Coupon already used or expired"
        ),
        "idempotency_conflict": QCoreApplication.translate(
            "Rejections", "Same event id sent with different content"
        ),
        "unknown_sale": QCoreApplication.translate("Rejections", "Returned sale unknown"),
        "sale_voided": QCoreApplication.translate("Rejections", "Returned sale was voided"),
        "not_voidable": QCoreApplication.translate(
            "Rejections", "Cannot be voided (e.g. part of the sale was returned)"
        ),
    }
    if code is None:
        return "—"
    return reasons.get(code, code)


class RejectedScreen(Retranslating):
    def __init__(self, session: TillSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.events: list[EventView] = []
        self.title = QLabel()
        self.title.setProperty("role", "title")
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("rejectedTable")
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.message = QLabel()
        self.message.setObjectName("rejectedMessage")
        message_area(self.message, 2)
        self.approval = ManagerApproval(session)
        self.approval.approved.connect(self._load)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.approval)
        self.stack.addWidget(self.table)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.message)
        layout.addWidget(self.stack, 1)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Rejected events"))
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Seq"),
                self.tr("Time (%1)").replace("%1", zone_label(self.session.timezone)),
                self.tr("Type"),
                self.tr("Points"),
                self.tr("Reason"),
            ]
        )
        self._fill()

    def open(self) -> None:
        """Managers see the list at once; anyone else is asked for a manager's PIN."""
        staff = self.session.staff
        self.message.clear()
        if staff is not None and staff.is_manager:
            self._load(staff)
        else:
            self.approval.reset()
            self.stack.setCurrentWidget(self.approval)
            self.approval.code.setFocus()

    def _load(self, manager: StaffSession) -> None:
        self.stack.setCurrentWidget(self.table)
        self.session.runner.submit(
            self.session.services.manager.rejected_events,
            manager,
            on_result=self._show,
            on_error=lambda error: self.message.setText(
                error_message(error, self.session.currency)
            ),
            context=self,
        )

    def _show(self, events: list[EventView]) -> None:
        self.events = events
        self._fill()

    def _fill(self) -> None:
        zone = self.session.timezone
        self.table.setRowCount(len(self.events))
        for row, event in enumerate(self.events):
            cells = [
                str(event.seq),
                format_datetime(stored_time(event.occurred_at, zone), zone),
                event_type_name(event.type),
                format_signed_points(event.points_delta) if event.points_delta else "",
                rejection_reason(event.rejection_code),
            ]
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        if self.stack.currentWidget() is self.table:
            self.message.setText(
                self.tr("No rejected events.")
                if not self.events
                else self.tr(
                    "Rejected events never count in a balance; head office reconciles them."
                )
            )
