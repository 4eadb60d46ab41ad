"""Input as a cashier gives it: scanner bursts with Shift and repeats, fast typing that is
not a scan, messages that say what is wrong, one sale with both actions, keyboard-only
search, a signed-in manager's one-step approval, the full-screen till."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from shared.domain.member_code import mint_member_code, qr_payload
from terminal.app import show_window
from terminal.ui.scanner import ScanDetector, card_burst
from tests.ui.conftest import UiTill
from tests.ui.test_manager import earn, show_member
from tests.ui.test_till import HUMAN_MS, sign_in

CODE = mint_member_code("100001", 42)


class _Form(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.field = QLineEdit()
        self.phone = QLineEdit()
        self.phone.setProperty("digitsAreTyping", True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.field)
        layout.addWidget(self.phone)


def _key(widget: QWidget, key: Qt.Key, text: str, at_ms: int, **flags: object) -> None:
    modifiers = flags.get("modifiers", Qt.KeyboardModifier.NoModifier)
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        event = QKeyEvent(kind, key, modifiers, text, bool(flags.get("repeat", False)))  # type: ignore[arg-type]
        event.setTimestamp(at_ms)
        QCoreApplication.sendEvent(widget, event)


def _scanner_types(widget: QWidget, text: str, *, start_ms: int, gap_ms: int = 3) -> int:
    """As an X11 scanner arrives: Shift around capitals and ':', a repeated digit flagged
    as auto-repeat, ``gap_ms`` apart. Returns the time of the last key."""
    at, previous = start_ms, ""
    shift = Qt.KeyboardModifier.ShiftModifier
    for char in text:
        needs_shift = char.isupper() or char == ":"
        if needs_shift:
            _key(widget, Qt.Key.Key_Shift, "", at)
        key = Qt.Key.Key_Colon if char == ":" else Qt.Key(ord(char.upper()))
        modifiers = shift if needs_shift else Qt.KeyboardModifier.NoModifier
        _key(widget, key, char, at, modifiers=modifiers, repeat=char == previous)
        previous = char
        at += gap_ms
    return at


@pytest.fixture
def form(qtbot: QtBot) -> Iterator[tuple[_Form, ScanDetector, list[str]]]:
    detector = ScanDetector(accepts=card_burst, prefix="~", suffix="enter", max_gap_ms=40)
    QApplication.instance().installEventFilter(detector)
    scans: list[str] = []
    detector.scanned.connect(scans.append)
    widget = _Form()
    qtbot.addWidget(widget)
    widget.show()
    yield widget, detector, scans
    QApplication.instance().removeEventFilter(detector)


def test_a_burst_with_shift_repeats_and_a_prefix_is_one_scan(qtbot: QtBot, form) -> None:
    widget, _detector, scans = form
    widget.field.setFocus()
    end = _scanner_types(widget.field, "~MBR:" + CODE, start_ms=10_000)
    _key(widget.field, Qt.Key.Key_Return, "\r", end)
    assert scans == [qr_payload(CODE)]  # prefix removed
    assert widget.field.text() == ""


def test_fast_digits_that_are_not_a_card_are_typing(qtbot: QtBot, form) -> None:
    widget, _detector, scans = form
    widget.field.setFocus()
    end = _scanner_types(widget.field, "123456", start_ms=20_000)  # a 6-digit PIN, quickly
    _key(widget.field, Qt.Key.Key_Return, "\r", end)
    assert scans == []
    assert widget.field.text() == "123456"
    widget.phone.setFocus()  # a phone field: even a valid bare code typed fast is typing
    end = _scanner_types(widget.phone, CODE, start_ms=30_000)
    _key(widget.phone, Qt.Key.Key_Return, "\r", end)
    assert scans == []
    assert widget.phone.text() == CODE
    end = _scanner_types(widget.phone, "MBR:" + CODE, start_ms=40_000)  # the card's QR: a scan
    _key(widget.phone, Qt.Key.Key_Return, "\r", end)
    assert scans == [qr_payload(CODE)]
    assert widget.phone.text() == CODE


def test_the_sign_in_placeholder_shows_a_real_code(till: UiTill) -> None:
    assert till.window.sign_in.staff_code.placeholderText() == "e.g. C001"


def test_enrolment_says_a_short_phone_is_too_short(qtbot: QtBot, till: UiTill) -> None:
    sign_in(qtbot, till)
    qtbot.keyClick(till.window, Qt.Key.Key_F4)
    enroll = till.window.enroll
    qtbot.keyClicks(enroll.name, "Zhao Lei", delay=HUMAN_MS)
    qtbot.keyClicks(enroll.phone, "12345", delay=HUMAN_MS)
    qtbot.keyClick(enroll.phone, Qt.Key.Key_Return)
    assert "too short" in enroll.errors["phone"].text()
    enroll.phone.clear()
    qtbot.keyClick(enroll.phone, Qt.Key.Key_Return)
    assert enroll.errors["phone"].text() == "Enter the member's mobile number."
    qtbot.keyClick(till.window, Qt.Key.Key_F1)  # away and back: form kept, no stale error
    qtbot.keyClick(till.window, Qt.Key.Key_F4)
    assert enroll.name.text() == "Zhao Lei"
    assert enroll.errors["phone"].text() == ""
    qtbot.keyClick(till.window, Qt.Key.Key_Escape)  # Cancel (Esc) empties it
    qtbot.keyClick(till.window, Qt.Key.Key_F4)
    assert enroll.name.text() == ""


def test_a_word_as_amount_is_not_a_number_and_the_receipt_field_stays_empty(
    qtbot: QtBot, till: UiTill
) -> None:
    sign_in(qtbot, till)
    show_member(qtbot, till, 0)
    sale = till.window.checkout.sale
    qtbot.keyClicks(sale.amount, "abc", delay=HUMAN_MS)
    qtbot.keyClick(sale.amount, Qt.Key.Key_Return)
    assert "not a number" in sale.message.text()
    sale.amount.clear()
    qtbot.keyClicks(sale.amount, "10", delay=HUMAN_MS)
    qtbot.keyClicks(sale.points, "999999", delay=HUMAN_MS)
    qtbot.keyClick(till.window, Qt.Key.Key_F3)  # a redemption that fails
    qtbot.waitUntil(lambda: "points" in sale.message.text())  # the service refused it
    assert sale.sale_ref.text() == ""  # no internal id written into the receipt field


def test_redeem_then_earn_on_the_same_sale_keeps_the_amount(qtbot: QtBot, till: UiTill) -> None:
    sign_in(qtbot, till)
    rich = max(range(len(till.seed.members)), key=lambda i: till.seed.members[i].balance)
    show_member(qtbot, till, rich)
    sale = till.window.checkout.sale
    qtbot.keyClicks(sale.amount, "80", delay=HUMAN_MS)
    qtbot.keyClicks(sale.points, "300", delay=HUMAN_MS)
    qtbot.keyClick(till.window, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: "Redeemed" in sale.message.text())
    assert sale.amount.text() == "77.00"  # 300 points = ¥3.00 off: the member pays ¥77.00
    assert "¥77.00" in sale.message.text()
    assert sale.sale_ref.text() == ""
    qtbot.keyClick(till.window, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: "Earned" in sale.message.text())
    events = till.services.activity.recent(5)
    earned = next(e for e in events if e.type == "points.earned")
    redeemed = next(e for e in events if e.type == "points.redeemed")
    assert earned.amount_cents == 7_700
    assert earned.sale_ref == redeemed.sale_ref  # one sale


def test_down_and_enter_pick_a_search_result(qtbot: QtBot, till: UiTill) -> None:
    sign_in(qtbot, till)
    search = till.window.checkout.search
    member = till.seed.members[3]
    qtbot.keyClicks(search.field, member.phone[-4:], delay=HUMAN_MS)
    qtbot.waitUntil(lambda: search.results.count() >= 1)
    qtbot.keyClick(search.field, Qt.Key.Key_Down)
    assert search.results.hasFocus()
    assert search.results.currentRow() == 0
    qtbot.keyClick(search.results, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: till.window.checkout.member is not None)
    assert till.window.checkout.member.member_code == member.member_code


def test_a_signed_in_manager_approves_a_void_in_one_step(qtbot: QtBot, till: UiTill) -> None:
    sign_in(qtbot, till, "M01", "999999")
    window = till.window
    show_member(qtbot, till, 0)
    earn(qtbot, till, "50")
    qtbot.keyClick(window, Qt.Key.Key_F6)
    void = window.void
    qtbot.waitUntil(lambda: void.events.count() == 1)
    assert void.approval.approve_button.isVisible()
    assert not void.approval.code.isVisible()
    qtbot.keyClicks(void.reason, "wrong amount", delay=HUMAN_MS)
    qtbot.keyClick(void.reason, Qt.Key.Key_Return)  # one confirmation: no code, no PIN
    qtbot.waitUntil(lambda: window.current() is window.checkout)
    assert "Voided" in window.checkout.sale.message.text()


def test_kiosk_is_full_screen_and_a_window_fills_the_screen(qtbot: QtBot, till: UiTill) -> None:
    window = till.window
    show_window(window, kiosk=False)
    available = window.screen().availableGeometry()
    qtbot.waitUntil(lambda: window.width() >= available.width() - 20)
    show_window(window, kiosk=True)
    qtbot.waitUntil(window.isFullScreen)


def test_a_cashier_guessing_the_manager_pin_pauses_approvals_not_the_manager(
    qtbot: QtBot, till: UiTill
) -> None:
    sign_in(qtbot, till)
    window = till.window
    show_member(qtbot, till, 0)
    earn(qtbot, till, "50")
    qtbot.keyClick(window, Qt.Key.Key_F6)
    approval = window.void.approval
    qtbot.waitUntil(lambda: window.void.events.count() == 1)
    qtbot.keyClicks(window.void.reason, "wrong amount", delay=HUMAN_MS)
    for attempt in range(3):
        approval.code.clear()
        qtbot.keyClicks(approval.code, "M01", delay=HUMAN_MS)
        approval.pin_pad.setFocus()
        qtbot.keyClicks(approval.pin_pad, "0000", delay=HUMAN_MS)
        qtbot.keyClick(approval.pin_pad, Qt.Key.Key_Return)
        if attempt < 2:
            qtbot.waitUntil(lambda: "pause approvals" in approval.message.text())
    qtbot.waitUntil(lambda: "Head office has been told" in approval.message.text())
    message = approval.message.text()
    assert "can still sign in" in message
    assert "contact the manager" not in message
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    qtbot.keyClick(window, Qt.Key.Key_F12)
    window.sign_in.staff_code.clear()  # the lock screen keeps the cashier's code
    sign_in(qtbot, till, "M01", "999999")  # the manager signs in all the same
    assert window.session.staff is not None
    assert window.session.staff.is_manager


def test_enter_presses_the_focused_button_so_no_mouse_is_needed(qtbot: QtBot, till: UiTill) -> None:
    sign_in(qtbot, till)
    show_member(qtbot, till, 0)
    checkout = till.window.checkout
    checkout.card_button.setFocus()  # reached with Tab
    qtbot.keyClick(checkout.card_button, Qt.Key.Key_Return)
    assert till.window.current() is till.window.card
    qtbot.keyClick(till.window.card.back_button, Qt.Key.Key_Return)
    assert till.window.current() is checkout
    assert checkout.member is not None


@pytest.mark.parametrize("suffix", ["tab", "none"])
def test_a_scanner_configured_with_tab_or_no_suffix(qtbot: QtBot, suffix: str) -> None:
    detector = ScanDetector(accepts=card_burst, suffix=suffix, max_gap_ms=40)
    app = QApplication.instance()
    app.installEventFilter(detector)
    try:
        scans: list[str] = []
        detector.scanned.connect(scans.append)
        widget = _Form()
        qtbot.addWidget(widget)
        widget.show()
        widget.field.setFocus()
        end = _scanner_types(widget.field, "MBR:" + CODE, start_ms=50_000)
        if suffix == "tab":
            _key(widget.field, Qt.Key.Key_Tab, "\t", end)
            assert scans == [qr_payload(CODE)]
        else:
            qtbot.waitUntil(lambda: scans == [qr_payload(CODE)])  # a quiet moment ends it
        assert widget.field.text() == ""
    finally:
        app.removeEventFilter(detector)
