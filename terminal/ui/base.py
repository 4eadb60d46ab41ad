"""What every translatable widget shares: re-set its texts on ``QEvent.LanguageChange``."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QWidget


class Retranslating(QWidget):
    """Subclasses build their widgets, then set every visible text in ``retranslate``."""

    def retranslate(self) -> None:
        """Set every visible text; called once after building and on each language change."""

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
