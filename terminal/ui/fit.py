"""Which texts on screen do not fit their widgets: clipped labels, buttons, placeholders,
table headers and cells, list rows and spin-box texts.

``clipped(window)`` walks the visible widgets of a window and returns one line per text
that Qt would cut off or elide, with the width it needs and the width it has. The
screenshots (``terminal.screenshots``) and their test call it on every screen, in
both languages and at every supported window size.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QStyle,
    QStyleOptionButton,
    QStyleOptionFrame,
    QTableWidget,
    QWidget,
)

SLACK = 1  # pixels of rounding allowed


def _cell_padding(view: QWidget) -> int:
    """An item view insets a cell's text by the focus frame's margin + 1 on each side."""
    return 2 * (view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1)


def _header_padding(header: QWidget) -> int:
    return 2 * header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin)


def clipped(root: QWidget) -> list[str]:
    """Every visible text under ``root`` that does not fit, as readable lines."""
    problems: list[str] = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisibleTo(root) or widget.width() <= 0:
            continue
        check = _CHECKS.get(type(widget)) or next(
            (c for kind, c in _CHECKS.items() if isinstance(widget, kind)), None
        )
        if check is not None:
            problems.extend(f"{_name(widget)}: {p}" for p in check(widget))
    return problems


def _name(widget: QWidget) -> str:
    name = widget.objectName() or type(widget).__name__
    parent = widget.parentWidget()
    while parent is not None and not parent.objectName():
        parent = parent.parentWidget()
    return f"{parent.objectName()}/{name}" if parent is not None else name


def _advance(metrics: QFontMetrics, text: str) -> int:
    return max((metrics.horizontalAdvance(line) for line in text.split("\n")), default=0)


def _too_wide(text: str, need: int, have: int) -> list[str]:
    return [f"{text!r} needs {need} px, has {have}"] if need > have + SLACK else []


def _label(label: QLabel) -> list[str]:
    text = label.text()
    if not text or label.textFormat() == Qt.TextFormat.RichText or GuiQt.mightBeRichText(text):
        return []
    if label.buddy() is not None:
        text = _shown(text)
    rect = label.contentsRect()
    margin = 2 * label.margin() + max(label.indent(), 0)
    have = rect.width() - margin
    metrics = label.fontMetrics()
    if not label.wordWrap():
        return _too_wide(text, _advance(metrics, text), have)
    problems = []
    for word in text.split():  # a word longer than the line is cut, not wrapped
        if not any("\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" for ch in word):
            problems += _too_wide(word, metrics.horizontalAdvance(word), have)
    need = label.heightForWidth(label.width())
    if need > label.height() + SLACK:
        problems.append(f"{text!r} needs {need} px of height, has {label.height()}")
    return problems


def _shown(text: str) -> str:
    """``text`` without its mnemonic markers ("Files of &type:" shows "Files of type:")."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def _button(button: QPushButton) -> list[str]:
    text = _shown(button.text())
    if not text:
        return []
    option = QStyleOptionButton()
    button.initStyleOption(option)
    contents = button.style().subElementRect(
        QStyle.SubElement.SE_PushButtonContents, option, button
    )
    icon = option.iconSize.width() + 4 if not button.icon().isNull() else 0
    return _too_wide(text, button.fontMetrics().horizontalAdvance(text) + icon, contents.width())


def _line_edit(edit: QLineEdit) -> list[str]:
    owner = edit.parentWidget()
    shown = edit.text() if isinstance(owner, QAbstractSpinBox | QComboBox) else ""
    text = shown or (edit.placeholderText() if not edit.text() else "")
    if not text:
        return []
    option = QStyleOptionFrame()
    edit.initStyleOption(option)
    rect = edit.style().subElementRect(QStyle.SubElement.SE_LineEditContents, option, edit)
    margins = edit.textMargins()
    have = rect.width() - margins.left() - margins.right() - 4  # Qt's 2 px each side
    return _too_wide(text, edit.fontMetrics().horizontalAdvance(text), have)


def _header(header: QHeaderView) -> list[str]:
    view = header.parentWidget()
    if header.orientation() != Qt.Orientation.Horizontal or not isinstance(view, QTableWidget):
        return []
    problems = []
    metrics = header.fontMetrics()
    for column in range(header.count()):
        if header.isSectionHidden(column):
            continue
        item = view.horizontalHeaderItem(column)
        text = item.text() if item is not None else ""
        if text:
            need = metrics.horizontalAdvance(text) + _header_padding(header)
            problems += _too_wide(text, need, header.sectionSize(column))
    return problems


def _table(table: QTableWidget) -> list[str]:
    problems = []
    metrics = table.fontMetrics()
    for row in range(table.rowCount()):
        for column in range(table.columnCount()):
            item = table.item(row, column)
            if item is None or not item.text() or table.isColumnHidden(column):
                continue
            need = _advance(metrics, item.text()) + _cell_padding(table)
            problems += _too_wide(item.text(), need, table.columnWidth(column))
    return problems


def _list(view: QListWidget) -> list[str]:
    problems = []
    metrics = view.fontMetrics()
    have = view.viewport().width()
    padding = _cell_padding(view)
    for row in range(view.count()):
        item = view.item(row)
        rect = view.visualItemRect(item)
        need_height = metrics.boundingRect(
            0, 0, have - padding, 10_000, Qt.TextFlag.TextWordWrap, item.text()
        ).height()
        if view.wordWrap():
            if need_height > rect.height() + SLACK:
                problems.append(f"{item.text()!r} needs {need_height} px of height")
        else:
            problems += _too_wide(item.text(), _advance(metrics, item.text()) + padding, have)
    return problems


# Each check takes the widget of its key's type (a dict cannot say that per key).
_CHECKS: dict[type[QWidget], Callable[[Any], list[str]]] = {
    QLabel: _label,
    QPushButton: _button,
    QLineEdit: _line_edit,
    QHeaderView: _header,
    QTableWidget: _table,
    QListWidget: _list,
}

__all__ = ["clipped"]
