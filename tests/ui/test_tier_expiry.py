"""A program whose tiers go by period: the till receives a member's tier change through a
pulled change, the member panel shows until when the tier is kept (English and Chinese),
and an earn made offline raises the tier at once with the same rule as the server."""

from __future__ import annotations

from datetime import UTC, date, datetime

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from shared.domain.program import DEFAULT_PROGRAM, LoyaltyProgram
from shared.domain.tier_rules import month_end, month_index
from terminal.offline.models import Member
from terminal.services import Receipt
from terminal.services.sync_store import SyncStore
from tests.ui.conftest import UiTill
from tests.ui.test_till import HUMAN_MS, scan, sign_in


def install_calendar_program(till: UiTill) -> None:
    body = {**DEFAULT_PROGRAM.model_dump(mode="json"), "rule_version": 2}
    body["tier_rules"] = {"basis": "calendar", "period_months": 12, "grace_months": 1}
    program = LoyaltyProgram.model_validate(body)
    SyncStore(till.replica).apply_changes(
        [{"entity": "program", "op": "upsert", "id": "2", "version": 2,
          "data": program.model_dump(mode="json")}]
    )  # fmt: skip


def receive_member(till: UiTill, member_code: str, *, tier: str, tier_points: str) -> str:
    """The server's change of a member, as a pull brings it (a newer version)."""
    with till.replica.read() as session:
        member = session.scalars(select(Member).where(Member.member_code == member_code)).one()
        data = {
            "member_id": member.member_id,
            "member_code": member.member_code,
            "display_name": member.display_name,
            "phone_last4": member.phone_last4,
            "phone_hash": "",
            "tier": tier,
            "balance": member.balance,
            "lifetime_points": max(member.lifetime_points, 1200),
            "status": "active",
            "tier_points": tier_points,
        }
        member_id, version = member.member_id, member.version
    SyncStore(till.replica).apply_changes(
        [{"entity": "member", "op": "upsert", "id": member_id, "version": version + 10,
          "data": data}]
    )  # fmt: skip
    return member_id


def test_a_received_tier_change_shows_its_expiry_and_an_offline_earn_raises_it(
    qtbot: QtBot, till: UiTill
) -> None:
    install_calendar_program(till)
    code = min(till.seed.members, key=lambda m: m.balance).member_code
    today = datetime.now(UTC).date()
    receive_member(till, code, tier="silver", tier_points=f"{month_index(today)}:1200")
    kept = month_end(month_index(date(today.year + 2, 1, 1))).isoformat()

    sign_in(qtbot, till)
    checkout = till.window.checkout
    panel = checkout.panel
    scan(qtbot, checkout.search.field, code)
    qtbot.waitUntil(lambda: checkout.member is not None)
    assert panel.tier_badge.text() == "Silver"
    assert panel.tier_until_label.isVisible()
    assert panel.tier_until_label.text() == f"Silver kept until {kept}"

    till.window.set_language("zh_CN")
    qtbot.waitUntil(lambda: panel.tier_until_label.text() == f"银卡 保级至 {kept}")
    till.window.set_language("en")

    # offline: ¥3,200 at Silver (x1.25) earns 4,000, so 5,200 this year: Gold at once
    qtbot.keyClicks(checkout.sale.amount, "3200", delay=HUMAN_MS)
    qtbot.waitUntil(lambda: "earns 4,000" in checkout.sale.preview.text())
    received: list[Receipt] = []
    checkout.sale.receipt.connect(received.append)
    qtbot.keyClick(till.window, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: bool(received))
    assert received[0].points_delta == 4000
    assert (received[0].member.tier, received[0].member.tier_until) == (
        "gold",
        date.fromisoformat(kept),
    )
    qtbot.waitUntil(lambda: panel.tier_badge.text() == "Gold")
    assert panel.tier_until_label.text() == f"Gold kept until {kept}"


def test_a_lifetime_program_shows_no_expiry(qtbot: QtBot, till: UiTill) -> None:
    sign_in(qtbot, till)
    checkout = till.window.checkout
    scan(qtbot, checkout.search.field, till.seed.members[0].member_code)
    qtbot.waitUntil(lambda: checkout.member is not None)
    assert checkout.member.tier_until is None
    assert not checkout.panel.tier_until_label.isVisible()
