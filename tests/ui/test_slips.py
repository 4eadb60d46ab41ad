"""Member slips at the till, driven as a cashier would: a sale, F10, the preview, Print;
and the customer display following the checkout."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from terminal.app import build_window, make_backend
from terminal.config import ReceiptPrinterSettings
from terminal.ui.after_sale import after_sale_of
from terminal.ui.main_window import MainWindow
from terminal.ui.slip_dialog import SlipDialog
from terminal.ui.theme import apply_theme
from tests.ui.conftest import UiTill, make_replica
from tests.ui.test_till import HUMAN_MS, scan, sign_in

THRESHOLDS = {"member": 0, "silver": 1000, "gold": 5000}
MULTIPLIER = {"member": 100, "silver": 125, "gold": 150}


def _earn(qtbot: QtBot, till: UiTill, index: int, amount: str) -> tuple[int, int, int]:
    """Scan member ``index``, type the amount, F2. Returns (points, balance, lifetime)
    the earn must leave, counted from the member before and the program's table."""
    checkout = till.window.checkout
    member = till.seed.members[index]
    scan(qtbot, checkout.search.field, member.member_code)
    qtbot.waitUntil(lambda: checkout.member is not None)
    before = checkout.member
    assert before is not None
    qtbot.keyClicks(checkout.sale.amount, amount, delay=HUMAN_MS)
    qtbot.keyClick(till.window, Qt.Key.Key_F2)
    qtbot.waitUntil(
        lambda: "Earned" in checkout.sale.message.text() or "已累积" in checkout.sale.message.text()
    )
    units = int(float(amount))
    points = units * MULTIPLIER[before.tier] // 100
    return points, before.balance + points, before.lifetime_points + points


def _next_tier(lifetime: int) -> tuple[str, int]:
    name = next(n for n, t in THRESHOLDS.items() if t > lifetime)
    return name, THRESHOLDS[name] - lifetime


def _open_preview(qtbot: QtBot, window: MainWindow) -> SlipDialog:
    qtbot.keyClick(window, Qt.Key.Key_F10)
    qtbot.waitUntil(
        lambda: (
            after_sale_of(window).dialog is not None and after_sale_of(window).dialog.isVisible()
        )
    )
    dialog = after_sale_of(window).dialog
    assert dialog is not None
    return dialog


