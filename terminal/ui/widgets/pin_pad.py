"""A PIN pad with large touch keys that also takes keyboard digits, Enter and Esc."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QGridLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from terminal.ui.base import Retranslating

MAX_PIN_LENGTH = 8
_PAD_KEYS = (
    Qt.Key.Key_Return,
    Qt.Key.Key_Enter,
    Qt.Key.Key_Escape,
    Qt.Key.Key_Backspace,
)


class PinPad(Retranslating):
    """Emits ``submitted(pin)`` on OK/Enter and ``cancelled()`` on Esc with nothing typed."""

    submitted = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.display = QLineEdit()
        self.display.setObjectName("pinDisplay")
        self.display.setEchoMode(QLineEdit.EchoMode.Password)
        self.display.setReadOnly(True)
        self.display.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.display.setMaxLength(MAX_PIN_LENGTH)
        grid = QGridLayout()
        grid.setSpacing(8)
        for index, digit in enumerate("123456789"):
            grid.addWidget(self._key(digit), index // 3, index % 3)
        self.clear_button = self._command_key("pinClear", self.clear)
        self.ok_button = self._command_key("pinOk", self._submit)
        self.ok_button.setProperty("role", "primary")
        grid.addWidget(self.clear_button, 3, 0)
        grid.addWidget(self._key("0"), 3, 1)
        grid.addWidget(self.ok_button, 3, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.display)
        layout.addLayout(grid)
        self.retranslate()

    def retranslate(self) -> None:
        self.display.setPlaceholderText(self.tr("PIN"))
        self.clear_button.setText(self.tr("Clear"))
        self.ok_button.setText(self.tr("OK"))

    @property
    def pin(self) -> str:
        return self.display.text()

    def clear(self) -> None:
        self.display.clear()

    def press(self, digit: str) -> None:
        if digit.isdigit() and len(self.display.text()) < MAX_PIN_LENGTH:
            self.display.setText(self.display.text() + digit)

    def backspace(self) -> None:
        self.display.setText(self.display.text()[:-1])

    def _submit(self) -> None:
        if self.pin:
            self.submitted.emit(self.pin)

    def _key(self, digit: str) -> QPushButton:
        button = QPushButton(digit)
        button.setObjectName(f"pinKey{digit}")
        button.setProperty("role", "key")
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(lambda: self.press(digit))
        return button

    def _command_key(self, name: str, action: object) -> QPushButton:
        button = QPushButton()
        button.setObjectName(name)
        button.setProperty("role", "key")
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(action)
        return button

    def event(self, event: QEvent) -> bool:
        # Digits, Enter, Esc and Backspace belong to the pad, not to window shortcuts.
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and (event.text().isdigit() or event.key() in _PAD_KEYS)
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, text = event.key(), event.text()
        if text.isdigit() and len(text) == 1:
            self.press(text)
        elif key == Qt.Key.Key_Backspace:
            self.backspace()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._submit()
        elif key == Qt.Key.Key_Escape:
            if self.pin:
                self.clear()
            else:
                self.cancelled.emit()
        else:
            super().keyPressEvent(event)
