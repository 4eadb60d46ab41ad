"""The customer display follows the checkout: idle, the member, what a transaction did."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from terminal.app import build_window, make_backend
from terminal.ui.after_sale import after_sale_of
from terminal.ui.customer_display import CustomerDisplay
from terminal.ui.theme import apply_theme
from tests.ui.conftest import UiTill, make_replica
from tests.ui.test_slips import _earn, _next_tier
from tests.ui.test_till import scan, sign_in


@pytest.fixture
def shown(qtbot: QtBot, tmp_path: Path) -> Iterator[tuple[UiTill, CustomerDisplay]]:
    """A till with the customer display on; the cashier's screens in English, the store's
    language (the seed's) Simplified Chinese."""
    settings, replica, services, seed = make_replica(tmp_path)
    settings = settings.model_copy(update={"customer_display": True})
    apply_theme(QApplication.instance())
    window = build_window(
        make_backend(settings, replica, services), language="en", settings=settings
    )
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    display = after_sale_of(window).display
    assert display is not None
    qtbot.waitUntil(display.isVisible)
    yield UiTill(window, services, seed, replica), display
    window.close()
    window.session.runner.wait_for_done(5000)
    replica.close()


def test_the_display_follows_the_checkout_in_the_store_language(
    qtbot: QtBot, shown: tuple[UiTill, CustomerDisplay]
) -> None:
    till, display = shown
    assert display.texts() == ["Downtown", "欢迎光临", "欢迎咨询我们的会员计划"]
    sign_in(qtbot, till)
    index = next(i for i, m in enumerate(till.seed.members) if m.balance < 700)
    member = till.seed.members[index]
    scan(qtbot, till.window.checkout.search.field, member.member_code)
    qtbot.waitUntil(lambda: f"您好，{member.name}" in display.texts())
    assert f"积分余额：{member.balance:,} 积分" in display.texts()

    till.window.checkout.clear()  # the scanned member's earn, from the start
    points, balance, lifetime = _earn(qtbot, till, index, "88")
    qtbot.waitUntil(lambda: f"本次累积 +{points:,} 积分" in display.texts())
    name, missing = _next_tier(lifetime)
    assert f"积分余额：{balance:,} 积分" in display.texts()
    assert f"距{ {'silver': '银卡', 'gold': '金卡'}[name] }还差 {missing:,} 积分" in display.texts()
    assert till.window.checkout.sale.message.text().startswith("Earned")  # the cashier's English

    # The balance refreshing on the checkout keeps the transaction on the display.
    till.window.checkout.refresh_member()
    till.window.session.runner.wait_for_done(5000)
    assert f"本次累积 +{points:,} 积分" in display.texts()

    qtbot.mouseClick(till.window.checkout.clear_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: display.texts() == ["Downtown", "欢迎光临", "欢迎咨询我们的会员计划"])


def test_the_display_speaks_the_members_language_when_known(qtbot: QtBot, shown) -> None:
    _till, display = shown
    from terminal.ui.customer_display import DisplayedMember

    display.show_member(DisplayedMember("Anna", 4_200, 4_200, language="en"))
    assert display.texts()[1:] == ["Hello, Anna", "Balance: 4,200 pts", "800 pts to Gold"]
    display.show_member(DisplayedMember("李娜", 6_000, 6_000, language="zh"))
    assert display.texts()[1:] == ["您好，李娜", "积分余额：6,000 积分", "金卡 · 已是最高等级"]


def test_without_the_setting_there_is_no_display(till: UiTill) -> None:
    assert after_sale_of(till.window).display is None
    assert not any(isinstance(w, CustomerDisplay) for w in QApplication.topLevelWidgets())
