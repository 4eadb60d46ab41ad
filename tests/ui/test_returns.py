"""The Return screen driven as a cashier would: F11, a receipt scanned or typed, an amount,
Enter; a manager's PIN above the program's amount; bad input says why and queues nothing."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.ui.conftest import UiTill
from tests.ui.test_till import HUMAN_MS, scan, sign_in


def _sales(till: UiTill) -> int:
    """Two sales; returns the points the first earned."""
    cashier = till.services.staff.sign_in("C01", "1234")
    sales = till.services.sales
    first, second = till.seed.members[0].member_id, till.seed.members[1].member_id
    earned = sales.earn(cashier, first, amount_cents=20_000, sale_ref="R-100").points_delta
    sales.earn(cashier, second, amount_cents=80_000, sale_ref="BIG-1")
    return earned


def _queued(till: UiTill) -> int:
    return till.services.activity.outbox().pending


def _type(qtbot: QtBot, widget, text: str) -> None:
    widget.clear()
    qtbot.keyClicks(widget, text, delay=HUMAN_MS)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def test_a_cashier_returns_part_of_a_sale_by_its_scanned_receipt(
    qtbot: QtBot, till: UiTill
) -> None:
    member_id = till.seed.members[0].member_id
    before = till.services.lookup.member(member_id)
    earned = _sales(till)
    sign_in(qtbot, till)
    window = till.window
    qtbot.keyClick(window, Qt.Key.Key_F11)
    screen = window.returns
    assert window.current() is screen
    qtbot.waitUntil(screen.receipt.hasFocus)

    scan(qtbot, screen.receipt, "R-100")
    qtbot.waitUntil(lambda: screen.sales.count() == 1)
    assert "R-100" in screen.sales.item(0).text()
    assert "Offline" in screen.scope.text()  # this till's sales only
    qtbot.waitUntil(screen.amount.hasFocus)
    qtbot.keyClicks(screen.amount, "50", delay=HUMAN_MS)
    assert "takes back" in screen.effect.text()
    queued = _queued(till)
    qtbot.keyClick(screen.amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Returned" in screen.ok.text())
    assert _queued(till) == queued + 1
    after = till.services.lookup.member(member_id)
    # a quarter of the sale back: a quarter of its points taken back (rounded down)
    assert after.balance == before.balance + earned - earned * 5_000 // 20_000
    assert "left" in screen.sales.item(0).text()

    # More than is left: a clear message, nothing queued.
    _type(qtbot, screen.amount, "151")
    qtbot.waitUntil(lambda: "larger than what is left" in screen.message.text())
    assert _queued(till) == queued + 1

    # A receipt that matches nothing.
    _type(qtbot, screen.receipt, "NO-SUCH")
    qtbot.waitUntil(lambda: "No sale has this receipt number" in screen.message.text())
    assert screen.sales.count() == 0
    assert _queued(till) == queued + 1

    qtbot.keyClick(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.current() is window.checkout)


def test_a_large_return_waits_for_a_managers_pin(qtbot: QtBot, till: UiTill) -> None:
    _sales(till)
    sign_in(qtbot, till)
    window = till.window
    qtbot.keyClick(window, Qt.Key.Key_F11)
    screen = window.returns
    _type(qtbot, screen.receipt, "BIG-1")
    qtbot.waitUntil(lambda: screen.sales.count() == 1)
    queued = _queued(till)
    qtbot.waitUntil(screen.amount.hasFocus)
    qtbot.keyClick(screen.amount, Qt.Key.Key_Return)  # empty: all 800.00 that is left
    qtbot.waitUntil(lambda: "manager" in screen.message.text().lower())
    assert screen.approval.isVisible()
    assert _queued(till) == queued
    approval = screen.approval
    qtbot.waitUntil(approval.code.hasFocus)
    qtbot.keyClicks(approval.code, "M01", delay=HUMAN_MS)
    approval.pin_pad.setFocus()
    qtbot.keyClicks(approval.pin_pad, "999999", delay=HUMAN_MS)
    qtbot.keyClick(approval.pin_pad, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Returned" in screen.ok.text())
    assert not screen.approval.isVisible()
    assert _queued(till) == queued + 1


def test_the_report_says_it_shows_this_till_only_when_offline(qtbot: QtBot, till: UiTill) -> None:
    sign_in(qtbot, till, "M01", "999999")
    window = till.window
    qtbot.keyClick(window, Qt.Key.Key_F7)
    assert window.current() is window.reports
    line = window.reports.store_figures.label
    qtbot.waitUntil(lambda: "this till's only" in line.text())
