"""Telling a USB scanner from a person typing, wherever the keyboard focus is.

A USB barcode/QR scanner is a keyboard: it types the code as a fast burst of keystrokes
and ends it with its suffix key (Enter unless configured otherwise; it may also send a
configured prefix first). :class:`ScanDetector` is an application-wide event filter
that holds back every printable keystroke for a moment. If the keys keep coming faster
than ``max_gap_ms`` (a pause or two of up to twice that is forgiven), the suffix ends a burst of at least ``min_length`` characters and
``accepts(text, widget)`` agrees (the main window accepts only what looks like a member
card), the whole burst is a scan: it is swallowed (it never reaches the field that had
the focus) and ``scanned(text)`` is emitted without the prefix. Otherwise the held keys
are replayed, in order, to the widget they were meant for, and the suffix key reaches
it too; a person never notices the delay.

What a scanner sends beside the characters does not break a burst: Shift (for capitals
and ``:`` on most layouts) and other modifier keys pass through untouched, and a repeat
of the same key (which the window system may flag as auto-repeat when two identical
characters arrive within the same millisecond) is held like any other key.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from shared.domain.coupons import looks_like_coupon
from shared.domain.member_code import looks_like_card

log = logging.getLogger(__name__)

_SUFFIX_KEYS: dict[str, tuple[Qt.Key, ...]] = {
    "enter": (Qt.Key.Key_Return, Qt.Key.Key_Enter),
    "tab": (Qt.Key.Key_Tab,),
    "none": (),
}
SUFFIXES = tuple(_SUFFIX_KEYS)
_MODIFIER_KEYS = frozenset(
    {
        Qt.Key.Key_Shift,
        Qt.Key.Key_Control,
        Qt.Key.Key_Alt,
        Qt.Key.Key_AltGr,
        Qt.Key.Key_Meta,
        Qt.Key.Key_CapsLock,
        Qt.Key.Key_NumLock,
        Qt.Key.Key_Mode_switch,
        Qt.Key.Key_Super_L,
        Qt.Key.Key_Super_R,
    }
)
_POINTER_PRESSES = (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin)
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


def _any_burst(_text: str, _widget: QWidget | None) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class ScannerOptions:
    """How this till's scanner is configured (settings ``scanner_*``)."""

    prefix: str = ""
    suffix: str = "enter"
    max_gap_ms: int = 40


def card_burst(text: str, widget: QWidget | None) -> bool:
    """The main window's test of a burst: a member card, unless it is bare digits typed
    into a field that wants digits (a phone number typed quickly is typing)."""
    if not looks_like_card(text):
        return False
    wants_digits = widget is not None and bool(widget.property("digitsAreTyping"))
    return not (wants_digits and text.strip().isdigit())


