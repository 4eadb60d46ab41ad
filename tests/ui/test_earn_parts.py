"""The earn preview lists each part of the points: base, then every promotion."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from shared.domain.program import DEFAULT_PROGRAM, LoyaltyProgram
from terminal.services import Receipt
from terminal.services.sync_store import SyncStore
from tests.ui.conftest import UiTill
from tests.ui.test_till import HUMAN_MS, scan, sign_in

PROMOTIONS = [
    {"code": "x2", "name": "Double days", "names": {"zh_CN": "双倍积分日"}, "kind": "multiplier",
     "multiplier": "2"},
    {"code": "gift", "name": "Gift", "names": {"zh_CN": "礼遇"}, "kind": "bonus",
     "bonus_points": 50, "stacks": True},
]  # fmt: skip


def install(till: UiTill) -> None:
    body = {**DEFAULT_PROGRAM.model_dump(mode="json"), "rule_version": 2}
    program = LoyaltyProgram.model_validate({**body, "promotions": PROMOTIONS})
    SyncStore(till.replica).apply_changes(
        [{"entity": "program", "op": "upsert", "id": "2", "version": 2,
          "data": program.model_dump(mode="json")}]
    )  # fmt: skip


def lowest_tier_member(till: UiTill) -> str:
    return min(till.seed.members, key=lambda m: m.balance).member_code


def test_the_preview_names_each_promotion_and_earn_awards_it(qtbot: QtBot, till: UiTill) -> None:
    install(till)
    sign_in(qtbot, till)
    checkout = till.window.checkout
    scan(qtbot, checkout.search.field, lowest_tier_member(till))
    qtbot.waitUntil(lambda: checkout.member is not None)
    qtbot.keyClicks(checkout.sale.amount, "128", delay=HUMAN_MS)
    qtbot.waitUntil(lambda: "¥128.00 earns" in checkout.sale.preview.text())
    shown = checkout.sale.preview.text()
    base = till.services.sales.earn_breakdown(checkout.member.member_id, 12_800).base
    assert f"base {base:,} pts, Double days x2 +{base:,} pts, Gift +50 pts" in shown
    assert checkout.sale.preview_points == 2 * base + 50
    received: list[Receipt] = []
    checkout.sale.receipt.connect(received.append)
    qtbot.keyClick(till.window, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: bool(received))
    assert received[0].points_delta == 2 * base + 50


def test_the_parts_are_named_in_chinese(qtbot: QtBot, till: UiTill) -> None:
    install(till)
    sign_in(qtbot, till)
    till.window.set_language("zh_CN")
    checkout = till.window.checkout
    scan(qtbot, checkout.search.field, lowest_tier_member(till))
    qtbot.waitUntil(lambda: checkout.member is not None)
    qtbot.keyClicks(checkout.sale.amount, "100", delay=HUMAN_MS)
    qtbot.waitUntil(lambda: "¥100.00" in checkout.sale.preview.text())
    shown = checkout.sale.preview.text()
    assert "基础 " in shown
    assert "双倍积分日 x2 +" in shown
    assert "，礼遇 +50" in shown
    assert "Gift" not in shown


def test_without_promotions_the_preview_is_one_line(qtbot: QtBot, till: UiTill) -> None:
    sign_in(qtbot, till)
    checkout = till.window.checkout
    scan(qtbot, checkout.search.field, lowest_tier_member(till))
    qtbot.waitUntil(lambda: checkout.member is not None)
    qtbot.keyClicks(checkout.sale.amount, "100", delay=HUMAN_MS)
    qtbot.waitUntil(lambda: "¥100.00 earns" in checkout.sale.preview.text())
    assert "base" not in checkout.sale.preview.text()
