"""The till worked as a cashier would: keys, clicks and scanner bursts on real services."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from shared.domain.member_code import qr_payload
from terminal.services import Receipt
from tests.ui import keys
from tests.ui.conftest import UiTill

HUMAN_MS = 45  # slower than the scanner's 30 ms gap: a person typing


def sign_in(qtbot: QtBot, till: UiTill, code: str = "C01", pin: str = "1234") -> None:
    screen = till.window.sign_in
    qtbot.keyClicks(screen.staff_code, code, delay=HUMAN_MS)
    qtbot.keyClick(screen.staff_code, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.pin_pad.hasFocus())
    qtbot.keyClicks(screen.pin_pad, pin, delay=HUMAN_MS)
    qtbot.waitUntil(lambda: screen.pin_pad.pin == pin)
    qtbot.keyClick(screen.pin_pad, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: till.window.current() is till.window.checkout)


def scan(qtbot: QtBot, widget, payload: str) -> None:
    """A USB scanner: the whole code in one burst, then Enter (timestamped keys)."""
    keys.scan(widget, payload)


def test_sign_in_with_wrong_then_right_pin(qtbot: QtBot, till: UiTill) -> None:
    screen = till.window.sign_in
    assert till.window.current() is screen
    qtbot.keyClicks(screen.staff_code, "C01", delay=HUMAN_MS)
    qtbot.keyClick(screen.staff_code, Qt.Key.Key_Return)
    for digit in "0000":
        qtbot.mouseClick(
            screen.pin_pad.findChild(type(screen.pin_pad.ok_button), f"pinKey{digit}"),
            Qt.MouseButton.LeftButton,
        )
    qtbot.mouseClick(screen.pin_pad.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Wrong staff code or PIN" in screen.message.text())
    assert "attempts left" in screen.message.text()
    assert till.window.current() is screen
    qtbot.keyClicks(screen.pin_pad, "1234", delay=HUMAN_MS)
    qtbot.keyClick(screen.pin_pad, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: till.window.current() is till.window.checkout)
    qtbot.waitUntil(lambda: till.window.status.staff_label.text() == "Li Na")
    qtbot.keyClick(till.window, Qt.Key.Key_F12)
    assert till.window.current() is screen
    assert screen.title.text() == "Till locked"


def test_scan_burst_goes_to_lookup_not_amount_field(qtbot: QtBot, till: UiTill) -> None:
    sign_in(qtbot, till)
    checkout = till.window.checkout
    member = till.seed.members[0]
    checkout.sale.amount.setFocus()
    scan(qtbot, checkout.sale.amount, qr_payload(member.member_code))
    qtbot.waitUntil(lambda: checkout.member is not None)
    assert checkout.member.member_code == member.member_code
    assert checkout.panel.name_label.text() == member.name
    assert checkout.sale.amount.text() == ""
    # A second scan while the amount field has focus switches member, still no stray digits.
    other = till.seed.members[1]
    qtbot.keyClicks(checkout.sale.amount, "12", delay=HUMAN_MS)
    scan(qtbot, checkout.sale.amount, other.member_code)
    qtbot.waitUntil(
        lambda: checkout.member is not None and checkout.member.member_code == other.member_code
    )
    assert checkout.sale.amount.text() == ""


def test_earn_shows_points_before_confirming(qtbot: QtBot, till: UiTill) -> None:
    sign_in(qtbot, till)
    checkout = till.window.checkout
    scan(qtbot, checkout.search.field, till.seed.members[2].member_code)
    qtbot.waitUntil(lambda: checkout.member is not None)
    before = checkout.member.balance
    qtbot.keyClicks(checkout.sale.amount, "128.50", delay=HUMAN_MS)
    qtbot.waitUntil(lambda: "earns" in checkout.sale.preview.text())
    expected = checkout.sale.preview_points  # from SalesService.earn_preview
    assert expected == till.services.sales.earn_preview(checkout.member.member_id, 12850)
    assert f"{expected:,} pts" in checkout.sale.preview.text()
    received: list[Receipt] = []
    checkout.sale.receipt.connect(received.append)
    qtbot.keyClick(till.window, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: "Earned" in checkout.sale.message.text())
    assert received[0].points_delta == expected  # the preview is exactly what earn awarded
    qtbot.waitUntil(lambda: checkout.member.balance == before + expected)
    assert "pending" in checkout.panel.pending_label.text()


def test_redeem_past_the_sale_cap_is_explained(qtbot: QtBot, till: UiTill) -> None:
    sign_in(qtbot, till)
    checkout = till.window.checkout
    rich = max(till.seed.members, key=lambda m: m.balance)
    assert rich.balance >= 1000
    scan(qtbot, checkout.search.field, rich.member_code)
    qtbot.waitUntil(lambda: checkout.member is not None)
    qtbot.keyClicks(checkout.sale.amount, "10", delay=HUMAN_MS)
    qtbot.waitUntil(lambda: "Up to 500 pts" in checkout.sale.limits_label.text())
    assert "50%" in checkout.sale.limits_label.text()
    qtbot.keyClicks(checkout.sale.points, "900", delay=HUMAN_MS)
    qtbot.mouseClick(checkout.sale.redeem_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "at most 50% of the sale" in checkout.sale.message.text())
    message = checkout.sale.message.text()
    assert "¥5.00" in message
    assert "500 points" in message
    qtbot.mouseClick(checkout.sale.max_button, Qt.MouseButton.LeftButton)
    assert checkout.sale.points.text() == "500"
    qtbot.mouseClick(checkout.sale.redeem_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Redeemed 500 pts" in checkout.sale.message.text())


def test_enroll_offline_and_watch_the_queue_rise(qtbot: QtBot, till: UiTill) -> None:
    sign_in(qtbot, till)
    window = till.window
    qtbot.waitUntil(
        lambda: window.status.status is not None and bool(window.status.status.staff_name)
    )
    queued = window.status.queued
    assert "Offline" in window.status.online_label.text()
    qtbot.keyClick(window, Qt.Key.Key_F4)
    enroll = window.enroll
    assert window.current() is enroll
    qtbot.keyClick(enroll.name, Qt.Key.Key_Return)
    assert enroll.errors["name"].text()
    qtbot.keyClicks(enroll.name, "Zhao Min", delay=HUMAN_MS)
    qtbot.keyClicks(enroll.phone, "12345", delay=HUMAN_MS)
    qtbot.keyClick(enroll.phone, Qt.Key.Key_Return)
    assert "mobile number" in enroll.errors["phone"].text()
    enroll.phone.clear()
    qtbot.keyClicks(enroll.phone, "13912340000", delay=HUMAN_MS)
    qtbot.mouseClick(enroll.consent, Qt.MouseButton.LeftButton)
    qtbot.keyClick(enroll.phone, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current() is window.card)
    card = window.card.card.canvas.card
    assert card is not None
    assert card.name == "Zhao Min"
    qtbot.waitUntil(lambda: window.status.queued == queued + 1)
    assert f"Queued: {queued + 1}" in window.status.queued_label.text()
    qtbot.keyClick(window.card.back_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current() is window.checkout)
    qtbot.waitUntil(lambda: window.checkout.member is not None)
    assert window.checkout.member.display_name == "Zhao Min"


def test_search_by_last4_pages_and_picks(qtbot: QtBot, till: UiTill) -> None:
    sign_in(qtbot, till)
    search = till.window.checkout.search
    target = till.seed.members[3]
    qtbot.keyClicks(search.field, target.phone[-4:], delay=HUMAN_MS)
    qtbot.waitUntil(lambda: search.results.count() == 1)
    qtbot.keyClick(search.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: till.window.checkout.member is not None)
    assert till.window.checkout.member.member_id == target.member_id


def test_language_switch_retranslates_visible_text(qtbot: QtBot, till: UiTill) -> None:
    window = till.window
    sign_in(qtbot, till, "M01", "999999")
    assert window.nav["checkout"].text() == "Checkout (F1)"
    qtbot.keyClick(window, Qt.Key.Key_F9)
    assert window.current() is window.settings
    combo = window.settings.language
    combo.setCurrentIndex(combo.findData("zh_CN"))
    combo.activated.emit(combo.currentIndex())
    qtbot.waitUntil(lambda: window.nav["checkout"].text() == "收银 (F1)")
    assert window.settings.title.text() == "设置"
    assert "已排队" in window.status.queued_label.text()
    qtbot.waitUntil(lambda: till.services.store.language() == "zh_CN")  # kept for next start
    combo.setCurrentIndex(combo.findData("en"))
    combo.activated.emit(combo.currentIndex())
    qtbot.waitUntil(lambda: window.nav["checkout"].text() == "Checkout (F1)")
    qtbot.waitUntil(lambda: till.services.store.language() == "en")
