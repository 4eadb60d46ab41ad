"""Key events with the timestamps a keyboard or a USB scanner gives them.

The scan detector tells a scanner from a person by the time between keys. Keys sent with
``qtbot.keyClicks`` carry no timestamp, so a burst would depend on how busy the machine is;
these carry their own, so a burst is a burst however slowly the test runs.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QWidget

SCANNER_GAP_MS = 8  # a USB scanner types a key every few milliseconds
_last_ms = 0


def _key(char: str) -> Qt.Key:
    return Qt.Key.Key_Return if char == "\r" else Qt.Key(ord(char.upper()))


def _send(widget: QWidget, kind: QEvent.Type, char: str, stamp_ms: int) -> None:
    text = "" if char == "\r" else char
    event = QKeyEvent(kind, _key(char), Qt.KeyboardModifier.NoModifier, text)
    event.setTimestamp(stamp_ms)
    QCoreApplication.sendEvent(widget, event)


def type_keys(widget: QWidget, text: str, *, gap_ms: int, start_ms: int | None = None) -> None:
    """Press and release each character of ``text`` (``"\\r"`` is Enter), ``gap_ms`` apart
    on the keyboard's clock. The first key comes a second after anything sent before, so
    keys already typed never join this burst."""
    global _last_ms
    stamp = start_ms if start_ms is not None else max(_last_ms, time.monotonic_ns() // 10**6)
    stamp += 1000 if start_ms is None else 0
    for char in text:
        # As from a real keyboard: the shortcut check first, then the press and release.
        _send(widget, QEvent.Type.ShortcutOverride, char, stamp)
        _send(widget, QEvent.Type.KeyPress, char, stamp)
        _send(widget, QEvent.Type.KeyRelease, char, stamp + 1)
        stamp += gap_ms
    _last_ms = max(_last_ms, stamp)


def scan(widget: QWidget, payload: str) -> None:
    """What a USB scanner does: the whole code in one fast burst, then Enter."""
    type_keys(widget, payload + "\r", gap_ms=SCANNER_GAP_MS)
