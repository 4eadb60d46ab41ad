"""What every translatable widget shares: re-set its texts on ``QEvent.LanguageChange``;
and the message areas of the screens (``message_area``)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class Retranslating(QWidget):
    """Subclasses build their widgets, then set every visible text in ``retranslate``."""

    def retranslate(self) -> None:
        """Set every visible text; called once after building and on each language change."""

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


def message_area(label: QLabel, lines: int = 2) -> QLabel:
    """Make ``label`` a place for messages that come and go: the text wraps inside the
    width the layout gives it (a long message never widens the window) and room for
    ``lines`` lines is kept while it is empty (nothing below moves when one appears)."""
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
    label.ensurePolished()  # the style sheet's font decides the line height
    margins = label.contentsMargins()
    label.setMinimumHeight(
        lines * label.fontMetrics().lineSpacing() + margins.top() + margins.bottom() + 2
    )
    return label