def test_print_slip_after_an_earn_shows_the_slip(
    qtbot: QtBot, till: UiTill, tmp_path: Path
) -> None:
    sign_in(qtbot, till)
    sale = till.window.checkout.sale
    member = next(i for i, m in enumerate(till.seed.members) if m.balance < 700)
    assert not sale.print_button.isEnabled()  # nothing to print before a transaction
    points, balance, lifetime = _earn(qtbot, till, member, "128.00")
    assert sale.print_button.isEnabled()
    assert sale.print_button.text() == "Print slip (F10)"
    dialog = _open_preview(qtbot, till.window)
    rows = "\n".join(dialog.view.text_rows())
    name, missing = _next_tier(lifetime)
    for expected in (
        "Downtown",
        "Points earned",
        till.seed.members[member].name,
        f"****{till.seed.members[member].member_code[-4:]}",
        "Sale amount ¥128.00",
        f"Earned +{points:,} pts",
        f"Balance {balance:,} pts",
        f"{missing:,} pts to {name.title()}",
        "Thank you!",
    ):
        assert expected in rows, expected
    pdf = tmp_path / "slip.pdf"
    dialog.save_pdf(str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    # The next customer: nothing of the last one's to print.
    qtbot.mouseClick(till.window.checkout.clear_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: till.window.checkout.member is None)
    assert not sale.print_button.isEnabled()


def test_the_slip_speaks_chinese_when_the_till_does(qtbot: QtBot, till: UiTill) -> None:
    till.window.set_language("zh_CN")
    sign_in(qtbot, till)
    member = next(i for i, m in enumerate(till.seed.members) if m.balance < 700)
    points, balance, lifetime = _earn(qtbot, till, member, "50")
    assert till.window.checkout.sale.print_button.text() == "打印会员小票 (F10)"
    dialog = _open_preview(qtbot, till.window)
    rows = "\n".join(dialog.view.text_rows())
    name, missing = _next_tier(lifetime)
    chinese_tier = {"silver": "银卡", "gold": "金卡"}[name]
    for expected in (
        "积分已累积",
        f"本次累积 +{points:,} 积分",
        f"积分余额 {balance:,} 积分",
        f"距{chinese_tier}还差 {missing:,} 积分",
    ):
        assert expected in rows, expected
    assert dialog.print_button.text() == "打印 (Enter)"
    dialog.close()


@pytest.fixture
def receipt_till(
    qtbot: QtBot, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[UiTill, Path]]:
    """A till whose slips go to an ESC/POS printer (a device file here)."""
    options = getattr(request, "param", {})
    settings, replica, services, seed = make_replica(tmp_path)
    device = tmp_path / "lp0"
    device.write_bytes(b"")
    settings = settings.model_copy(
        update={
            "slip_printer": "receipt",
            "receipt_printer": ReceiptPrinterSettings(connection="file", device_file=str(device)),
            **options,
        }
    )
    apply_theme(QApplication.instance())
    window = build_window(
        make_backend(settings, replica, services), language="en", settings=settings
    )
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    yield UiTill(window, services, seed, replica), device
    window.close()
    window.session.runner.wait_for_done(5000)
    replica.close()


def test_print_sends_the_slip_to_the_receipt_printer(
    qtbot: QtBot, receipt_till: tuple[UiTill, Path]
) -> None:
    till, device = receipt_till
    sign_in(qtbot, till)
    _earn(qtbot, till, 0, "20")
    dialog = _open_preview(qtbot, till.window)
    qtbot.keyClick(dialog.print_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.message.text() == "Printed.")
    written = device.read_bytes()
    assert written.startswith(b"\x1b@")
    assert written.endswith(b"\x1dV\x00")
    assert till.seed.members[0].name.encode("gb18030") in written


@pytest.mark.parametrize("receipt_till", [{"slip_auto_print": True}], indirect=True)
def test_auto_print_prints_each_transaction_without_asking(
    qtbot: QtBot, receipt_till: tuple[UiTill, Path]
) -> None:
    till, device = receipt_till
    sign_in(qtbot, till)
    _earn(qtbot, till, 1, "20")
    qtbot.waitUntil(lambda: device.read_bytes().count(b"\x1dV\x00") == 1)
    assert after_sale_of(till.window).dialog is None  # no preview was asked for
    qtbot.waitUntil(lambda: till.window.statusBar().currentMessage() == "Member slip printed.")
    # A void is a transaction too: its slip prints as well.
    checkout = till.window.checkout
    qtbot.keyClick(till.window, Qt.Key.Key_F6)
    void = till.window.void
    qtbot.waitUntil(lambda: void.events.count() == 1)
    qtbot.keyClicks(void.reason, "wrong amount", delay=HUMAN_MS)
    qtbot.keyClicks(void.approval.code, "M01", delay=HUMAN_MS)
    void.approval.pin_pad.setFocus()
    qtbot.keyClicks(void.approval.pin_pad, "999999", delay=HUMAN_MS)
    qtbot.keyClick(void.approval.pin_pad, Qt.Key.Key_Return)

    # python-escpos's File device opens the printer's device file anew for each job
    # the void's job replaces the file; it is whole once its cut is written (the text
    # comes before it)
    def void_slip_printed() -> bool:
        job = device.read_bytes()
        return b"Transaction voided" in job and job.endswith(b"\x1dV\x00")

    qtbot.waitUntil(void_slip_printed, timeout=10_000)
    assert checkout.sale.print_button.isEnabled()
