"""A member's account at the till, driven as staff would: a manager's points adjustment
(reason from the list, PIN, the program's limit) and profile changes (phone in use,
name, consent), each seen in the history, the reports and the outbox."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from shared.domain.member_code import mint_member_code, qr_payload
from shared.protocol import ExpiringPoints, HistoryItem, MemberSummary
from terminal.offline.models import Member, OutboxRow
from terminal.services.sync_store import SyncStore
from tests.ui.conftest import UiTill
from tests.ui.test_manager import earn, show_member
from tests.ui.test_till import HUMAN_MS, scan, sign_in


def _outbox(till: UiTill) -> list[dict]:
    with till.replica.read() as session:
        rows = session.scalars(select(OutboxRow).order_by(OutboxRow.seq)).all()
        return [json.loads(row.payload) for row in rows]


def _open_account(qtbot: QtBot, till: UiTill, tab: int) -> None:
    window = till.window
    qtbot.keyClick(window, Qt.Key.Key_F11, Qt.KeyboardModifier.ShiftModifier)
    assert window.current() is window.account
    account = window.account
    account.tabs.setFocus()
    for _ in range(tab):
        qtbot.keyClick(account.tabs, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert account.tabs.currentIndex() == tab


def _approve(qtbot: QtBot, till: UiTill, code: str, pin: str) -> None:
    approval = till.window.account.adjust.approval
    qtbot.keyClicks(approval.code, code, delay=HUMAN_MS)
    qtbot.keyClick(approval.code, Qt.Key.Key_Return)
    qtbot.keyClicks(approval.pin_pad, pin, delay=HUMAN_MS)
    qtbot.keyClick(approval.pin_pad, Qt.Key.Key_Return)


def test_manager_adjusts_points_with_a_reason_and_the_limit(qtbot: QtBot, till: UiTill) -> None:
    sign_in(qtbot, till)  # a cashier: the manager approves with code and PIN
    window = till.window
    show_member(qtbot, till, 0)
    before = window.checkout.member.balance
    queued = len(_outbox(till))
    _open_account(qtbot, till, 1)
    adjust = window.account.adjust
    assert "5,000" in adjust.limit.text()

    # over the program's limit for one adjustment: refused, nothing queued
    qtbot.keyClicks(adjust.points, "6000", delay=HUMAN_MS)
    qtbot.keyClick(adjust.points, Qt.Key.Key_Return)
    assert adjust.reason.hasFocus()
    qtbot.keyClick(adjust.reason, Qt.Key.Key_Down)  # "Sale entered with a wrong amount"
    assert adjust.reason.currentData() == "wrong_amount"
    qtbot.keyClicks(adjust.note, "receipt R-88", delay=HUMAN_MS)
    qtbot.keyClick(adjust.note, Qt.Key.Key_Return)
    assert adjust.approval.code.hasFocus()
    _approve(qtbot, till, "M01", "999999")
    qtbot.waitUntil(lambda: "at most 5,000" in adjust.message.text())
    assert len(_outbox(till)) == queued

    # "Other" needs the manager's words
    adjust.points.clear()
    qtbot.keyClicks(adjust.points, "250", delay=HUMAN_MS)
    adjust.reason.setFocus()
    qtbot.keyClick(adjust.reason, Qt.Key.Key_End)
    assert adjust.reason.currentData() == "other"
    adjust.note.clear()
    qtbot.keyClick(adjust.note, Qt.Key.Key_Return)
    _approve(qtbot, till, "M01", "999999")
    qtbot.waitUntil(lambda: "reason" in adjust.message.text().lower())
    assert len(_outbox(till)) == queued

    # a cashier's PIN does not approve
    qtbot.keyClicks(adjust.note, "promised at the service desk", delay=HUMAN_MS)
    qtbot.keyClick(adjust.note, Qt.Key.Key_Return)
    _approve(qtbot, till, "C01", "1234")
    qtbot.waitUntil(lambda: "manager" in adjust.approval.message.text().lower())
    assert len(_outbox(till)) == queued
    adjust.approval.code.clear()
    _approve(qtbot, till, "M01", "999999")
    qtbot.waitUntil(lambda: "Adjusted +250" in adjust.message.text())

    wire = _outbox(till)[-1]
    assert wire["type"] == "points.adjusted"
    assert wire["data"] == {"points": 250, "reason": "other: promised at the service desk"}
    assert wire["staff_id"] == till.seed.staff["M01"]

    # the member's history shows it, the checkout shows the new balance
    history = window.account.history.events
    qtbot.waitUntil(
        lambda: any("Adjustment" in history.item(i).text() for i in range(history.count()))
    )
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.current() is window.checkout)
    qtbot.waitUntil(lambda: window.checkout.member.balance == before + 250)

    # and the reports count it
    manager = till.services.staff.sign_in("M01", "999999")
    today = till.services.reports.today()
    report = till.services.reports.summary(manager, today, today)
    assert report.adjustments == 1
    assert report.points_adjusted == 250


def test_profile_change_at_the_till(qtbot: QtBot, till: UiTill) -> None:
    sign_in(qtbot, till)
    window = till.window
    show_member(qtbot, till, 0)
    member_id = till.seed.members[0].member_id
    queued = len(_outbox(till))
    _open_account(qtbot, till, 2)
    profile = window.account.profile

    # another member's phone: a clear message, nothing queued, nothing changed
    qtbot.keyClicks(profile.phone, till.seed.members[1].phone, delay=HUMAN_MS)
    qtbot.keyClick(profile.phone, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Another member" in profile.message.text())
    assert len(_outbox(till)) == queued

    # nothing filled in: nothing queued
    profile.phone.clear()
    qtbot.keyClick(profile.name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Nothing" in profile.message.text())
    assert len(_outbox(till)) == queued

    # a new name, phone and consent: one member.updated, the till keeps 4 digits
    qtbot.keyClicks(profile.name, "Li Wei-Ming", delay=HUMAN_MS)
    qtbot.keyClicks(profile.phone, "13800001234", delay=HUMAN_MS)
    profile.consent.setFocus()
    qtbot.keyClick(profile.consent, Qt.Key.Key_Down)
    assert profile.consent.currentIndex() == 1
    qtbot.mouseClick(profile.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Saved" in profile.message.text())
    wire = _outbox(till)[-1]
    assert wire["type"] == "member.updated"
    assert wire["data"] == {
        "name": "Li Wei-Ming",
        "phone": "+8613800001234",
        "consent_marketing": True,
    }
    with till.replica.read() as session:
        row = session.get(Member, member_id)
        assert row is not None
        assert row.display_name == "Li Wei-Ming"
        assert row.phone_last4 == "1234"
        assert "13800001234" not in (row.phone_hash or "")
    found = till.services.lookup.by_phone("13800001234")
    assert found.member_id == member_id
    assert window.account.title.text().startswith("Li Wei-Ming")


def test_a_lost_card_is_replaced_and_the_old_one_says_so(qtbot: QtBot, till: UiTill) -> None:
    sign_in(qtbot, till)
    window = till.window
    show_member(qtbot, till, 2)
    seeded = till.seed.members[2]
    _open_account(qtbot, till, 2)
    profile = window.account.profile
    qtbot.mouseClick(profile.replace_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.current() is window.card)
    new_code = window.card.member.member_code
    assert new_code != seeded.member_code
    wire = _outbox(till)[-1]
    assert (wire["type"], wire["data"]) == ("member.card_replaced", {"member_code": new_code})

    qtbot.keyClick(window.card.back_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current() is window.checkout)
    qtbot.keyClick(window, Qt.Key.Key_Escape)  # next customer
    search = window.checkout.search
    scan(qtbot, search.field, qr_payload(seeded.member_code))
    qtbot.waitUntil(lambda: "replaced" in search.hint.text())
    assert window.checkout.member is None
    scan(qtbot, search.field, qr_payload(new_code))
    qtbot.waitUntil(
        lambda: (
            window.checkout.member is not None
            and window.checkout.member.member_id == seeded.member_id
        )
    )


def test_a_card_replaced_at_another_till_stops_working_here_after_sync(
    qtbot: QtBot, till: UiTill
) -> None:
    seeded = till.seed.members[3]
    new_code = mint_member_code("987654", 1)
    SyncStore(till.replica).apply_changes(
        [
            {
                "entity": "member",
                "op": "upsert",
                "id": seeded.member_id,
                "version": 10_000,
                "data": {
                    "member_id": seeded.member_id,
                    "member_code": new_code,
                    "display_name": seeded.name,
                    "phone_last4": seeded.phone[-4:],
                    "phone_hash": "",
                    "phone_slow_hash": "",
                    "tier": "member",
                    "balance": seeded.balance,
                    "lifetime_points": seeded.balance,
                    "status": "active",
                    "previous_codes": [seeded.member_code],
                },
            }
        ]
    )
    sign_in(qtbot, till)
    search = till.window.checkout.search
    scan(qtbot, search.field, seeded.member_code)
    qtbot.waitUntil(lambda: "replaced" in search.hint.text())
    scan(qtbot, search.field, new_code)
    qtbot.waitUntil(
        lambda: (
            till.window.checkout.member is not None
            and till.window.checkout.member.member_code == new_code
        )
    )


def test_history_and_expiring_points_offline(qtbot: QtBot, till: UiTill) -> None:
    """Offline, the till shows head office's last list and its own events since, says
    so, and the member panel shows the soonest expiry."""
    member = till.seed.members[4]
    as_of = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    SyncStore(till.replica).save_member_summary(
        MemberSummary(
            member_id=member.member_id,
            as_of=as_of,
            balance=member.balance,
            history=[
                HistoryItem(
                    event_id=str(uuid.uuid4()),
                    type="points.earned",
                    occurred_at=as_of - timedelta(days=3),
                    points_delta=600,
                    store_code="S777",
                    amount_cents=60_000,
                )
            ],
            expiring=[
                ExpiringPoints(points=600, expires_at=datetime(2027, 1, 31, 4, tzinfo=UTC)),
                ExpiringPoints(points=90, expires_at=datetime(2027, 6, 1, 4, tzinfo=UTC)),
            ],
        )
    )
    sign_in(qtbot, till)
    window = till.window
    show_member(qtbot, till, 4)
    panel = window.checkout.panel
    qtbot.waitUntil(lambda: panel.expiring_label.text() == "600 pts expire on 2027-01-31")
    assert panel.expiring_label.isVisible()
    earn(qtbot, till, "20")
    _open_account(qtbot, till, 0)
    history = window.account.history
    qtbot.waitUntil(lambda: history.events.count() == 2)
    assert "Offline" in history.note.text()
    assert "2026-11-30" in history.note.text()
    newest, older = history.events.item(0).text(), history.events.item(1).text()
    assert "this till" in newest
    assert "not synced" in newest
    assert "S777" in older
    assert "+600 pts" in older
    assert history.expiring.text() == "600 pts expire on 2027-01-31"
