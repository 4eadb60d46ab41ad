"""Issue 15 end to end: two real tills and a real server process (SQLite and
PostgreSQL). A profile change, a lost card and a manager's adjustment made at one till
reach the other; its history lists both tills' transactions; offline it shows what it
kept and says so."""

from __future__ import annotations

import pytest

from shared.errors import DomainError
from terminal.services.profile import ProfileEdit
from tests.contract.conftest import DEAD_URL, MANAGER, HeadOffice

pytestmark = pytest.mark.slow


def test_changes_at_one_till_reach_the_other(make_till, head_office: HeadOffice) -> None:
    a, b = make_till("Till A"), make_till("Till B")
    enrolled = a.services.enrollment.enroll(
        a.cashier, name="Chen Jie", phone="13700002222", consent_marketing=False
    )
    member_id, old_code = enrolled.member.member_id, enrolled.member.member_code
    a.services.sales.earn(a.cashier, member_id, amount_cents=80_000, sale_ref="A-1")
    a.services.profile.update(
        a.cashier, member_id, ProfileEdit(phone="13700003333", consent_marketing=True)
    )
    new_code = a.services.profile.replace_card(a.cashier, member_id).member.member_code
    manager = a.services.staff.approve(*MANAGER)
    a.services.manager.adjust_for(manager, member_id, points=50, reason="goodwill")
    a.sync.sync_once()
    b.sync.sync_once()
    b.services.sales.earn(b.cashier, member_id, amount_cents=20_000, sale_ref="B-1")
    b.sync.sync_once()

    # the other till: new code works, the old one says replaced, the new phone finds it
    assert b.services.lookup.by_code(new_code).member_id == member_id
    with pytest.raises(DomainError) as replaced:
        b.services.lookup.by_code(old_code)
    assert replaced.value.code == "card_replaced"
    assert b.services.lookup.by_code(new_code).phone_masked == "****3333"

    # history: both tills' transactions from head office, and the expiring points
    assert b.sync.member_summary(member_id) is True
    view = b.services.lookup.account(member_id)
    kinds = [line.type for line in view.lines]
    assert kinds.count("points.earned") == 2
    assert "points.adjusted" in kinds
    assert "member.card_replaced" in kinds
    assert all(line.store_code == "S001" for line in view.lines)
    assert sum(points for _when, points in view.expiring) == 800 + 50 + 200
    assert view.as_of is not None

    # offline: what the till kept, and its own new event, marked as not synced yet
    b.point_at(DEAD_URL)
    with pytest.raises(DomainError):
        b.sync.sync_once()
    b.services.sales.earn(b.cashier, member_id, amount_cents=10_000, sale_ref="B-2")
    assert b.sync.member_summary(member_id) is False
    offline = b.services.lookup.account(member_id)
    assert offline.as_of == view.as_of
    assert offline.lines[0].pending
    assert offline.lines[0].store_code is None
    assert len(offline.lines) == len(view.lines) + 1
