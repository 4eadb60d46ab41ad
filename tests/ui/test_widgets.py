"""Phase-1 widgets driven as a cashier would: keys, clicks, scans."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from shared.domain.member_code import mint_member_code, qr_payload
from shared.domain.program import DEFAULT_PROGRAM
from shared.errors import RuleViolation
from terminal.ui.camera import decode_image_file, decode_qimage
from terminal.ui.formatting import format_money
from terminal.ui.messages import error_message
from terminal.ui.runner import Runner
from terminal.ui.scanner import ScanDetector
from terminal.ui.widgets.member_card import CardData, MemberCardView, qr_image
from terminal.ui.widgets.member_panel import MemberPanel
from terminal.ui.widgets.member_panel import PanelCoupon as CouponView
from terminal.ui.widgets.member_panel import PanelMember as MemberView
from terminal.ui.widgets.pin_pad import PinPad
from tests.ui import keys


def test_runner_delivers_result_and_error_on_gui_thread(qtbot: QtBot) -> None:
    runner = Runner()
    gui_thread = threading.get_ident()
    seen: list[tuple[str, object, int]] = []

    def work(x: int) -> int:
        assert threading.get_ident() != gui_thread
        return x * 2

    def fail() -> None:
        raise RuleViolation("no", code="exceeds_sale_cap", percent=50, cap_cents=500)

    with qtbot.waitSignal(
        runner.submit(
            work, 21, on_result=lambda v: seen.append(("ok", v, threading.get_ident()))
        ).done
    ):
        pass
    with qtbot.waitSignal(
        runner.submit(fail, on_error=lambda e: seen.append(("err", e, threading.get_ident()))).done
    ):
        pass
    assert seen[0][:2] == ("ok", 42)
    assert seen[0][2] == gui_thread
    assert seen[1][0] == "err"
    assert seen[1][2] == gui_thread
    assert isinstance(seen[1][1], RuleViolation)
    qtbot.waitUntil(lambda: not runner.busy)


def test_runner_drops_results_for_destroyed_screen(qtbot: QtBot) -> None:
    runner = Runner()
    gate = threading.Event()
    seen: list[object] = []
    owner = QObject()
    runner.submit(gate.wait, on_result=seen.append, context=owner)
    assert runner.busy
    owner.deleteLater()
    qtbot.waitUntil(lambda: not runner.busy)
    gate.set()
    runner.wait_for_done()
    assert seen == []


class _Till(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.amount = QLineEdit()
        self.amount.setObjectName("amount")
        QVBoxLayout(self).addWidget(self.amount)


@pytest.fixture
def detector(qtbot: QtBot) -> ScanDetector:
    from PySide6.QtWidgets import QApplication

    detector = ScanDetector()
    QApplication.instance().installEventFilter(detector)
    yield detector
    QApplication.instance().removeEventFilter(detector)


def test_scanner_burst_never_lands_in_amount_field(qtbot: QtBot, detector: ScanDetector) -> None:
    till = _Till()
    qtbot.addWidget(till)
    till.show()
    till.amount.setFocus()
    code = mint_member_code("100001", 42)
    with qtbot.waitSignal(detector.scanned) as blocker:
        keys.scan(till.amount, qr_payload(code))
    assert blocker.args == [qr_payload(code)]
    assert till.amount.text() == ""


def test_human_typing_reaches_the_field(qtbot: QtBot, detector: ScanDetector) -> None:
    till = _Till()
    qtbot.addWidget(till)
    till.show()
    till.amount.setFocus()
    scans: list[str] = []
    detector.scanned.connect(scans.append)
    qtbot.keyClicks(till.amount, "1250", delay=detector.max_gap_ms + 20)
    qtbot.waitUntil(lambda: till.amount.text() == "1250")
    qtbot.keyClicks(till.amount, "99")  # a fast pair: held, then replayed in order
    qtbot.waitUntil(lambda: till.amount.text() == "125099")
    qtbot.keyClick(till.amount, Qt.Key.Key_Return)
    assert scans == []


def test_pin_pad_keys_and_clicks(qtbot: QtBot) -> None:
    pad = PinPad()
    qtbot.addWidget(pad)
    qtbot.mouseClick(pad.findChild(type(pad.ok_button), "pinKey1"), Qt.MouseButton.LeftButton)
    qtbot.keyClicks(pad, "234")
    assert pad.pin == "1234"
    with qtbot.waitSignal(pad.submitted) as blocker:
        qtbot.keyClick(pad, Qt.Key.Key_Return)
    assert blocker.args == ["1234"]
    qtbot.keyClick(pad, Qt.Key.Key_Escape)
    assert pad.pin == ""
    with qtbot.waitSignal(pad.cancelled):
        qtbot.keyClick(pad, Qt.Key.Key_Escape)


def test_card_qr_scans_back_and_saves_pdf(qtbot: QtBot, tmp_path) -> None:
    code = mint_member_code("100001", 7)
    assert decode_qimage(qr_image(qr_payload(code))) == [qr_payload(code)]
    png = tmp_path / "card.png"
    qr_image(qr_payload(code), 250).save(str(png))
    assert decode_image_file(png) == [qr_payload(code)]
    view = MemberCardView()
    qtbot.addWidget(view)
    view.set_card(CardData(member_code=code, name="王小明", tier_name="Gold"))
    pdf = tmp_path / "card.pdf"
    view.save_pdf(str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")


def test_member_panel_shows_masked_phone_and_pending(qtbot: QtBot) -> None:
    panel = MemberPanel()
    qtbot.addWidget(panel)
    panel.show_member(
        MemberView(
            member_id="m1",
            member_code="1000010000428",
            name="Li Lei",
            masked_phone="138****5678",
            tier_code="gold",
            tier_name="Gold",
            balance=1500,
            pending_points=300,
            coupons=(CouponView("c1", "10 off"),),
        )
    )
    assert "138****5678" in panel.phone_label.text()
    assert "1,500" in panel.balance_label.text()
    assert "300" in panel.pending_label.text()
    assert panel.coupons.count() == 1


def test_limit_messages_explain_the_cap() -> None:
    error = RuleViolation("x", code="exceeds_sale_cap", percent=50, cap_cents=1000, max_points=1000)
    message = error_message(error, "CNY")
    assert "50%" in message
    assert "¥10.00" in message
    assert "1,000" in message
    assert format_money(123456, "CNY") == "¥1,234.56"
    assert format_money(-5, "XYZ") == "-0.05 XYZ"


def test_scanner_uses_key_timestamps_not_arrival_time(qtbot: QtBot, detector: ScanDetector) -> None:
    till = _Till()
    qtbot.addWidget(till)
    till.show()
    till.amount.setFocus()
    scans: list[str] = []
    detector.scanned.connect(scans.append)
    keys.type_keys(till.amount, "1234567\r", start_ms=1_000, gap_ms=120)  # a person, late
    qtbot.waitUntil(lambda: till.amount.text() == "1234567")
    assert scans == []
    till.amount.clear()
    keys.type_keys(till.amount, "7654321\r", start_ms=5_000, gap_ms=8)  # a scanner
    assert scans == ["7654321"]
    assert till.amount.text() == ""


def test_the_redeem_hint_values_points_by_the_program_not_as_cents() -> None:
    # 200 points buy ¥1.00 here: 1,000 points are worth ¥5.00, not ¥10.00.
    program = DEFAULT_PROGRAM.model_copy(
        update={"redeem_points_unit": 200, "redeem_value_cents_per_unit": 100}
    )
    with pytest.raises(RuleViolation) as refused:
        program.check_redeem(
            1_200, balance=1_000, sale_amount_cents=100_000, offline_redeemed_today=None
        )
    message = error_message(refused.value, "CNY")
    assert "1,000" in message
    assert "¥5.00" in message
    assert "¥10.00" not in message


def test_member_panel_notes_a_card_merged_into_the_member(qtbot: QtBot, qapp) -> None:
    from terminal.ui.i18n import LanguageManager

    panel = MemberPanel()
    qtbot.addWidget(panel)
    base = dict(
        member_id="m1",
        member_code="1000010000428",
        name="Li Lei",
        masked_phone="****5678",
        tier_code="gold",
        tier_name="Gold",
        balance=1500,
    )
    panel.show_member(MemberView(**base))  # type: ignore[arg-type]
    assert panel.merged_label.isHidden()
    panel.show_member(MemberView(**base, merged_code="1000010000311"))  # type: ignore[arg-type]
    assert not panel.merged_label.isHidden()
    assert panel.merged_label.text() == (
        "Card 1000010000311 was merged into member 1000010000428 by head office."
    )
    languages = LanguageManager(qapp)
    try:
        assert languages.set_language("zh_CN")
        chinese = "卡号 1000010000311 已由总部合并到会员 1000010000428。"
        qtbot.waitUntil(lambda: panel.merged_label.text() == chinese, timeout=5000)
    finally:
        languages.set_language("en")
