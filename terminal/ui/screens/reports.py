"""Manager reports for a date range: figures, an hourly chart, top members; CSV and PDF."""

from __future__ import annotations

from datetime import date
from html import escape
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QPageSize, QTextDocument
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from terminal.services import ReportView
from terminal.ui.base import Retranslating, message_area
from terminal.ui.file_dialog import ask_file_name
from terminal.ui.formatting import format_money, format_points, format_signed_points, zone_label
from terminal.ui.messages import error_message
from terminal.ui.report_export import report_csv
from terminal.ui.screens.day_close import DayClosePanel
from terminal.ui.session import TillSession
from terminal.ui.widgets.hourly_chart import HourlyChart
from terminal.ui.widgets.store_figures import StoreFiguresLine

FIGURES = 12  # two rows of four, then the returns' four beside the top members
MAIN_FIGURES = 8


def _as_date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class ReportsScreen(Retranslating):
    def __init__(self, session: TillSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.report: ReportView | None = None
        self._asked: tuple[date, date] | None = None
        self.title = QLabel()
        self.title.setProperty("role", "title")
        today = self._today()
        self.date_from = QDateEdit(today)
        self.date_from.setObjectName("reportFrom")
        self.date_to = QDateEdit(today)
        self.date_to.setObjectName("reportTo")
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.today_button = QPushButton()
        self.today_button.setObjectName("reportToday")
        self.today_button.clicked.connect(self.show_today)
        self.run_button = QPushButton()
        self.run_button.setObjectName("reportRun")
        self.run_button.setProperty("role", "primary")
        self.run_button.clicked.connect(self.refresh)
        self.csv_button = QPushButton()
        self.csv_button.setObjectName("reportCsv")
        self.csv_button.clicked.connect(self._ask_csv)
        self.pdf_button = QPushButton()
        self.pdf_button.setObjectName("reportPdf")
        self.pdf_button.clicked.connect(self._ask_pdf)
        self.figure_names = [QLabel() for _ in range(FIGURES)]
        self.figure_values = [QLabel() for _ in range(FIGURES)]
        for label in self.figure_values[:MAIN_FIGURES]:
            label.setProperty("role", "figure")
        self.figure_values[0].setObjectName("reportTransactions")
        self.chart = HourlyChart()
        self.top = QTableWidget(0, 4)
        self.top.setObjectName("reportTop")
        self.top.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.top.verticalHeader().setVisible(False)
        self.top.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.top.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.message = message_area(QLabel(), 1)
        self.message.setProperty("role", "error")
        self.day_close = DayClosePanel(session)
        self.store_figures = StoreFiguresLine(session)  # all tills when online

        controls = QHBoxLayout()
        for widget in (self.date_from, self.date_to, self.today_button, self.run_button):
            controls.addWidget(widget)
        controls.addStretch(1)
        controls.addWidget(self.csv_button)
        controls.addWidget(self.pdf_button)
        figures = QGridLayout()
        figures.setHorizontalSpacing(16)
        for label in self.figure_names:
            label.setWordWrap(True)  # "Member transactions" in a narrow column
            label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom)
        returns = QGridLayout()  # small, above the top members: no height taken from the
        returns.setHorizontalSpacing(16)  # figures at 1024x768
        for index, (name, value) in enumerate(
            zip(self.figure_names, self.figure_values, strict=True)
        ):
            if index < MAIN_FIGURES:
                row, column = divmod(index, MAIN_FIGURES // 2)
                figures.addWidget(name, row * 2, column)
                figures.addWidget(value, row * 2 + 1, column)
            else:
                returns.addWidget(name, 0, index - MAIN_FIGURES)
                returns.addWidget(value, 1, index - MAIN_FIGURES)
        right = QVBoxLayout()
        right.addLayout(returns)
        right.addWidget(self.top, 1)
        lower = QHBoxLayout()
        lower.addWidget(self.chart, 1)
        lower.addLayout(right, 2)  # names need the room more than the bars
        heading = QHBoxLayout()  # the store's line beside the title: no height taken
        heading.addWidget(self.title)
        heading.addWidget(self.store_figures, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(heading)
        layout.addLayout(controls)
        layout.addWidget(self.message)
        layout.addLayout(figures)
        layout.addLayout(lower, 1)
        layout.addWidget(self.day_close)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Reports"))
        self.today_button.setText(self.tr("Today"))
        self.run_button.setText(self.tr("Show"))
        self.csv_button.setText(self.tr("Export CSV"))
        self.pdf_button.setText(self.tr("Export PDF"))
        for label, text in zip(self.figure_names, self._figure_titles(), strict=True):
            label.setText(text)
        self.top.setHorizontalHeaderLabels(
            [self.tr("Member no."), self.tr("Name"), self.tr("Points earned"), self.tr("Sales")]
        )
        self.chart.set_titles(
            self.tr("Transactions per hour"),
            self.tr("Hour (%1)").replace("%1", zone_label(self.session.timezone)),
        )
        self._fill()

    def _figure_titles(self) -> list[str]:
        return [
            self.tr("Member transactions"),
            self.tr("Points earned"),
            self.tr("Points redeemed"),
            self.tr("Sales to members"),
            self.tr("Enrollments"),
            self.tr("Voids"),
            self.tr("Adjustments"),
            self.tr("Points adjusted"),
            self.tr("Returns"),
            self.tr("Amount returned"),
            self.tr("Points taken back"),
            self.tr("Points given back"),
        ]

    def _today(self) -> QDate:
        day = self.session.services.reports.today()  # the store's business date
        return QDate(day.year, day.month, day.day)

    def show_today(self) -> None:
        today = self._today()
        self.date_from.setDate(today)
        self.date_to.setDate(today)
        self.refresh()

    def range(self) -> tuple[date, date]:
        low = _as_date(self.date_from.date())
        high = _as_date(self.date_to.date())
        return (low, high) if low <= high else (high, low)

    def refresh(self) -> None:
        staff = self.session.staff
        if staff is None:
            return
        low, high = self.range()
        self.message.clear()
        self.day_close.refresh()
        self._asked = (low, high)  # a slower answer for an earlier range is not shown
        self.store_figures.load(low, high)
        self.session.runner.submit(
            self.session.services.reports.summary,
            staff,
            low,
            high,
            on_result=self._show,
            on_error=lambda error: self.message.setText(
                error_message(error, self.session.currency)
            ),
            context=self,
        )

    def _show(self, report: ReportView) -> None:
        if (report.date_from, report.date_to) != self._asked:
            return
        self.report = report
        self._fill()

    def _fill(self) -> None:
        report = self.report
        self.csv_button.setEnabled(report is not None)
        self.pdf_button.setEnabled(report is not None)
        if report is None:
            for label in self.figure_values:
                label.setText("—")
            self.chart.set_counts([0] * 24)
            return
        currency = self.session.currency
        values = [
            f"{report.transactions:,}",
            format_points(report.points_earned),
            format_points(report.points_redeemed),
            format_money(report.member_sales_cents, currency),
            f"{report.enrollments:,}",
            f"{report.voids:,}",
            f"{report.adjustments:,}",
            format_signed_points(report.points_adjusted),
            f"{report.returns:,}",
            format_money(report.returned_cents, currency),
            format_points(report.points_taken_back),
            format_points(report.points_given_back),
        ]
        for label, text in zip(self.figure_values, values, strict=True):
            label.setText(text)
        self.chart.set_counts(list(report.hourly_transactions))
        self.top.setRowCount(len(report.top_members))
        for row, member in enumerate(report.top_members):
            cells = [
                member.member_code,
                member.name,
                format_points(member.points_earned),
                format_money(member.amount_cents, currency),
            ]
            for column, text in enumerate(cells):
                self.top.setItem(row, column, QTableWidgetItem(text))

    # --- export ---------------------------------------------------------------------

    def csv_text(self) -> str:
        assert self.report is not None
        titles = self._figure_titles()
        labels = {
            "figure": self.tr("Figure"),
            "value": self.tr("Value"),
            "from": self.tr("From"),
            "to": self.tr("To"),
            "transactions": titles[0],
            "earned": titles[1],
            "redeemed": titles[2],
            "sales": titles[3],
            "enrollments": titles[4],
            "voids": titles[5],
            "adjustments": titles[6],
            "adjusted": titles[7],
            "returns": titles[8],
            "returned": titles[9],
            "taken_back": titles[10],
            "given_back": titles[11],
            "hour": self.tr("Hour"),
            "member": self.tr("Member no."),
            "name": self.tr("Name"),
        }
        currency = self.session.currency
        money = {
            "sales": format_money(self.report.member_sales_cents, currency),
            "returned": format_money(self.report.returned_cents, currency),
        }
        for member in self.report.top_members:
            money[member.member_code] = format_money(member.amount_cents, currency)
        return report_csv(self.report, labels, money)

    def save_csv(self, path: str) -> None:
        Path(path).write_text(self.csv_text(), encoding="utf-8-sig")

    def save_pdf(self, path: str) -> None:
        assert self.report is not None
        rows = "".join(
            f"<tr><td>{escape(name.text())}</td><td align='right'>{escape(value.text())}</td></tr>"
            for name, value in zip(self.figure_names, self.figure_values, strict=True)
        )
        top = "".join(
            "<tr>" + "".join(f"<td>{escape(self._cell(r, c))}</td>" for c in range(4)) + "</tr>"
            for r in range(self.top.rowCount())
        )
        low, high = self.range()
        html = (
            f"<h1>{escape(self.tr('Reports'))}: {escape(self.session.store.name)}</h1>"
            f"<p>{low.isoformat()} – {high.isoformat()}</p>"
            f"<table cellpadding='4'>{rows}</table>"
            f"<h2>{escape(self.tr('Top members'))}</h2><table cellpadding='4'>{top}</table>"
        )
        document = QTextDocument()
        document.setHtml(html)
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        printer.setOutputFileName(path)
        document.print_(printer)

    def _cell(self, row: int, column: int) -> str:
        item = self.top.item(row, column)
        return item.text() if item is not None else ""

    def _ask_csv(self) -> None:
        path = ask_file_name(self, self.tr("Export CSV"), "report.csv", "CSV (*.csv)", save=True)
        if path:
            self.save_csv(path)

    def _ask_pdf(self) -> None:
        path = ask_file_name(self, self.tr("Export PDF"), "report.pdf", "PDF (*.pdf)", save=True)
        if path:
            self.save_pdf(path)
