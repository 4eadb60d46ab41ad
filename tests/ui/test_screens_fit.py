"""Nothing on any screen is clipped: every screen, in both languages, at the smallest
supported window (1024x768) and at full HD, with each label, button, placeholder, table
header and cell, list row and date field checked against the room it has
(``terminal.ui.fit``), and no window that grows past its size when a message appears."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from terminal.screenshots import LANGUAGES, SIZES, check, walk
from terminal.ui.base import message_area
from terminal.ui.fit import clipped

SCREENS = {
    "sign_in", "checkout", "redeem_limit", "search", "enroll", "member_card", "void",
    "void_reason", "file_dialog", "reports", "day_close", "rejected", "settings", "slip",
    "customer_display", "account_history", "account_adjust", "account_profile",
    "return", "return_done",
}  # fmt: skip


def test_every_screen_fits_in_both_languages_at_both_sizes(qapp) -> None:
    problems: list[str] = []
    seen: set[tuple[str, str, tuple[int, int]]] = set()
    for shot in walk():
        seen.add((shot.name, shot.language, shot.size))
        problems += [f"{shot.file_name}: {line}" for line in check(shot)]
    assert {(n, lang, size) for n in SCREENS for lang in LANGUAGES for size in SIZES} == seen
    assert problems == []


def test_the_check_sees_clipped_text(qtbot: QtBot) -> None:
    """The check can fail: a label, button and placeholder squeezed too narrow, and a
    wrapped message given too little height, are each reported."""
    root = QWidget()
    qtbot.addWidget(root)
    row = QHBoxLayout(root)
    label = QLabel("Up to 1,700 pts (¥17.00)")
    button = QPushButton("Next customer (Esc)")
    edit = QLineEdit()
    edit.setPlaceholderText("Reason (required), e.g. wrong amount")
    for widget in (label, button, edit):
        widget.setFixedWidth(60)
        row.addWidget(widget)
    wrapped = QLabel("Points may pay at most 50% of the sale. " * 3)
    wrapped.setWordWrap(True)
    wrapped.setFixedSize(200, 20)
    row.addWidget(wrapped)
    root.show()
    qtbot.waitExposed(root)
    found = "\n".join(clipped(root))
    for text in ("Up to 1,700", "Next customer", "Reason (required)", "of height"):
        assert text in found

    for widget in (label, button, edit):  # given the room, nothing is reported
        widget.setFixedWidth(600)
    wrapped.setFixedSize(600, 200)
    root.adjustSize()
    assert clipped(root) == []


def test_a_message_area_keeps_its_room_and_never_widens(qtbot: QtBot) -> None:
    root = QWidget()
    qtbot.addWidget(root)
    row = QHBoxLayout(root)
    message = message_area(QLabel(), 2)
    row.addWidget(message)
    root.resize(300, 100)
    root.show()
    qtbot.waitExposed(root)
    empty_height = message.height()
    assert empty_height >= 2 * message.fontMetrics().lineSpacing()
    message.setText("The sync server cannot be reached; the till keeps working offline. " * 2)
    root.adjustSize()
    assert root.minimumSizeHint().width() < 300  # the long text wraps, it does not widen


LONG = (
    "While the till is offline a member may redeem at most 2,000 points a day; "
    "1,700 are left today. Head office cannot be reached; the till keeps working offline."
)


def test_long_messages_wrap_in_place_at_the_smallest_window(qtbot: QtBot, till) -> None:
    """A long message in any screen's message area wraps there: the window keeps its
    1024x768 and nothing is cut."""
    window = till.window
    window.resize(1024, 768)
    window.session.sign_in(till.services.staff.sign_in("M01", "999999"))
    screens = [
        ("checkout", window.checkout.sale.message),
        ("checkout", window.checkout.sale.limits_label),
        ("enroll", window.enroll.message),
        ("reports", window.reports.message),
        ("settings", window.settings.pair_message),
    ]
    for key, label in screens:
        window.go(key)
        label.setText(LONG)
        qtbot.wait(50)
        assert (window.width(), window.height()) == (1024, 768), key
        assert clipped(window) == [], key
        label.clear()
    window.void.load(None)
    window.stack.setCurrentWidget(window.void)
    for label in (window.void.message, window.void.approval.message):
        label.setText(LONG)
        qtbot.wait(50)
        assert (window.width(), window.height()) == (1024, 768)
        assert clipped(window) == []
