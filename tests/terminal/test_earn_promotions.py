"""At the till: an earn applies the program's promotions, says why, and claims them."""

from __future__ import annotations

from typing import Any

import pytest

from shared.domain.program import DEFAULT_PROGRAM, LoyaltyProgram
from tests.terminal.conftest import Till

# The till's clock starts on Tuesday 2026-03-10 at 12:00 in Shanghai (S001's zone).
PROMOTIONS: list[dict[str, Any]] = [
    {"code": "tue", "name": "Tuesday", "names": {"zh_CN": "周二"}, "kind": "multiplier",
     "multiplier": "2", "days_of_week": [2], "from_time": "11:00", "until_time": "13:00",
     "stores": ["S001"]},
    {"code": "hi", "name": "Welcome", "kind": "bonus", "bonus_points": 100, "welcome": True,
     "stacks": True},
    {"code": "back", "name": "Welcome back", "kind": "bonus", "bonus_points": 30,
     "win_back_days": 90, "stacks": True},
]  # fmt: skip


def install(till: Till, promotions: list[dict[str, Any]]) -> LoyaltyProgram:
    body = {**DEFAULT_PROGRAM.model_dump(mode="json"), "rule_version": 2}
    program = LoyaltyProgram.model_validate({**body, "promotions": promotions})
    till.sync.apply_changes(
        [{"entity": "program", "op": "upsert", "id": "2", "version": 2,
          "data": program.model_dump(mode="json")}]
    )  # fmt: skip
    return program


def last_earn(till: Till) -> dict[str, Any]:
    return [e for e in till.sync.pending_batch() if e["type"] == "points.earned"][-1]["data"]


def test_a_new_member_earns_the_promotions_the_preview_listed(till: Till) -> None:
    install(till, PROMOTIONS)
    cashier = till.cashier()
    member = till.services.enrollment.enroll(
        cashier, name="新会员", phone="13900001234", consent_marketing=False
    ).member.member_id
    preview = till.services.sales.earn_breakdown(member, 12_800)
    assert preview.describe() == "base 128, Tuesday x2 +128, Welcome +100"
    receipt = till.services.sales.earn(cashier, member, amount_cents=12_800, sale_ref="P-1")
    assert receipt.points_delta == preview.total == 356
    data = last_earn(till)
    assert (data["points"], data["promotions"], data["rule_version"]) == (356, ["tue", "hi"], 2)
    # the second purchase is no longer a welcome; at 13:00 Tuesday's window has closed
    till.clock.advance(hours=1)
    again = till.services.sales.earn(cashier, member, amount_cents=12_800, sale_ref="P-2")
    assert again.points_delta == 128
    assert "promotions" not in last_earn(till)
    assert till.services.sales.earn_preview(member, 12_800) == 128


def test_a_member_not_seen_for_ninety_days_earns_the_win_back_bonus(till: Till) -> None:
    install(till, PROMOTIONS[2:])
    cashier = till.cashier()
    member = till.seed.members[0].member_id
    till.services.sales.earn(cashier, member, amount_cents=1_000, sale_ref="W-1")
    till.clock.advance(days=89)
    assert till.services.sales.earn_breakdown(member, 1_000).codes == ()
    till.clock.advance(days=1)
    assert till.services.sales.earn_breakdown(member, 1_000).codes == ("back",)
    receipt = till.services.sales.earn(cashier, member, amount_cents=1_000, sale_ref="W-2")
    assert last_earn(till)["promotions"] == ["back"]
    assert receipt.points_delta == till.services.sales.earn_breakdown(member, 1_000).base + 30


def test_promotion_names_follow_the_language_asked(till: Till) -> None:
    install(till, PROMOTIONS[:1])
    member = till.seed.members[0].member_id
    parts = till.services.sales.earn_breakdown(member, 10_000, language="zh_CN").parts
    assert [p.name for p in parts] == ["周二"]
    assert [p.name for p in till.services.sales.earn_breakdown(member, 10_000).parts] == ["Tuesday"]


def test_without_promotions_the_earn_event_is_as_before(till: Till) -> None:
    member = till.seed.members[0].member_id
    till.services.sales.earn(till.cashier(), member, amount_cents=10_000, sale_ref="B-1")
    assert set(last_earn(till)) == {
        "sale_ref",
        "amount_cents",
        "currency",
        "points",
        "rule_version",
    }


def test_the_till_counts_a_trigger_limit_by_the_earns_it_knows(till: Till) -> None:
    install(
        till,
        [{"code": "gift", "name": "Gift", "kind": "bonus", "bonus_points": 40,
          "limit": {"times": 1, "per": "day"}}],
    )  # fmt: skip
    cashier = till.cashier()
    member = till.seed.members[0].member_id
    assert till.services.sales.earn_breakdown(member, 1_000).codes == ("gift",)
    first = till.services.sales.earn(cashier, member, amount_cents=1_000, sale_ref="L-1")
    assert till.services.sales.earn_breakdown(member, 1_000).codes == ()
    second = till.services.sales.earn(cashier, member, amount_cents=1_000, sale_ref="L-2")
    assert first.points_delta - second.points_delta == 40
    assert "promotions" not in last_earn(till)
    till.services.manager.void(till.manager(), first.event_id, reason="wrong member")
    assert till.services.sales.earn_breakdown(member, 1_000).codes == ("gift",)  # given back
    till.services.sales.earn(cashier, member, amount_cents=1_000, sale_ref="L-3")
    assert till.services.sales.earn_breakdown(member, 1_000).codes == ()
    till.clock.advance(days=1)  # a new business day: the limit starts again
    assert till.services.sales.earn_breakdown(member, 1_000).codes == ("gift",)


def test_an_earn_and_its_preview_with_promotions_take_no_orm_session(
    till: Till, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Promotions run on the DB-API path (one transaction), as the base program does."""
    install(till, PROMOTIONS)
    cashier = till.cashier()
    member = till.seed.members[0].member_id

    def no_session(*args: object, **kwargs: object) -> None:
        raise AssertionError("an ORM session was opened")

    with monkeypatch.context() as patched:
        patched.setattr(till.replica, "write", no_session)
        patched.setattr(till.replica, "read", no_session)
        preview = till.services.sales.earn_breakdown(member, 12_800)
        receipt = till.services.sales.earn(cashier, member, amount_cents=12_800, sale_ref="F-1")
    assert preview.codes == ("tue",)
    assert receipt.points_delta == preview.total == 2 * preview.base  # x2 on Tuesday
    assert last_earn(till)["promotions"] == ["tue"]
