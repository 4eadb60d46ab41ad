"""The manager's "Close day" panel on the Reports screen: preview, confirm, result, history.

Every call (preview, close, history) runs through the session's runner: building the
day-close service may import httpx and closing the day talks to head office.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from shared.errors import DomainError
from terminal.ui.base import Retranslating
from terminal.ui.formatting import format_money
from terminal.ui.messages import error_message
from terminal.ui.session import TillSession

NOT_PAIRED = frozenset({"not_paired", "terminal_not_paired", "terminal_not_configured"})
HISTORY_ROWS = 7


def _say(label: QLabel, text: str) -> None:
    """Show ``text``; an empty label takes no room (the panel must fit a 800 px screen)."""
    label.setText(text)
    label.setVisible(bool(text))


def _set_role(label: QLabel, role: str) -> None:
    label.setProperty("role", role)
    label.style().unpolish(label)
    label.style().polish(label)


class DayClosePanel(Retranslating):
    def __init__(self, session: TillSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.preview: Any = None  # DayCloseRequest shown for confirmation
        self.result: Any = None  # DayCloseResult of the last close
        self.closed: list[Any] = []  # ClosedDay rows
        self.box = QGroupBox()
        self.box.setObjectName("dayClose")
        self.close_button = QPushButton()
        self.close_button.setObjectName("dayCloseStart")
        self.close_button.clicked.connect(self.start)
        self.confirm_button = QPushButton()
        self.confirm_button.setObjectName("dayCloseConfirm")
        self.confirm_button.setProperty("role", "primary")
        self.confirm_button.clicked.connect(self.confirm)
        self.cancel_button = QPushButton()
        self.cancel_button.setObjectName("dayCloseCancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.summary = QLabel()
        self.summary.setObjectName("dayCloseSummary")
        self.summary.setWordWrap(True)
        self.message = QLabel()
        self.message.setObjectName("dayCloseMessage")
        self.message.setWordWrap(True)
        self.history_title = QLabel()
        self.history_title.setProperty("role", "muted")
        self.history = QTableWidget(0, 2)
        self.history.setObjectName("dayCloseHistory")
        self.history.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.history.verticalHeader().setVisible(False)
        self.history.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.history.setMaximumHeight(96)

        buttons = QHBoxLayout()
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.confirm_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        action = QVBoxLayout()
        action.setSpacing(4)
        action.addLayout(buttons)
        action.addWidget(self.summary)
        action.addWidget(self.message)
        action.addStretch(1)
        closed = QVBoxLayout()
        closed.addWidget(self.history_title)
        closed.addWidget(self.history, 1)
        inner = QHBoxLayout(self.box)
        inner.setContentsMargins(10, 4, 10, 6)
        inner.addLayout(action, 3)
        inner.addLayout(closed, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.box)
        self._show_buttons(confirming=False)
        _say(self.summary, "")
        _say(self.message, "")
        self.retranslate()

    # --- texts ----------------------------------------------------------------------

    def retranslate(self) -> None:
        self.box.setTitle(self.tr("Close day"))
        self.close_button.setText(self.tr("Close day…"))
        self.confirm_button.setText(self.tr("Send to head office"))
        self.cancel_button.setText(self.tr("Cancel"))
        self.history_title.setText(self.tr("Recently closed days"))
        self.history.setHorizontalHeaderLabels([self.tr("Business day"), self.tr("Status")])
        self._fill_summary()
        self._fill_result()
        self._fill_history()

    def _status_text(self, status: str) -> str:
        names = {
            "matched": self.tr("Matched"),
            "pending": self.tr("Pending"),
            "mismatch": self.tr("Mismatch"),
        }
        return names.get(status, status)

    def _fill_summary(self) -> None:
        request = self.preview
        if request is None:
            _say(self.summary, "")
            return
        events = sum(request.counts.values())
        _say(
            self.summary,
            self.tr(
                "Business day {day}: {events} events (seq {first}–{last}), "
                "{earned} points earned, {redeemed} redeemed, sales {amount}."
            ).format(
                day=request.business_date.isoformat(),
                events=f"{events:,}",
                first=request.first_seq,
                last=request.last_seq,
                earned=f"{request.points_earned:,}",
                redeemed=f"{request.points_redeemed:,}",
                amount=format_money(request.amount_cents, self.session.currency),
            ),
        )

    def _fill_result(self) -> None:
        result = self.result
        if result is None:
            return
        if result.status == "matched":
            text = self.tr("Day {day} closed: head office's figures match.")
            role = "ok"
        elif result.status == "pending":
            text = self.tr(
                "Day {day} is pending: {count} events still on their way (seq {seqs}). "
                "Head office will match them once they arrive."
            )
            role = "warn"
        else:
            text = self.tr(
                "Day {day} does not match head office's figures: {reason}. Call head office."
            )
            role = "error"
        seqs = ", ".join(str(seq) for seq in result.missing_seqs[:10])
        if len(result.missing_seqs) > 10:
            seqs += ", …"
        _say(
            self.message,
            text.format(
                day=result.business_date,
                count=len(result.missing_seqs),
                seqs=seqs,
                reason=self._reason(result.details),
            ),
        )
        _set_role(self.message, role)

    def _reason(self, details: object) -> str:
        if isinstance(details, dict):
            reason = details.get("reason") or details.get("detail") or details.get("fields")
            if reason:
                return str(reason)
            if details:
                return ", ".join(f"{key}: {value}" for key, value in details.items())
        if isinstance(details, str) and details:
            return details
        return self.tr("the totals differ")

    def _fill_history(self) -> None:
        self.history.setRowCount(len(self.closed))
        for row, day in enumerate(self.closed):
            cells = [day.business_date, self._status_text(day.status)]
            for column, text in enumerate(cells):
                self.history.setItem(row, column, QTableWidgetItem(text))

    def _show_buttons(self, *, confirming: bool) -> None:
        self.close_button.setVisible(not confirming)
        self.confirm_button.setVisible(confirming)
        self.cancel_button.setVisible(confirming)

    def _show_error(self, error: BaseException) -> None:
        self._show_buttons(confirming=False)
        self.close_button.setEnabled(True)
        self.confirm_button.setEnabled(True)
        self.cancel_button.setEnabled(True)
        if isinstance(error, DomainError) and error.code in NOT_PAIRED:
            _say(self.message, self._not_paired_text())
        else:
            _say(self.message, error_message(error, self.session.currency))
        _set_role(self.message, "error")

    def _not_paired_text(self) -> str:
        return self.tr(
            "This till is not paired with head office: pair it in Settings (F9) "
            "before closing a day."
        )

    # --- actions --------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the recently closed days (when the Reports screen opens)."""
        factory = self.session.backend.day_close
        if factory is None:
            return
        self.session.runner.submit(
            lambda: factory().history(HISTORY_ROWS),
            on_result=self._show_history,
            on_error=lambda _error: None,  # no history yet: the list stays empty
            context=self,
        )

    def _show_history(self, closed: list[Any]) -> None:
        self.closed = list(closed)
        self._fill_history()

    def start(self) -> None:
        """Step one: fetch today's figures and ask for confirmation."""
        self.result = None
        self.preview = None
        self._fill_summary()
        _say(self.message, "")
        factory = self.session.backend.day_close
        if factory is None:
            _say(self.message, self._not_paired_text())
            _set_role(self.message, "error")
            return
        self.close_button.setEnabled(False)
        self.session.runner.submit(
            lambda: factory().preview(),
            on_result=self._ask,
            on_error=self._show_error,
            context=self,
        )

    def _ask(self, request: Any) -> None:
        self.close_button.setEnabled(True)
        self.preview = request
        self._fill_summary()
        self._show_buttons(confirming=True)
        self.confirm_button.setFocus()

    def cancel(self) -> None:
        self.preview = None
        self._fill_summary()
        _say(self.message, "")
        self._show_buttons(confirming=False)

    def confirm(self) -> None:
        """Step two: close the previewed day at head office, off the GUI thread."""
        factory = self.session.backend.day_close
        request = self.preview
        if factory is None or request is None:
            return
        staff = self.session.staff
        self.preview = None
        self._fill_summary()
        self.confirm_button.setEnabled(False)
        self.cancel_button.setEnabled(False)
        _say(self.message, self.tr("Closing the day with head office…"))
        _set_role(self.message, "muted")
        self.session.runner.submit(
            lambda: factory().close_day(staff, request.business_date),
            on_result=self._closed,
            on_error=self._show_error,
            context=self,
        )

    def _closed(self, result: Any) -> None:
        self.confirm_button.setEnabled(True)
        self.cancel_button.setEnabled(True)
        self.preview = None
        self._fill_summary()
        self._show_buttons(confirming=False)
        self.result = result
        self._fill_result()
        self.refresh()
