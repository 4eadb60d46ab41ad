"""Manager work and the remaining cashier paths: void, rejected list, reports, coupons,
scan from an image, auto-lock, PIN lock-out."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from shared.domain.member_code import qr_payload
from shared.protocol import PushResult
from terminal.services.sync_store import SyncStore
from terminal.ui.widgets.member_card import qr_image
from tests.ui.conftest import UiTill
from tests.ui.test_till import HUMAN_MS, scan, sign_in


def show_member(qtbot: QtBot, till: UiTill, index: int) -> None:
    checkout = till.window.checkout
    scan(qtbot, checkout.search.field, till.seed.members[index].member_code)
    qtbot.waitUntil(
        lambda: (
            checkout.member is not None
            and checkout.member.member_code == till.seed.members[index].member_code
        )
    )


def earn(qtbot: QtBot, till: UiTill, amount: str) -> None:
    sale = till.window.checkout.sale
    qtbot.keyClicks(sale.amount, amount, delay=HUMAN_MS)
    qtbot.mouseClick(sale.earn_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Earned" in sale.message.text())


def test_void_needs_a_manager_pin(qtbot: QtBot, till: UiTill) -> None:
    sign_in(qtbot, till)
    window = till.window
    show_member(qtbot, till, 0)
    before = window.checkout.member.balance
    earn(qtbot, till, "50")
    qtbot.waitUntil(lambda: window.checkout.member.balance > before)
    qtbot.keyClick(window, Qt.Key.Key_F6)
    void = window.void
    assert window.current() is void
    qtbot.waitUntil(lambda: void.events.count() == 1)
    qtbot.keyClicks(void.reason, "wrong amount", delay=HUMAN_MS)
    approval = void.approval
    qtbot.keyClicks(approval.code, "C01", delay=HUMAN_MS)  # a cashier cannot approve
    approval.pin_pad.setFocus()
    qtbot.keyClicks(approval.pin_pad, "1234", delay=HUMAN_MS)
    qtbot.keyClick(approval.pin_pad, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "manager" in approval.message.text().lower())
    approval.code.clear()
    qtbot.keyClicks(approval.code, "M01", delay=HUMAN_MS)
    approval.pin_pad.setFocus()
    qtbot.keyClicks(approval.pin_pad, "999999", delay=HUMAN_MS)
    qtbot.keyClick(approval.pin_pad, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current() is window.checkout)
    qtbot.waitUntil(lambda: window.checkout.member.balance == before)


def test_rejected_events_open_from_the_status_bar(qtbot: QtBot, till: UiTill) -> None:
    sign_in(qtbot, till, "M01", "999999")
    window = till.window
    receipt = till.services.sales.earn(
        till.services.staff.sign_in("C01", "1234"),
        till.seed.members[1].member_id,
        amount_cents=10_000,
        sale_ref="R-1",
    )
    SyncStore(till.replica).apply_push_results(
        [
            PushResult(
                event_id=uuid.UUID(receipt.event_id), status="rejected", code="points_mismatch"
            )
        ]
    )
    window.refresh_status()
    qtbot.waitUntil(lambda: window.status.rejected_button.isVisible())
    assert window.status.rejected_button.text() == "Rejected: 1"
    qtbot.mouseClick(window.status.rejected_button, Qt.MouseButton.LeftButton)
    assert window.current() is window.rejected
    table = window.rejected.table
    qtbot.waitUntil(lambda: table.rowCount() == 1)
    assert table.item(0, 4).text() == "Points differ from the program rules"


def test_reports_and_exports(qtbot: QtBot, till: UiTill, tmp_path: Path) -> None:
    sign_in(qtbot, till, "M01", "999999")
    window = till.window
    show_member(qtbot, till, 0)
    earn(qtbot, till, "120.00")
    manager = till.services.staff.approve("M01", "999999")
    till.services.manager.adjust(manager, till.seed.members[1].member_id, points=500, reason="x")
    qtbot.keyClick(window, Qt.Key.Key_F7)
    reports = window.reports
    assert window.current() is reports
    qtbot.waitUntil(lambda: reports.report is not None and reports.report.transactions == 1)
    assert reports.figure_values[3].text() == "¥120.00"
    assert [v.text() for v in reports.figure_values[6:8]] == ["1", "+500 pts"]
    assert [v.text() for v in reports.figure_values[8:]] == ["0", "¥0.00", "0 pts", "0 pts"]
    assert reports.top.rowCount() == 1
    assert sum(reports.chart.counts) == 1
    csv_path, pdf_path = tmp_path / "r.csv", tmp_path / "r.pdf"
    reports.save_csv(str(csv_path))
    text = csv_path.read_text(encoding="utf-8-sig")
    assert "Member transactions,1" in text
    assert "¥120.00" in text
    assert "Adjustments,1" in text
    assert "Points adjusted,500" in text
    reports.save_pdf(str(pdf_path))
    assert pdf_path.read_bytes().startswith(b"%PDF")


def test_cashier_cannot_open_reports(qtbot: QtBot, till: UiTill) -> None:
    sign_in(qtbot, till)
    assert not till.window.nav["reports"].isVisible()
    qtbot.keyClick(till.window, Qt.Key.Key_F7)
    assert till.window.current() is till.window.checkout


def test_coupon_is_used_once(qtbot: QtBot, till: UiTill) -> None:
    sign_in(qtbot, till)
    checkout = till.window.checkout
    index = next(
        i for i, m in enumerate(till.seed.members) if m.member_id in till.seed.coupons.values()
    )
    show_member(qtbot, till, index)
    coupons = checkout.panel.coupons
    qtbot.waitUntil(
        lambda: coupons.count() == 1 and coupons.item(0).data(Qt.ItemDataRole.UserRole) is not None
    )
    qtbot.mouseClick(
        coupons.viewport(),
        Qt.MouseButton.LeftButton,
        pos=coupons.visualItemRect(coupons.item(0)).center(),
    )
    assert checkout.sale.coupon_button.isEnabled()
    # A coupon needs the sale's amount and a confirmation (it used to go at one click).
    qtbot.mouseClick(checkout.sale.coupon_button, Qt.MouseButton.LeftButton)
    assert "Enter a sale amount" in checkout.sale.message.text()
    qtbot.keyClicks(checkout.sale.amount, "128", delay=HUMAN_MS)
    qtbot.mouseClick(checkout.sale.coupon_button, Qt.MouseButton.LeftButton)
    assert "(¥10.00 off) on this ¥128.00 sale?" in checkout.sale.message.text()
    assert coupons.count() == 1  # not used yet
    qtbot.mouseClick(checkout.sale.coupon_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Coupon used: ¥10.00 off." in checkout.sale.message.text())
    assert checkout.sale.amount.text() == "118.00"  # earn on what the member pays
    qtbot.waitUntil(lambda: coupons.item(0) is not None and coupons.item(0).text() == "No coupons")


def test_scan_from_an_image_file(qtbot: QtBot, till: UiTill, tmp_path: Path) -> None:
    sign_in(qtbot, till)
    member = till.seed.members[4]
    image = tmp_path / "card.png"
    qr_image(qr_payload(member.member_code), 240).save(str(image))
    till.window.checkout.search.scan_image_file(str(image))
    qtbot.waitUntil(lambda: till.window.checkout.member is not None)
    assert till.window.checkout.member.member_code == member.member_code


def test_bad_check_digit_is_a_clear_message(qtbot: QtBot, till: UiTill) -> None:
    sign_in(qtbot, till)
    code = till.seed.members[0].member_code
    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    search = till.window.checkout.search
    scan(qtbot, search.field, wrong)
    qtbot.waitUntil(lambda: "Not a valid member code" in search.hint.text())
    assert till.window.checkout.member is None


def test_auto_lock_after_inactivity(qtbot: QtBot, till: UiTill) -> None:
    sign_in(qtbot, till)
    window = till.window
    window.lock_timer.setInterval(200)
    window.lock_timer.start()
    qtbot.waitUntil(lambda: window.current() is window.sign_in, timeout=3000)
    assert window.session.staff is None
    assert window.sign_in.title.text() == "Till locked"
    assert window.sign_in.staff_code.text() == "C01"


def test_too_many_wrong_pins_lock_the_staff_member(qtbot: QtBot, till: UiTill) -> None:
    screen = till.window.sign_in
    qtbot.keyClicks(screen.staff_code, "C02", delay=HUMAN_MS)
    for _ in range(5):
        screen.pin_pad.setFocus()
        qtbot.keyClicks(screen.pin_pad, "0000", delay=HUMAN_MS)
        qtbot.keyClick(screen.pin_pad, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: screen.pin_pad.isEnabled() and screen.pin_pad.pin == "")
    qtbot.waitUntil(lambda: "locked" in screen.message.text())
    assert "Try again in 5 min" in screen.message.text()


@pytest.mark.parametrize("till", [{"members": 30, "page_size": 3}], indirect=True)
def test_name_search_pages_with_more_results(qtbot: QtBot, till: UiTill) -> None:
    sign_in(qtbot, till)
    search = till.window.checkout.search
    # QTest types ASCII only; CJK names are typed through an input method in real life.
    prefix = next(m.name.split()[0] for m in till.seed.members if m.name.isascii())
    matching = [m for m in till.seed.members if m.name.startswith(prefix)]
    assert len(matching) > 3
    qtbot.keyClicks(search.field, prefix, delay=HUMAN_MS)
    qtbot.waitUntil(lambda: search.results.count() == 3)
    assert search.more_button.isVisible()
    qtbot.mouseClick(search.more_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: search.results.count() == min(6, len(matching)))
    search.results.setCurrentRow(4)
    qtbot.keyClick(search.results, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: till.window.checkout.member is not None)


def test_chinese_name_typed_through_an_input_method(qtbot: QtBot, till: UiTill) -> None:
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtGui import QInputMethodEvent

    sign_in(qtbot, till)
    search = till.window.checkout.search
    search.field.setFocus()
    commit = QInputMethodEvent()
    commit.setCommitString("王芳")
    QCoreApplication.sendEvent(search.field, commit)
    expected = [m for m in till.seed.members if m.name.startswith("王芳")]
    assert expected
    qtbot.waitUntil(lambda: search.results.count() == len(expected))


def test_pending_line_goes_once_head_office_acknowledges(qtbot: QtBot, till: UiTill) -> None:
    """The "-300 pts pending sync" line must not outlive the sync that confirmed it, and
    the status bar says "Syncing…" while the queue drains."""
    sign_in(qtbot, till)
    window = till.window
    show_member(qtbot, till, 0)
    panel = window.checkout.panel
    sale = window.checkout.sale
    qtbot.keyClicks(sale.amount, "50", delay=HUMAN_MS)
    qtbot.mouseClick(sale.earn_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "pending sync" in panel.pending_label.text())
    member = window.checkout.member
    window.refresh_status()
    qtbot.waitUntil(lambda: window.status.queued == 1)
    event = till.services.lookup.history(member.member_id)[0]
    SyncStore(till.replica).set_online(True)
    window.refresh_status()
    qtbot.waitUntil(lambda: "Syncing" in window.status.online_label.text())
    SyncStore(till.replica).apply_push_results(
        [
            PushResult(
                event_id=uuid.UUID(event.event_id),
                status="accepted",
                member_balance=member.balance,
                member_version=99,
            )
        ]
    )
    window.refresh_status()  # the 2 s poll, without waiting for it
    qtbot.waitUntil(lambda: panel.pending_label.text() == "all points confirmed by head office")
    assert window.status.online_label.text() == "● Online"
    assert window.checkout.member.balance == member.balance
