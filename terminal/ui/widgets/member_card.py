"""The member card: name, code and the ``MBR:<code>`` QR code; printable and saved as PDF.

The QR modules are painted as rectangles, so the card is sharp on a high-DPI screen, on
paper and in the PDF alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QMarginsF, QRectF, QSize, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPaintEvent,
)
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from shared.domain.member_code import qr_payload
from terminal.ui.base import Retranslating
from terminal.ui.file_dialog import ask_file_name


@dataclass(frozen=True, slots=True)
class CardData:
    member_code: str
    name: str
    tier_name: str = ""
    store_name: str = ""


def qr_matrix(text: str) -> list[list[bool]]:
    """QR modules of ``text`` with a 2-module quiet zone (medium error correction)."""
    import qrcode  # imported on first use: it costs ~0.1 s at start-up

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(text)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


def paint_qr(painter: QPainter, rect: QRectF, matrix: list[list[bool]]) -> None:
    size = len(matrix)
    module = min(rect.width(), rect.height()) / size
    painter.fillRect(rect, QColor("white"))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("black"))
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                painter.drawRect(
                    QRectF(rect.left() + x * module, rect.top() + y * module, module, module)
                )


def qr_image(text: str, pixels: int = 300) -> QImage:
    """The QR code as an image (for tests and for scanning it back)."""
    image = QImage(pixels, pixels, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    paint_qr(painter, QRectF(0, 0, pixels, pixels), qr_matrix(text))
    painter.end()
    return image


def paint_card(painter: QPainter, rect: QRectF, card: CardData, matrix: list[list[bool]]) -> None:
    """The card laid out in ``rect``: text on the left, QR code on the right."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    painter.setPen(QColor("#d0d7de"))
    painter.setBrush(QColor("white"))
    painter.drawRoundedRect(rect, 12, 12)
    pad = rect.height() * 0.08
    qr_side = rect.height() * 0.62
    qr_top = rect.top() + (rect.height() - qr_side) / 2
    qr_rect = QRectF(rect.right() - pad - qr_side, qr_top, qr_side, qr_side)
    paint_qr(painter, qr_rect, matrix)
    text_rect = QRectF(
        rect.left() + pad, rect.top() + pad, qr_rect.left() - rect.left() - 2 * pad, qr_side
    )
    painter.setPen(QColor("#24292f"))
    lines = [
        (card.store_name, 0.08, False),
        (card.name, 0.12, True),
        (card.tier_name, 0.08, False),
        (
            " ".join(card.member_code[i : i + 4] for i in range(0, len(card.member_code), 4)),
            0.09,
            True,
        ),
    ]
    top = text_rect.top()
    for text, scale, bold in lines:
        if not text:
            continue
        painter.setFont(
            _fitting_font(painter.font(), text, rect.height() * scale, text_rect.width(), bold)
        )
        height = rect.height() * scale * 1.6
        painter.drawText(
            QRectF(text_rect.left(), top, text_rect.width(), height),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            text,
        )
        top += height
    painter.restore()


def _fitting_font(base: QFont, text: str, pixels: float, width: float, bold: bool) -> QFont:
    """``base`` at ``pixels`` high, shrunk until ``text`` fits in ``width``."""
    font = QFont(base)
    font.setBold(bold)
    size = max(int(pixels), 6)
    while True:
        font.setPixelSize(size)
        if size <= 6 or QFontMetricsF(font).horizontalAdvance(text) <= width:
            return font
        size -= 1


class CardCanvas(QWidget):
    """Paints one card, keeping the 85.6 x 54 mm proportions of a bank card."""

    RATIO = 85.6 / 54.0

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.card: CardData | None = None
        self.matrix: list[list[bool]] = []
        self.setMinimumSize(QSize(428, 270))

    def set_card(self, card: CardData | None) -> None:
        self.card = card
        self.matrix = qr_matrix(qr_payload(card.member_code)) if card else []
        self.update()

    def card_rect(self) -> QRectF:
        width = min(self.width() - 2.0, (self.height() - 2.0) * self.RATIO)
        height = width / self.RATIO
        return QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height)

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.card is None:
            return
        painter = QPainter(self)
        paint_card(painter, self.card_rect(), self.card, self.matrix)
        painter.end()


class MemberCardView(Retranslating):
    """The card with Print and Save as PDF buttons."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = CardCanvas()
        self.print_button = QPushButton()
        self.print_button.setObjectName("printCard")
        self.pdf_button = QPushButton()
        self.pdf_button.setObjectName("saveCardPdf")
        self.print_button.clicked.connect(self.print_card)
        self.pdf_button.clicked.connect(self.ask_and_save_pdf)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.pdf_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.canvas, 1)
        layout.addLayout(buttons)
        self.set_card(None)
        self.retranslate()

    def retranslate(self) -> None:
        self.print_button.setText(self.tr("Print card"))
        self.pdf_button.setText(self.tr("Save as PDF"))

    def set_card(self, card: CardData | None) -> None:
        self.canvas.set_card(card)
        self.print_button.setEnabled(card is not None)
        self.pdf_button.setEnabled(card is not None)

    def render_to(self, printer: QPrinter) -> None:
        if self.canvas.card is None:
            return
        printer.setPageSize(QPageSize(QSizeF(85.6, 54.0), QPageSize.Unit.Millimeter, "card"))
        printer.setPageOrientation(QPageLayout.Orientation.Portrait)
        printer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)
        painter = QPainter(printer)
        page = QRectF(printer.pageLayout().paintRectPixels(printer.resolution()))
        paint_card(painter, page.adjusted(2, 2, -2, -2), self.canvas.card, self.canvas.matrix)
        painter.end()

    def save_pdf(self, path: str) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(path)
        self.render_to(printer)

    def ask_and_save_pdf(self) -> None:
        if self.canvas.card is None:
            return
        path = ask_file_name(
            self,
            self.tr("Save member card"),
            f"member-{self.canvas.card.member_code}.pdf",
            self.tr("PDF files (*.pdf)"),
            save=True,
        )
        if path:
            self.save_pdf(path)

    def print_card(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        if dialog.exec() == QPrintDialog.DialogCode.Accepted:
            self.render_to(printer)