def till_burst(text: str, widget: QWidget | None) -> bool:
    """The main window's test of a burst: a member card (``card_burst``) or a paper
    coupon (``CPN:<code>``, never a member lookup)."""
    return looks_like_coupon(text) or card_burst(text, widget)


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
        prefix: str = "",
        suffix: str = "enter",
        accepts: Callable[[str, QWidget | None], bool] = _any_burst,
    ) -> None:
        super().__init__(parent)
        if suffix not in _SUFFIX_KEYS:
            raise ValueError(f"scanner suffix must be one of {SUFFIXES}: {suffix!r}")
        self.min_length = min_length
        self.max_gap_ms = max_gap_ms
        self.prefix = prefix
        self.suffix_keys = _SUFFIX_KEYS[suffix]
        self.accepts = accepts
        self.enabled = True
        self._held: list[_HeldKey] = []
        self._target: QWidget | None = None
        self._replaying = False
        self._swallow_release: int | None = None
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.timeout.connect(self._timed_out)

    # --- the filter --------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in _POINTER_PRESSES:
            if self._held and not self._replaying:
                self.flush()  # a click right after typing: the field gets its keys first
            return False
        if kind not in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride, QEvent.Type.KeyRelease):
            return False
        if self._replaying or not self.enabled or not isinstance(watched, QWidget):
            return False
        assert isinstance(event, QKeyEvent)
        if event.key() in _MODIFIER_KEYS:
            return False  # Shift for ':' and capitals: part of the burst, never an end to it
        if kind == QEvent.Type.KeyRelease:
            return self._on_release(event)
        if kind == QEvent.Type.ShortcutOverride:
            return self._on_shortcut_override(event)
        return self._on_press(watched, event)

    def _on_press(self, watched: QWidget, event: QKeyEvent) -> bool:
        now = _event_time_ns(event)
        if event.key() in self.suffix_keys and not event.isAutoRepeat():
            if self._is_scan(now):
                self._emit_scan(now)
                self._swallow_release = event.key()
                return True
            self.flush()
            return False
        if not self._holdable(event):
            self.flush()
            return False
        if self._held and (not self._still_a_burst(now) or watched is not self._target):
            log.debug("scanner: gap %.1f ms after %d keys", self._gap_ms(now), len(self._held))
            self.flush()
        if not self._held:
            self._target = watched
        self._held.append(_HeldKey(event.key(), event.modifiers(), event.text(), now))
        self._start_timer()
        return True

    def _on_shortcut_override(self, event: QKeyEvent) -> bool:
        # A held key must come back as a KeyPress, not trigger a shortcut; a suffix that
        # ends a scan must not confirm a dialog. Accepting the override does both.
        if self._holdable(event) or (
            event.key() in self.suffix_keys and self._is_scan(_event_time_ns(event))
        ):
            event.accept()
            return True
        self.flush()  # a shortcut (Enter, F-key) must see what was typed before it
        return False

    def _on_release(self, event: QKeyEvent) -> bool:
        if self._swallow_release is not None and event.key() == self._swallow_release:
            self._swallow_release = None
            return True
        return False

    # --- decisions ---------------------------------------------------------------

    @staticmethod
    def _holdable(event: QKeyEvent) -> bool:
        text = event.text()
        return len(text) == 1 and text.isprintable() and not event.modifiers() & _COMMAND_MODIFIERS

    def _gap_ms(self, now_ns: int) -> float:
        return (now_ns - self._held[-1].at_ns) / 1e6 if self._held else 0.0

    def _still_a_burst(self, now_ns: int) -> bool:
        """Whether a key at ``now_ns`` keeps the held keys one burst: every pause within
        ``max_gap_ms`` but one (two in a code of ten keys or more), and those within twice
        it (a scanner's keys can reach the window system unevenly now and then; a
        person's pauses are all longer)."""
        fast, slow = self.max_gap_ms * 1_000_000, self.max_gap_ms * 2_000_000
        stamps = [held.at_ns for held in self._held] + [now_ns]
        gaps = [later - earlier for earlier, later in itertools.pairwise(stamps)]
        uneven = 1 + len(gaps) // 10
        return all(gap <= slow for gap in gaps) and sum(gap > fast for gap in gaps) <= uneven

    def _payload(self, keys: list[_HeldKey]) -> str:
        text = "".join(held.text for held in keys)
        if self.prefix and text.startswith(self.prefix):
            text = text[len(self.prefix) :]
        return text

    def _scan_start(self, now_ns: int) -> int | None:
        """Where the scan begins among the held keys (None: they are typing). All of
        them, or those after the one slower pause: a person's last keys just before a
        scan are theirs, and go to the field."""
        if len(self._held) < self.min_length or not self._still_a_burst(now_ns):
            return None
        if QApplication.activeModalWidget() is not None:
            return None  # a confirmation is open: keys go to it, the till stays put
        target = self._target
        if target is not None and not shiboken6.isValid(target):
            target = None
        if self.accepts(self._payload(self._held), target):
            return 0
        fast = self.max_gap_ms * 1_000_000
        slow_at = [
            index
            for index in range(1, len(self._held))
            if self._held[index].at_ns - self._held[index - 1].at_ns > fast
        ]
        if (
            slow_at
            and len(self._held) - slow_at[-1] >= self.min_length
            and self.accepts(self._payload(self._held[slow_at[-1] :]), target)
        ):
            return slow_at[-1]
        return None

    def _is_scan(self, now_ns: int) -> bool:
        return self._scan_start(now_ns) is not None

    def _emit_scan(self, now_ns: int) -> None:
        self._flush_timer.stop()
        start = self._scan_start(now_ns) or 0
        typed, scan = self._held[:start], self._held[start:]
        self._held = typed
        self.flush()  # what the person typed before the scan goes to their field
        self.scanned.emit(self._payload(scan))

    def _start_timer(self) -> None:
        # A person's key shows up at most this late; a scanner's next key comes sooner
        # (past the one pause a burst may have, with a margin for a late GUI thread).
        self._flush_timer.start(self.max_gap_ms * 2 + 20)

    def _timed_out(self) -> None:
        # A GUI thread that was busy may see this timer before the keys that came in
        # meanwhile: take those first (they arrive through this filter), then decide.
        count = len(self._held)
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
        if not self._held:
            return  # the burst ended (a scan, or replayed) while catching up
        if len(self._held) != count:
            self._start_timer()
            return
        # A scanner configured to send no suffix: a quiet line after a burst ends it.
        if not self.suffix_keys and self._is_scan(self._held[-1].at_ns):
            self._emit_scan(self._held[-1].at_ns)
        else:
            log.debug("scanner: %d keys held, none for a while: typing", len(self._held))
            self.flush()

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
