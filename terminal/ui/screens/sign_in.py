"""Sign-in: staff code, then the PIN on the pad. Also the lock screen after inactivity."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from terminal.services import StaffSession
from terminal.ui.base import Retranslating, message_area
from terminal.ui.messages import error_message
from terminal.ui.session import TillSession
from terminal.ui.widgets.pin_pad import PinPad


class SignInScreen(Retranslating):
    def __init__(self, session: TillSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.locked = False
        self.title = QLabel()
        self.title.setProperty("role", "title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.store_label = QLabel()
        self.store_label.setProperty("role", "muted")
        self.store_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code_label = QLabel()
        self.staff_code = QLineEdit()
        self.staff_code.setObjectName("staffCode")
        self.staff_code.setMaxLength(32)
        self.staff_code.returnPressed.connect(self._code_entered)
        self.pin_pad = PinPad()
        self.pin_pad.setObjectName("signInPinPad")
        self.pin_pad.submitted.connect(self._submit)
        self.pin_pad.cancelled.connect(self._back_to_code)
        self.message = QLabel()
        self.message.setObjectName("signInMessage")
        self.message.setProperty("role", "error")
        message_area(self.message, 2)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)

        column = QVBoxLayout()
        column.addStretch(1)
        column.addWidget(self.title)
        column.addWidget(self.store_label)
        column.addSpacing(16)
        column.addWidget(self.code_label)
        column.addWidget(self.staff_code)
        column.addWidget(self.pin_pad)
        column.addWidget(self.message)
        column.addStretch(1)
        holder = QWidget()
        holder.setLayout(column)
        holder.setMaximumWidth(460)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(holder)
        outer.addStretch(1)
        session.store_changed.connect(lambda _store: self.retranslate())
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Till locked") if self.locked else self.tr("Sign in"))
        self.store_label.setText(self.session.store.name)
        self.code_label.setText(self.tr("Staff code"))
        self.staff_code.setPlaceholderText(self.tr("e.g. C001"))

    def reset(self, *, locked: bool = False, message: str = "") -> None:
        """Clear the form; ``locked`` after inactivity keeps the last staff code."""
        self.locked = locked
        if not locked:
            self.staff_code.clear()
        self.pin_pad.clear()
        self.message.setText(message)
        self.retranslate()
        self.focus_first()

    def card_waiting(self) -> None:
        """A member card was scanned before anyone signed in: it is shown after sign-in."""
        self.message.setText(self.tr("Card scanned: sign in to see the member."))
        self.focus_first()

    def focus_first(self) -> None:
        if self.staff_code.text():
            self.pin_pad.setFocus()
        else:
            self.staff_code.setFocus()

    def _code_entered(self) -> None:
        if self.staff_code.text().strip():
            self.pin_pad.setFocus()

    def _back_to_code(self) -> None:
        self.staff_code.setFocus()
        self.staff_code.selectAll()

    def _submit(self, pin: str) -> None:
        code = self.staff_code.text().strip()
        if not code:
            self.message.setText(self.tr("Enter your staff code first."))
            self.staff_code.setFocus()
            return
        self.pin_pad.setEnabled(False)
        self.message.setText(self.tr("Checking…"))
        self.session.runner.submit(
            self.session.services.staff.sign_in,
            code,
            pin,
            on_result=self._signed_in,
            on_error=self._failed,
            context=self,
        )

    def _signed_in(self, staff: StaffSession) -> None:
        self.pin_pad.setEnabled(True)
        self.pin_pad.clear()
        self.message.clear()
        self.session.sign_in(staff)

    def _failed(self, error: BaseException) -> None:
        self.pin_pad.setEnabled(True)
        self.pin_pad.clear()
        self.pin_pad.setFocus()
        self.message.setText(error_message(error, self.session.currency))
