"""A cashier returns, offline, a sale made at another store that the till knows only from
the member's pulled history; the manager's report then counts the return (keys only)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from shared.protocol import HistoryItem, MemberSummary
from terminal.services.sync_store import SyncStore
from tests.ui.conftest import UiTill
from tests.ui.test_till import HUMAN_MS, scan, sign_in


def test_an_offline_return_of_another_stores_sale_from_the_history(
    qtbot: QtBot, till: UiTill
) -> None:
    member = till.seed.members[2]
    before = till.services.lookup.member(member.member_id)
    SyncStore(till.replica).save_member_summary(
        MemberSummary(
            member_id=member.member_id,
            as_of=datetime(2026, 11, 30, 2, tzinfo=UTC),
            balance=member.balance,
            history=[
                HistoryItem(
                    event_id=str(uuid.uuid4()),
                    type="points.earned",
                    occurred_at=datetime(2026, 11, 29, 2, tzinfo=UTC),
                    points_delta=200,
                    store_code="S002",
                    amount_cents=20_000,
                    sale_ref="S2-500",
                )
            ],
            expiring=[],
        )
    )
    sign_in(qtbot, till, "M01", "999999")
    window = till.window
    qtbot.keyClick(window, Qt.Key.Key_F11)
    screen = window.returns
    qtbot.waitUntil(screen.receipt.hasFocus)
    scan(qtbot, screen.receipt, "S2-500")
    qtbot.waitUntil(lambda: screen.sales.count() == 1)
    assert "S2-500" in screen.sales.item(0).text()
    assert "Offline" in screen.scope.text()
    qtbot.waitUntil(screen.amount.hasFocus)
    qtbot.keyClicks(screen.amount, "50", delay=HUMAN_MS)
    qtbot.keyClick(screen.amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Returned" in screen.ok.text())
    after = till.services.lookup.member(member.member_id)
    assert after.balance == before.balance - 50  # a quarter of the 200 points earned

    qtbot.keyClick(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.current() is window.checkout)
    qtbot.keyClick(window, Qt.Key.Key_F7)
    reports = window.reports
    qtbot.waitUntil(lambda: reports.report is not None and reports.report.returns == 1)
    assert [v.text() for v in reports.figure_values[8:]] == ["1", "¥50.00", "50 pts", "0 pts"]
