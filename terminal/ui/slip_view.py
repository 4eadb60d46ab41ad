"""A member slip drawn with Qt: the preview on screen, and the page for Qt's printing
(any installed printer, or a PDF), on receipt-width paper (80 mm, as long as the slip).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSize, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPageLayout,
    QPageSize,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QSizePolicy, QWidget

from terminal.services.slip_content import Slip, SlipLine

PAPER_MM = 80.0  # receipt paper; the text keeps 4 mm from each edge
MARGIN_MM = 4.0
CHARACTERS_PER_LINE = 32  # the font's size: about this many Latin characters a line
INK = QColor("#111111")


@dataclass(frozen=True, slots=True)
class _Row:
    """One row to draw: ``text`` left (or centred), ``value`` right, at ``top``."""

    top: float
    height: float
    text: str
    value: str
    font: QFont
    centred: bool
    rule: bool = False


def slip_font(base: QFont, width: float) -> QFont:
    """``base`` sized so that a line of ``width`` holds about 32 characters."""
    font = QFont(base)
    font.setBold(False)
    font.setPixelSize(max(int(width / CHARACTERS_PER_LINE * 1.7), 6))
    return font


def _font(base: QFont, line: SlipLine) -> QFont:
    font = QFont(base)
    if line.style == "title":
        font.setPixelSize(int(base.pixelSize() * 1.35))
    elif line.style == "note":
        font.setPixelSize(int(base.pixelSize() * 0.9))
    font.setBold(line.style in ("title", "store", "strong"))
    return font


def _wrap(text: str, metrics: QFontMetricsF, width: float) -> list[str]:
    """``text`` in rows no wider than ``width``: at spaces, or anywhere in Chinese."""
    rows: list[str] = []
    current = ""
    for char in text:
        trial = current + char
        if current and metrics.horizontalAdvance(trial) > width:
            head, space, tail = current.rpartition(" ")
            if space and head and char != " ":
                rows.append(head)
                current = tail + char
            else:
                rows.append(current.rstrip())
                current = char.lstrip()
        else:
            current = trial
    return [*rows, current] if current or not rows else rows


def layout(slip: Slip, width: float, base: QFont) -> tuple[list[_Row], float]:
    """The rows of ``slip`` on a line ``width`` wide, and their total height."""
    rows: list[_Row] = []
    top = 0.0
    for line in slip.lines:
        font = _font(base, line)
        metrics = QFontMetricsF(font)
        height = metrics.height() * 1.15
        if line.style == "rule":
            rows.append(_Row(top, height * 0.8, "", "", font, False, rule=True))
            top += height * 0.8
            continue
        if not line.value:
            for text in _wrap(line.text, metrics, width):
                rows.append(_Row(top, height, text, "", font, line.style != "normal"))
                top += height
            continue
        both = metrics.horizontalAdvance(line.text) + metrics.horizontalAdvance(line.value)
        if both + metrics.horizontalAdvance("  ") <= width:
            rows.append(_Row(top, height, line.text, line.value, font, False))
            top += height
            continue
        for text in _wrap(line.text, metrics, width):  # the value on rows of its own
            rows.append(_Row(top, height, text, "", font, False))
            top += height
        for value in _wrap(line.value, metrics, width):
            rows.append(_Row(top, height, "", value, font, False))
            top += height
    return rows, top


def paint_slip(painter: QPainter, rect: QRectF, slip: Slip, base: QFont) -> None:
    """``slip`` drawn from the top of ``rect`` across its width."""
    rows, _height = layout(slip, rect.width(), base)
    painter.save()
    painter.setPen(QPen(INK))
    left, right = Qt.AlignmentFlag.AlignLeft, Qt.AlignmentFlag.AlignRight
    centre = Qt.AlignmentFlag.AlignHCenter
    for row in rows:
        box = QRectF(rect.left(), rect.top() + row.top, rect.width(), row.height)
        if row.rule:
            pen = QPen(INK, max(row.height / 14, 1.0), Qt.PenStyle.DashLine)
            painter.setPen(pen)
            middle = box.center().y()
            painter.drawLine(QPointF(box.left(), middle), QPointF(box.right(), middle))
            painter.setPen(QPen(INK))
            continue
        painter.setFont(row.font)
        flags = Qt.AlignmentFlag.AlignVCenter
        if row.text:
            painter.drawText(box, flags | (centre if row.centred else left), row.text)
        if row.value:
            painter.drawText(box, flags | right, row.value)
    painter.restore()


class SlipView(QWidget):
    """The slip on screen, as wide as receipt paper is in the preview (white, inked)."""

    PAPER_WIDTH = 380  # pixels

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("slipView")
        self.slip: Slip | None = None
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def _content_width(self) -> float:
        return self.PAPER_WIDTH * (PAPER_MM - 2 * MARGIN_MM) / PAPER_MM

    def set_slip(self, slip: Slip | None) -> None:
        self.slip = slip
        self.updateGeometry()
        self.adjustSize()
        self.update()

    def sizeHint(self) -> QSize:
        if self.slip is None:
            return QSize(self.PAPER_WIDTH, 200)
        base = slip_font(self.font(), self._content_width())
        _rows, height = layout(self.slip, self._content_width(), base)
        margin = self.PAPER_WIDTH * MARGIN_MM / PAPER_MM
        return QSize(self.PAPER_WIDTH, int(height + 2 * margin) + 1)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def text_rows(self) -> list[str]:
        """What the preview shows, row by row ("label value"), for tests and checks."""
        if self.slip is None:
            return []
        rows, _ = layout(
            self.slip, self._content_width(), slip_font(self.font(), self._content_width())
        )
        return [" ".join(part for part in (row.text, row.value) if part) for row in rows]

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("white"))
        if self.slip is not None:
            margin = self.PAPER_WIDTH * MARGIN_MM / PAPER_MM
            area = QRectF(margin, margin, self._content_width(), self.height() - 2 * margin)
            paint_slip(painter, area, self.slip, slip_font(self.font(), area.width()))
        painter.end()


def render_slip(printer: QPrinter, slip: Slip, base: QFont) -> None:
    """``slip`` on one receipt-width page of ``printer``, as long as the slip needs."""
    width_mm = PAPER_MM - 2 * MARGIN_MM
    dots_per_mm = printer.resolution() / 25.4
    font = slip_font(base, width_mm * dots_per_mm)
    _rows, height_dots = layout(slip, width_mm * dots_per_mm, font)
    length_mm = height_dots / dots_per_mm + 2 * MARGIN_MM
    printer.setPageSize(QPageSize(QSizeF(PAPER_MM, length_mm), QPageSize.Unit.Millimeter, "slip"))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    margins = QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM)
    printer.setPageMargins(margins, QPageLayout.Unit.Millimeter)
    painter = QPainter(printer)
    page = QRectF(printer.pageLayout().paintRectPixels(printer.resolution()))
    # Measured again on the printer's own device: its font metrics decide the rows.
    paint_slip(painter, page, slip, slip_font(base, page.width()))
    painter.end()


def save_slip_pdf(slip: Slip, path: str, base: QFont) -> None:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(path)
    render_slip(printer, slip, base)
