"""Telling a USB scanner from a person typing, wherever the keyboard focus is.

A USB barcode/QR scanner is a keyboard: it types the code as a fast burst of keystrokes
and presses Enter. :class:`ScanDetector` is an application-wide event filter that holds
back every plain printable keystroke for a few milliseconds. If the keys keep coming
faster than ``max_gap_ms`` and an Enter ends a burst of at least ``min_length``
characters, the whole burst is a scan: it is swallowed (it never reaches the amount
field that had the focus) and ``scanned(text)`` is emitted. Otherwise the held keys are
replayed, in order, to the widget they were meant for; a person never notices the
delay.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QWidget

_ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_COMMAND_MODIFIERS = (
    Qt.KeyboardModifier.ControlModifier
    | Qt.KeyboardModifier.AltModifier
    | Qt.KeyboardModifier.MetaModifier
)


def _event_time_ns(event: QKeyEvent) -> int:
    """When the key was pressed: the window system's timestamp (so a busy GUI thread does
    not split a burst), or the monotonic clock for synthetic events that carry none."""
    stamp = event.timestamp()
    return stamp * 1_000_000 if stamp > 0 else time.monotonic_ns()


@dataclass(frozen=True, slots=True)
class _HeldKey:
    key: int
    modifiers: Qt.KeyboardModifier
    text: str
    at_ns: int


class ScanDetector(QObject):
    """Application-wide filter: ``QApplication.instance().installEventFilter(detector)``."""

    scanned = Signal(str)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        min_length: int = 6,
        max_gap_ms: int = 30,
    ) -> None:
        super().__init__(parent)
        self.min_length = min_length
        self.max_gap_ms = max_gap_ms
        self.enabled = True
        self._held: list[_HeldKey] = []
        self._target: QWidget | None = None
        self._replaying = False
        self._swallow_enter_release = False
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.timeout.connect(self.flush)

    # --- the filter --------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride, QEvent.Type.KeyRelease):
            return False
        if self._replaying or not self.enabled or not isinstance(watched, QWidget):
            return False
        assert isinstance(event, QKeyEvent)
        if kind == QEvent.Type.KeyRelease:
            return self._on_release(event)
        if kind == QEvent.Type.ShortcutOverride:
            return self._on_shortcut_override(event)
        return self._on_press(watched, event)

    def _on_press(self, watched: QWidget, event: QKeyEvent) -> bool:
        now = _event_time_ns(event)
        if event.key() in _ENTER_KEYS and not event.isAutoRepeat():
            if self._is_burst(now):
                self._emit_scan()
                self._swallow_enter_release = True
                return True
            self.flush()
            return False
        if not self._holdable(event):
            self.flush()
            return False
        if self._held and (self._gap_too_long(now) or watched is not self._target):
            self.flush()
        if not self._held:
            self._target = watched
        self._held.append(_HeldKey(event.key(), event.modifiers(), event.text(), now))
        self._flush_timer.start(self.max_gap_ms)
        return True

    def _on_shortcut_override(self, event: QKeyEvent) -> bool:
        # A held key must come back as a KeyPress, not trigger a shortcut; an Enter that
        # ends a scan must not confirm a dialog. Accepting the override does both.
        if self._holdable(event) or (
            event.key() in _ENTER_KEYS and self._is_burst(_event_time_ns(event))
        ):
            event.accept()
            return True
        self.flush()  # a shortcut (Enter, F-key) must see what was typed before it
        return False

    def _on_release(self, event: QKeyEvent) -> bool:
        if event.key() in _ENTER_KEYS and self._swallow_enter_release:
            self._swallow_enter_release = False
            return True
        return False

    # --- decisions ---------------------------------------------------------------

    @staticmethod
    def _holdable(event: QKeyEvent) -> bool:
        text = event.text()
        return (
            len(text) == 1
            and text.isprintable()
            and not event.isAutoRepeat()
            and not event.modifiers() & _COMMAND_MODIFIERS
        )

    def _gap_too_long(self, now_ns: int) -> bool:
        return bool(self._held) and (now_ns - self._held[-1].at_ns) > self.max_gap_ms * 1_000_000

    def _is_burst(self, now_ns: int) -> bool:
        return len(self._held) >= self.min_length and not self._gap_too_long(now_ns)

    def _emit_scan(self) -> None:
        self._flush_timer.stop()
        text = "".join(held.text for held in self._held)
        self._held.clear()
        self._target = None
        self.scanned.emit(text)

    def flush(self) -> None:
        """Replay the held keys to the widget they were typed into (a person typed them)."""
        self._flush_timer.stop()
        held, target = self._held, self._target
        self._held, self._target = [], None
        if not held or target is None or not shiboken6.isValid(target):
            return
        self._replaying = True
        try:
            for key in held:
                replay = QKeyEvent(QEvent.Type.KeyPress, key.key, key.modifiers, key.text)
                QCoreApplication.sendEvent(target, replay)
        finally:
            self._replaying = False
