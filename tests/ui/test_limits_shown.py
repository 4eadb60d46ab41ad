"""The program's redemption limit, seen by a cashier: the hint names it, and a larger
redemption is refused with a message saying so (nothing queued)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.ui.conftest import UiTill
from tests.ui.test_till import HUMAN_MS, scan, sign_in


@pytest.mark.parametrize("till", [{"online": True}], indirect=True)
def test_a_redemption_over_the_program_limit_is_explained(qtbot: QtBot, till: UiTill) -> None:
    sign_in(qtbot, till)
    member = till.seed.members[0]
    cashier = till.services.staff.sign_in("C01", "1234")
    till.services.sales.earn(cashier, member.member_id, amount_cents=40_000_000, sale_ref="BIG")
    checkout = till.window.checkout
    scan(qtbot, checkout.search.field, member.member_code)
    qtbot.waitUntil(lambda: checkout.member is not None)
    qtbot.keyClicks(checkout.sale.amount, "900000", delay=HUMAN_MS)
    qtbot.waitUntil(lambda: "per redemption" in checkout.sale.limits_label.text(), timeout=20_000)
    assert "100,000" in checkout.sale.limits_label.text()
    before = till.services.lookup.member(member.member_id).balance
    qtbot.keyClicks(checkout.sale.points, "100001", delay=HUMAN_MS)
    qtbot.mouseClick(checkout.sale.redeem_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "One redemption" in checkout.sale.message.text(), timeout=20_000)
    assert "100,000 points" in checkout.sale.message.text()
    assert till.services.lookup.member(member.member_id).balance == before
