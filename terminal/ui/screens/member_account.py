"""One member's account: history, a manager's points adjustment, profile changes.

Reached from checkout with the member on screen (Shift+F11). Every change goes through the
services (a ``points.adjusted`` or ``member.updated`` event), never straight to the
replica; ``done`` goes back to checkout with the member as it now is.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from shared.domain.adjustment import ADJUSTMENT_REASONS
from shared.errors import ValidationFailed
from terminal.services import MemberView, Receipt, StaffSession
from terminal.services.member_history import AccountView, HistoryLine
from terminal.services.profile import ProfileEdit
from terminal.ui.base import Retranslating, message_area
from terminal.ui.formatting import (
    format_date,
    format_datetime,
    format_money,
    format_points,
    format_signed_points,
    store_time,
    stored_time,
    zone_label,
)
from terminal.ui.messages import error_message, tidy_spacing
from terminal.ui.screens.void import ManagerApproval, event_type_name
from terminal.ui.session import TillSession

MAX_ADJUST_DIGITS = 9


def reason_label(code: str) -> str:
    labels = {
        "missed_scan": QCoreApplication.translate("Adjust", "Card not scanned"),
        "wrong_amount": QCoreApplication.translate("Adjust", "Wrong sale amount"),
        "goodwill": QCoreApplication.translate("Adjust", "Goodwill"),
        "complaint": QCoreApplication.translate("Adjust", "Complaint settled"),
        "other": QCoreApplication.translate("Adjust", "Other (explain)"),
    }
    return labels.get(code, code)


class AdjustTab(Retranslating):
    """Points (signed), a reason from the list plus free text, then a manager's PIN."""

    adjusted = Signal(object)  # Receipt

    def __init__(self, session: TillSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.member: MemberView | None = None
        self.points = QLineEdit()
        self.points.setObjectName("adjustPoints")
        self.points.setValidator(QIntValidator(-(10**MAX_ADJUST_DIGITS), 10**MAX_ADJUST_DIGITS))
        self.reason = QComboBox()
        self.reason.setObjectName("adjustReason")
        # sized by a short label, not the longest (the list opens as wide as it needs)
        self.reason.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.reason.setMinimumContentsLength(14)
        for code in ADJUSTMENT_REASONS:
            self.reason.addItem(code, code)
        self.note = QLineEdit()
        self.note.setObjectName("adjustNote")
        self.note.setMaxLength(400)
        self.limit = QLabel()
        self.limit.setObjectName("adjustLimit")
        self.limit.setProperty("role", "hint")
        self.limit.setWordWrap(True)
        self.message = QLabel()
        self.message.setObjectName("adjustMessage")
        message_area(self.message, 2)
        self.approval = ManagerApproval(session)
        self.approval.approved.connect(self._adjust)
        self.points.returnPressed.connect(self.reason.setFocus)
        self.note.returnPressed.connect(self._note_entered)
        self.form = QFormLayout()
        self.points_label = QLabel()
        self.reason_label = QLabel()
        self.note_label = QLabel()
        self.form.addRow(self.points_label, self.points)
        self.form.addRow(self.reason_label, self.reason)
        self.form.addRow(self.note_label, self.note)
        left = QVBoxLayout()
        left.addLayout(self.form)
        left.addWidget(self.limit)
        left.addWidget(self.message)
        left.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addWidget(self.approval, 2)
        self.retranslate()

    def retranslate(self) -> None:
        self.points_label.setText(self.tr("Points (+ or -)"))
        self.reason_label.setText(self.tr("Reason"))
        self.note_label.setText(self.tr("Details"))
        self.points.setPlaceholderText(self.tr("e.g. 200 or -150"))
        self.note.setPlaceholderText(self.tr("What happened (required for Other)"))
        for index in range(self.reason.count()):
            self.reason.setItemText(index, reason_label(str(self.reason.itemData(index))))
        program = self.session.program
        self.limit.setText(
            self.tr("At most %1 per adjustment; %2 per member a day.")
            .replace("%1", format_points(program.max_adjustment_points))
            .replace("%2", format_points(program.max_member_daily_adjustment_points))
        )

    def load(self, member: MemberView) -> None:
        self.member = member
        self.points.clear()
        self.note.clear()
        self.reason.setCurrentIndex(0)
        self.message.clear()
        self.message.setProperty("role", "")
        self.approval.reset()
        self.retranslate()

    def _note_entered(self) -> None:
        if self.approval.approve_button.isVisible():
            self.approval.approve_button.click()
        else:
            self.approval.code.setFocus()

    def _adjust(self, manager: StaffSession) -> None:
        if self.member is None:
            return
        try:
            points = int(self.points.text().strip())
        except ValueError:
            self._show_error(ValidationFailed("Points", code="invalid_points"))
            self.points.setFocus()
            return
        self.session.runner.submit(
            self.session.services.manager.adjust_for,
            manager,
            self.member.member_id,
            points=points,
            reason=str(self.reason.currentData()),
            note=self.note.text(),
            on_result=self._done,
            on_error=self._show_error,
            context=self,
        )

    def _done(self, receipt: Receipt) -> None:
        self.member = receipt.member
        self.points.clear()
        self.note.clear()
        self.approval.reset()
        self._set_message(
            self.tr("Adjusted %1; the balance is now %2.")
            .replace("%1", format_signed_points(receipt.points_delta))
            .replace("%2", format_points(receipt.member.balance)),
            "ok",
        )
        self.session.changed()
        self.adjusted.emit(receipt)

    def _show_error(self, error: BaseException) -> None:
        self.approval.reset()
        self._set_message(error_message(error, self.session.currency), "error")

    def _set_message(self, text: str, role: str) -> None:
        self.message.setProperty("role", role)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setText(text)


CONSENT_KEEP, CONSENT_YES, CONSENT_NO = 0, 1, 2


class ProfileTab(Retranslating):
    """Name, phone, birthday and marketing consent; empty fields stay as they are."""

    updated = Signal(object)  # Receipt
    card_replaced = Signal(object)  # Receipt

    def __init__(self, session: TillSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.member: MemberView | None = None
        self.name = QLineEdit()
        self.name.setObjectName("profileName")
        self.name.setMaxLength(100)
        self.phone = QLineEdit()
        self.phone.setObjectName("profilePhone")
        self.phone.setMaxLength(32)
        self.birthday = QLineEdit()
        self.birthday.setObjectName("profileBirthday")
        self.birthday.setMaxLength(10)
        self.consent = QComboBox()
        self.consent.setObjectName("profileConsent")
        for _ in range(3):
            self.consent.addItem("")
        self.hint = QLabel()
        self.hint.setProperty("role", "hint")
        self.hint.setWordWrap(True)
        self.message = QLabel()
        self.message.setObjectName("profileMessage")
        message_area(self.message, 2)
        self.save_button = QPushButton()
        self.save_button.setObjectName("profileSave")
        self.save_button.setProperty("role", "primary")
        self.save_button.clicked.connect(self.save)
        for field in (self.name, self.phone, self.birthday):
            field.returnPressed.connect(self.save)
        self.card_hint = QLabel()
        self.card_hint.setProperty("role", "hint")
        self.card_hint.setWordWrap(True)
        self.replace_button = QPushButton()
        self.replace_button.setObjectName("replaceCard")
        self.replace_button.clicked.connect(self.replace_card)
        self.labels = [QLabel() for _ in range(4)]
        form = QFormLayout()
        widgets: tuple[QWidget, ...] = (self.name, self.phone, self.birthday, self.consent)
        for label, widget in zip(self.labels, widgets, strict=True):
            form.addRow(label, widget)
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.save_button)
        layout.addStretch(1)
        layout.addWidget(self.card_hint)
        layout.addWidget(self.replace_button)
        self.retranslate()

    def retranslate(self) -> None:
        self.card_hint.setText(
            self.tr("Card lost? A new card number replaces it; the old card stops working.")
        )
        self.replace_button.setText(self.tr("Replace lost card"))
        for label, text in zip(
            self.labels,
            (self.tr("Name"), self.tr("New phone"), self.tr("Birthday"), self.tr("Marketing")),
            strict=True,
        ):
            label.setText(text)
        self.hint.setText(
            self.tr("Fill in only what changes. The till keeps the last 4 digits of a phone.")
        )
        self.phone.setPlaceholderText(self.tr("Full mobile number"))
        self.birthday.setPlaceholderText(self.tr("YYYY-MM-DD"))
        self.consent.setItemText(CONSENT_KEEP, self.tr("No change"))
        self.consent.setItemText(CONSENT_YES, self.tr("Agrees to marketing messages"))
        self.consent.setItemText(CONSENT_NO, self.tr("Does not agree to marketing messages"))
        self.save_button.setText(self.tr("Save changes"))
        if self.member is not None:
            self.name.setPlaceholderText(self.member.display_name)

    def load(self, member: MemberView) -> None:
        self.member = member
        for field in (self.name, self.phone, self.birthday):
            field.clear()
        self.consent.setCurrentIndex(CONSENT_KEEP)
        self.message.clear()
        self.retranslate()

    def save(self) -> None:
        if self.member is None or self.session.staff is None:
            return
        consent = {CONSENT_YES: True, CONSENT_NO: False}.get(self.consent.currentIndex())
        edit = ProfileEdit(
            name=self.name.text() or None,
            phone=self.phone.text() or None,
            birthday=self.birthday.text().strip() or None,
            consent_marketing=consent,
        )
        self.save_button.setEnabled(False)
        self.session.runner.submit(
            self.session.services.profile.update,
            self.session.staff,
            self.member.member_id,
            edit,
            on_result=self._saved,
            on_error=self._failed,
            context=self,
        )

    def replace_card(self) -> None:
        if self.member is None or self.session.staff is None:
            return
        self.replace_button.setEnabled(False)
        self.session.runner.submit(
            self.session.services.profile.replace_card,
            self.session.staff,
            self.member.member_id,
            on_result=self._replaced,
            on_error=self._failed,
            context=self,
        )

    def _replaced(self, receipt: Receipt) -> None:
        self.replace_button.setEnabled(True)
        self.load(receipt.member)
        self.session.changed()
        self.card_replaced.emit(receipt)

    def _saved(self, receipt: Receipt) -> None:
        self.save_button.setEnabled(True)
        self.load(receipt.member)
        self._set_message(self.tr("Saved; head office gets the change at the next sync."), "ok")
        self.session.changed()
        self.updated.emit(receipt)

    def _failed(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        self.replace_button.setEnabled(True)
        self._set_message(error_message(error, self.session.currency), "error")

    def _set_message(self, text: str, role: str) -> None:
        self.message.setProperty("role", role)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setText(text)


def expiry_text(view: AccountView, zone: str) -> str:
    """'600 pts expire on 2027-01-31' for the soonest expiry (the store's date), or ''
    when none is known."""
    if not view.expiring:
        return ""
    when, points = view.expiring[0]
    return (
        QCoreApplication.translate("History", "%1 expire on %2")
        .replace("%1", format_points(points))
        .replace("%2", format_date(store_time(when, zone)))
    )


def history_line_text(line: HistoryLine, currency: str, zone: str) -> str:
    parts = [format_datetime(stored_time(line.occurred_at, zone), zone)]
    parts.append(event_type_name(line.type))
    if line.points_delta:
        parts.append(format_signed_points(line.points_delta))
    if line.amount_cents:
        parts.append(format_money(line.amount_cents, currency))
    if line.store_code is None:
        parts.append(QCoreApplication.translate("History", "this till"))
    else:
        parts.append(line.store_code)
    if line.voided:
        parts.append(QCoreApplication.translate("History", "(voided)"))
    elif line.pending:
        parts.append(QCoreApplication.translate("History", "(not synced yet)"))
    return "   ".join(parts)


class HistoryTab(Retranslating):
    """The member's latest transactions at every till (head office's list, fetched when
    online) with this till's own; offline it shows what the till has and says so."""

    def __init__(self, session: TillSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.member: MemberView | None = None
        self.view: AccountView | None = None
        self.fetched = False
        self.note = QLabel()
        self.note.setObjectName("historyNote")
        self.note.setProperty("role", "hint")
        self.note.setWordWrap(True)
        self.expiring = QLabel()
        self.expiring.setObjectName("historyExpiring")
        self.expiring.setWordWrap(True)
        self.events = QListWidget()
        self.events.setObjectName("historyEvents")
        self.events.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.expiring)
        layout.addWidget(self.events, 1)
        self.retranslate()

    def retranslate(self) -> None:
        zone = self.session.timezone
        view = self.view
        if self.fetched:
            text = self.tr("Every store's latest transactions, from head office now.")
        elif view is not None and view.as_of is not None:
            text = self.tr(
                "Offline: head office's list as of %1, with this till's own since."
            ).replace("%1", format_datetime(store_time(view.as_of, zone), zone))
        else:
            text = self.tr("Offline: only this till's transactions are shown.")
        times = self.tr("Times on the store's clock (%1).").replace("%1", zone_label(zone))
        self.note.setText(tidy_spacing(f"{text} {times}"))
        self.expiring.setText(expiry_text(view, zone) if view is not None else "")
        self.expiring.setVisible(bool(self.expiring.text()))
        self.events.clear()
        if view is None:
            return
        for line in view.lines:
            self.events.addItem(history_line_text(line, self.session.currency, zone))
        if not view.lines:
            self.events.addItem(self.tr("No transactions yet."))

    def load(self, member: MemberView) -> None:
        self.member = member
        self.view = None
        self.fetched = False
        self.retranslate()
        fetch = self.session.backend.member_summary
        if fetch is None:
            self._read(member.member_id, False)
            return
        self.session.runner.submit(
            fetch,
            member.member_id,
            on_result=lambda ok: self._read(member.member_id, bool(ok)),
            on_error=lambda _error: self._read(member.member_id, False),
            context=self,
        )

    def _read(self, member_id: str, fetched: bool) -> None:
        self.session.runner.submit(
            self.session.services.lookup.account,
            member_id,
            on_result=lambda view: self._show(view, fetched),
            on_error=lambda _error: None,
            context=self,
        )

    def _show(self, view: AccountView, fetched: bool) -> None:
        if self.member is None or view.member_id != self.member.member_id:
            return
        self.view = view
        self.fetched = fetched
        self.retranslate()


class MemberAccountScreen(Retranslating):
    done = Signal(object)  # MemberView | None
    card_replaced = Signal(object)  # MemberView: show the new card

    def __init__(self, session: TillSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.member: MemberView | None = None
        self.title = QLabel()
        self.title.setObjectName("accountTitle")
        self.title.setProperty("role", "title")
        self.title.setWordWrap(True)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("accountTabs")
        self.history = HistoryTab(session)
        self.adjust = AdjustTab(session)
        self.profile = ProfileTab(session)
        self.tabs.addTab(self.history, "")
        self.tabs.addTab(self.adjust, "")
        self.tabs.addTab(self.profile, "")
        self.adjust.adjusted.connect(self._changed)
        self.profile.updated.connect(self._changed)
        self.profile.card_replaced.connect(self._new_card)
        self.back_button = QPushButton()
        self.back_button.setObjectName("accountBack")
        self.back_button.clicked.connect(lambda: self.done.emit(self.member))
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.back_button)
        self.retranslate()

    def retranslate(self) -> None:
        self.tabs.setTabText(0, self.tr("History"))
        self.tabs.setTabText(1, self.tr("Adjust points"))
        self.tabs.setTabText(2, self.tr("Profile"))
        self.back_button.setText(self.tr("Back to checkout (Esc)"))
        member = self.member
        if member is None:
            self.title.setText(self.tr("Member account"))
        else:
            self.title.setText(f"{member.display_name} — {format_points(member.balance)}")

    def load(self, member: MemberView, tab: int = 0) -> None:
        self.member = member
        self.history.load(member)
        self.adjust.load(member)
        self.profile.load(member)
        self.tabs.setCurrentIndex(tab)
        self.retranslate()

    def _new_card(self, receipt: Receipt) -> None:
        self._changed(receipt)
        self.card_replaced.emit(receipt.member)

    def _changed(self, receipt: Receipt) -> None:
        self.member = receipt.member
        self.history.load(receipt.member)
        self.retranslate()
