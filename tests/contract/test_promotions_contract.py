"""A real till and a real `sync-server serve` agree on promotions: the program arrives
whole, the till's earn with its promotions is accepted as claimed, and a second till
that gave a limited promotion again is settled with base points and a flag."""

from __future__ import annotations

import pytest

from shared.domain.program import LoyaltyProgram
from shared.errors import DomainError
from sync_server.services.admin import AdminService
from tests.contract.conftest import DEAD_URL, HeadOffice
from tests.contract.support import server_balance

pytestmark = pytest.mark.slow


def test_promotions_from_head_office_to_two_tills_and_back(
    make_till, head_office: HeadOffice
) -> None:
    admin = AdminService(head_office.database)
    body = admin.current_program().model_dump(mode="json")
    body["rule_version"] += 1
    body["promotions"] = [
        {"code": "x2", "name": "Double", "names": {"zh_CN": "双倍"}, "kind": "multiplier",
         "multiplier": "2"},
        {"code": "hi", "name": "Welcome", "kind": "bonus", "bonus_points": 100, "stacks": True,
         "limit": {"times": 1, "per": "program"}},
    ]  # fmt: skip
    admin.publish_program(LoyaltyProgram.model_validate(body))
    a, b = make_till("Till A"), make_till("Till B")
    enrolled = a.services.enrollment.enroll(
        a.cashier, name="促销 测试", phone="13700002222", consent_marketing=False
    )
    member_id, code = enrolled.member.member_id, enrolled.member.member_code
    a.sync.sync_once()
    b.sync.sync_once()
    for till in (a, b):  # both offline: each thinks it gives the welcome bonus once
        till.point_at(DEAD_URL)
        with pytest.raises(DomainError):
            till.sync.sync_once()  # now known to be offline
        preview = till.services.sales.earn_breakdown(member_id, 10_000)
        assert preview.describe() == "base 100, Double x2 +100, Welcome +100"
        till.services.sales.earn(till.cashier, member_id, amount_cents=10_000, sale_ref="P-1")
        till.point_at(head_office.server.url)
    first, second = a.sync.sync_once(), b.sync.sync_once()
    assert (first.accepted, first.rejected) == (1, 0)
    assert (second.accepted, second.rejected) == (1, 0)  # settled, never refused
    a.sync.sync_once()
    assert server_balance(a, code) == 300 + 200 == server_balance(b, code)
