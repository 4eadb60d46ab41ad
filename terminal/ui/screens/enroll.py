"""Enrolling a member (works offline), then the new member's card with its QR code."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from shared.errors import DomainError
from terminal.services import MemberView, Receipt
from terminal.ui.base import Retranslating, message_area
from terminal.ui.formatting import tier_label
from terminal.ui.messages import error_message
from terminal.ui.session import TillSession
from terminal.ui.widgets.member_card import CardData, MemberCardView

_FIELD_OF_CODE = {"invalid_name": "name", "invalid_phone": "phone", "member_exists": "phone"}


class CardScreen(Retranslating):
    """A member's card; ``done`` goes back to checkout with that member."""

    done = Signal(object)  # MemberView

    def __init__(self, session: TillSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.member: MemberView | None = None
        self.title = QLabel()
        self.title.setProperty("role", "title")
        self.card = MemberCardView()
        self.back_button = QPushButton()
        self.back_button.setObjectName("cardDone")
        self.back_button.setProperty("role", "primary")
        self.back_button.setAutoDefault(True)  # Enter confirms
        self.back_button.clicked.connect(lambda: self.done.emit(self.member))
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.card, 1)
        layout.addWidget(self.back_button)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Member card"))
        self.back_button.setText(self.tr("Continue to checkout (Enter)"))
        if self.member is not None:
            self._set_card(self.member)  # the tier's name in the new language

    def show_member(self, member: MemberView) -> None:
        self.member = member
        self._set_card(member)
        self.back_button.setFocus()

    def _set_card(self, member: MemberView) -> None:
        self.card.set_card(
            CardData(
                member_code=member.member_code,
                name=member.display_name,
                tier_name=tier_label(self.session.program, member.tier),
                store_name=self.session.store.name,
            )
        )


class EnrollScreen(Retranslating):
    enrolled = Signal(object)  # MemberView
    cancelled = Signal()

    def __init__(self, session: TillSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.title = QLabel()
        self.title.setProperty("role", "title")
        self.name = QLineEdit()
        self.name.setObjectName("enrollName")
        self.name.setMaxLength(100)
        self.phone = QLineEdit()
        self.phone.setObjectName("enrollPhone")
        self.phone.setMaxLength(32)
        self.phone.setProperty("digitsAreTyping", True)  # a fast phone is not a card scan
        self.email = QLineEdit()
        self.email.setObjectName("enrollEmail")
        self.email.setMaxLength(254)
        self.consent = QCheckBox()
        self.consent.setObjectName("enrollConsent")
        self.name_label, self.phone_label, self.email_label = QLabel(), QLabel(), QLabel()
        self.errors = {"name": QLabel(), "phone": QLabel()}
        for label in self.errors.values():
            label.setProperty("role", "error")
        self.message = QLabel()
        self.message.setObjectName("enrollMessage")
        self.message.setProperty("role", "error")
        message_area(self.message, 2)
        self.submit_button = QPushButton()
        self.submit_button.setObjectName("enrollSubmit")
        self.submit_button.setProperty("role", "primary")
        self.submit_button.clicked.connect(self.submit)
        self.cancel_button = QPushButton()
        self.cancel_button.setObjectName("enrollCancel")
        self.cancel_button.clicked.connect(self.cancel)
        for field in (self.name, self.phone, self.email):
            field.returnPressed.connect(self.submit)

        form = QFormLayout()
        form.addRow(self.name_label, self.name)
        form.addRow("", self.errors["name"])
        form.addRow(self.phone_label, self.phone)
        form.addRow("", self.errors["phone"])
        form.addRow(self.email_label, self.email)
        form.addRow("", self.consent)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.submit_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Enroll a new member"))
        self.name_label.setText(self.tr("Name"))
        self.phone_label.setText(self.tr("Mobile phone"))
        self.email_label.setText(self.tr("E-mail (optional)"))
        self.phone.setPlaceholderText(self.tr("e.g. 138 1234 5678"))
        self.consent.setText(self.tr("The member agrees to receive offers (marketing consent)"))
        self.submit_button.setText(self.tr("Enroll (Enter)"))
        self.cancel_button.setText(self.tr("Cancel (Esc)"))

    def open(self) -> None:
        """Show the form as it was left (a scan or a look at checkout loses nothing),
        without the errors of an earlier attempt."""
        self._clear_errors()
        self.submit_button.setEnabled(True)
        first_empty = next((f for f in (self.name, self.phone) if not f.text().strip()), None)
        (first_empty or self.name).setFocus()

    def reset(self) -> None:
        for field in (self.name, self.phone, self.email):
            field.clear()
        self.consent.setChecked(False)
        self._clear_errors()
        self.submit_button.setEnabled(True)
        self.name.setFocus()

    def _clear_errors(self) -> None:
        self.message.clear()
        for label in self.errors.values():
            label.clear()

    def _validate(self) -> bool:
        self._clear_errors()
        ok = True
        if not self.name.text().strip():
            self.errors["name"].setText(self.tr("Enter the member's name."))
            ok = False
        digits = [ch for ch in self.phone.text() if ch.isdigit()]
        if not digits:
            self.errors["phone"].setText(self.tr("Enter the member's mobile number."))
            ok = False
        elif len(digits) < 6:
            self.errors["phone"].setText(
                self.tr("This mobile number is too short: enter all its digits.")
            )
            ok = False
        if not ok:
            (self.name if self.errors["name"].text() else self.phone).setFocus()
        return ok

    def submit(self) -> None:
        staff = self.session.staff
        if staff is None or not self.submit_button.isEnabled() or not self._validate():
            return
        self.submit_button.setEnabled(False)
        self.session.runner.submit(
            self.session.services.enrollment.enroll,
            staff,
            name=self.name.text(),
            phone=self.phone.text(),
            consent_marketing=self.consent.isChecked(),
            email=self.email.text().strip() or None,
            on_result=self._done,
            on_error=self._failed,
            context=self,
        )

    def cancel(self) -> None:
        """The cashier gives up on this enrolment: the form is emptied."""
        self.reset()
        self.cancelled.emit()

    def _done(self, receipt: Receipt) -> None:
        self.reset()
        self.session.changed()
        self.enrolled.emit(receipt.member)

    def _failed(self, error: BaseException) -> None:
        self.submit_button.setEnabled(True)
        text = error_message(error, self.session.currency)
        field = _FIELD_OF_CODE.get(error.code) if isinstance(error, DomainError) else None
        if field is not None:
            self.errors[field].setText(text)
            (self.name if field == "name" else self.phone).setFocus()
        else:
            self.message.setText(text)
