"""The member slip's preview and where it goes: Qt's printing (any installed printer,
or a PDF) or the ESC/POS receipt printer of the settings."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from terminal.config import ReceiptPrinterSettings
from terminal.services.slip_content import Slip
from terminal.ui.base import message_area
from terminal.ui.file_dialog import ask_file_name
from terminal.ui.receipt_printer import send_slip
from terminal.ui.runner import Runner
from terminal.ui.slip_view import SlipView, render_slip, save_slip_pdf


def _base_font() -> QFont:
    return QApplication.font()


class SlipOutput(QObject):
    """Sends slips where the settings say: ``system`` (Qt's printing) or ``receipt``
    (ESC/POS, off the GUI thread). ``printed`` or ``failed(message)`` follows each."""

    printed = Signal()
    failed = Signal(str)

    def __init__(
        self,
        runner: Runner,
        *,
        printer: str = "system",
        receipt: ReceiptPrinterSettings | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.printer = printer
        self.receipt = receipt or ReceiptPrinterSettings()

    def send(self, slip: Slip, *, ask: QWidget | None = None) -> None:
        """Print ``slip``. With ``ask`` (a parent widget) Qt's print dialog lets the
        cashier choose the printer; without it the system's default printer is used."""
        if self.printer == "receipt":
            self.runner.submit(
                send_slip,
                slip,
                self.receipt,
                on_result=lambda _none: self.printed.emit(),
                on_error=self._receipt_failed,
                context=self,
            )
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        if ask is not None:
            dialog = QPrintDialog(printer, ask)
            if dialog.exec() != QPrintDialog.DialogCode.Accepted:
                return
        elif QPrinterInfo.defaultPrinter().isNull():
            self.failed.emit(self.tr("No printer is installed on this computer."))
            return
        render_slip(printer, slip, _base_font())
        self.printed.emit()

    def _receipt_failed(self, error: BaseException) -> None:
        self.failed.emit(self.tr("The receipt printer did not print: %1").replace("%1", str(error)))


class SlipDialog(QDialog):
    """The slip as it will print, with Print (Enter), Save as PDF and Close (Esc)."""

    def __init__(self, slip: Slip, output: SlipOutput, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("slipDialog")
        self.slip = slip
        self.output = output
        self.view = SlipView()
        self.view.set_slip(slip)
        scroll = QScrollArea()
        scroll.setWidget(self.view)
        scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(self.view.PAPER_WIDTH + 24)
        self.message = message_area(QLabel(), 2)
        self.message.setObjectName("slipMessage")
        self.print_button = QPushButton()
        self.print_button.setObjectName("slipPrint")
        self.print_button.setProperty("role", "primary")
        self.print_button.setDefault(True)
        self.print_button.clicked.connect(self.print_slip)
        self.pdf_button = QPushButton()
        self.pdf_button.setObjectName("slipPdf")
        self.pdf_button.clicked.connect(self.ask_and_save_pdf)
        self.close_button = QPushButton()
        self.close_button.setObjectName("slipClose")
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        for button in (self.print_button, self.pdf_button, self.close_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        output.printed.connect(self._printed)
        output.failed.connect(self._failed)
        QShortcut(QKeySequence("Ctrl+P"), self, self.print_slip)
        self._fit(scroll, parent)
        self.setWindowTitle(self.tr("Member slip"))
        self.print_button.setText(self.tr("Print (Enter)"))
        self.pdf_button.setText(self.tr("Save as PDF"))
        self.close_button.setText(self.tr("Close (Esc)"))

    def _fit(self, scroll: QScrollArea, parent: QWidget | None) -> None:
        """Tall enough for the whole slip when the till's window allows it."""
        room = parent.window().height() - 40 if parent is not None else 900
        wanted = (
            self.view.sizeHint().height()
            + 4
            + self.sizeHint().height()
            - scroll.sizeHint().height()
        )
        self.resize(scroll.minimumWidth() + 48, max(min(wanted, room), 360))

    def print_slip(self) -> None:
        self.message.setProperty("role", "muted")
        self.message.setText(self.tr("Printing…"))
        self.output.send(self.slip, ask=self)

    def save_pdf(self, path: str) -> None:
        save_slip_pdf(self.slip, path, _base_font())

    def ask_and_save_pdf(self) -> None:
        path = ask_file_name(
            self,
            self.tr("Save member slip"),
            "member-slip.pdf",
            self.tr("PDF files (*.pdf)"),
            save=True,
        )
        if path:
            self.save_pdf(path)
            self._show(self.tr("Saved."), "ok")

    def _printed(self) -> None:
        self._show(self.tr("Printed."), "ok")

    def _failed(self, message: str) -> None:
        self._show(message, "error")

    def _show(self, text: str, role: str) -> None:
        self.message.setProperty("role", role)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setText(text)
