"""One line above a manager's report: the store's figures across all its tills when the
server answers, or that the report shows this till only (offline)."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from shared.protocol import StoreReport
from terminal.ui.base import Retranslating, message_area
from terminal.ui.formatting import format_money, format_points
from terminal.ui.session import TillSession


class StoreFiguresLine(Retranslating):
    def __init__(self, session: TillSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.report: StoreReport | None = None
        self.asked: tuple[date, date] | None = None
        self.loaded = False
        self.label = message_area(QLabel(), 1)  # beside the title: as tall as it
        self.label.setObjectName("storeFigures")
        self.label.setProperty("role", "hint")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        self.retranslate()

    def load(self, low: date, high: date) -> None:
        staff = self.session.staff
        if staff is None:
            return
        self.asked = (low, high)
        self.session.runner.submit(
            self.session.services.store_report.store_figures,
            staff,
            low,
            high,
            on_result=lambda report: self._show((low, high), report),
            on_error=lambda _error: self._show((low, high), None),
            context=self,
        )

    def _show(self, asked: tuple[date, date], report: StoreReport | None) -> None:
        if asked != self.asked:
            return  # a slower answer for an earlier range
        self.report, self.loaded = report, True
        self.retranslate()

    def retranslate(self) -> None:
        report = self.report
        if not self.loaded:
            self.label.clear()
        elif report is None:
            self.label.setText(
                self.tr(
                    "Offline: these figures are this till's only (the store's need head office)."
                )
            )
        else:
            total, currency = report.total, self.session.currency
            values = (
                str(report.terminals),
                f"{total.transactions:,}",
                format_points(total.points_earned),
                format_points(total.points_redeemed),
                format_money(total.member_sales_cents, currency),
                f"{total.returns:,}",
                format_money(total.returned_cents, currency),
            )
            text = self.tr(
                "Whole store, %1 tills: %2 transactions, %3 earned, %4 redeemed, sales %5, "
                "%6 returns (%7). The figures below are this till's."
            )
            for index, value in reversed(list(enumerate(values, start=1))):
                text = text.replace(f"%{index}", value)
            self.label.setText(text)
