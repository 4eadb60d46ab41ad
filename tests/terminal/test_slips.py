"""Member slips: the facts read after each kind of transaction, and the slip's lines."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from shared.errors import DomainError
from terminal.services.slip_content import (
    ExpiringPoints,
    SlipKind,
    SlipWording,
    compose_slip,
    display_width,
    text_columns,
)
from tests.terminal.conftest import Till, snapshot

# Markers instead of words: the slip must take every word from the wording it is given.
MARKED = SlipWording(
    language="xx",
    title_earn="<EARN-TITLE>",
    title_redeem="<REDEEM-TITLE>",
    title_coupon="<COUPON-TITLE>",
    title_void="<VOID-TITLE>",
    title_enrol="<ENROL-TITLE>",
    title_adjust="<ADJUST-TITLE>",
    earned="<EARNED>",
    balance="<BALANCE>",
    to_next="<%1 TO %2>",
    top_tier="<TOP>",
    expiring="<%1 EXPIRE %2>",
    points="<%1 P>",
    tier_names={"Silver": "<SILVER>", "Gold": "<GOLD>", "Member": "<MEMBER>"},
    money=lambda cents, currency: f"<{cents} {currency}>",
)
THRESHOLDS = {"member": 0, "silver": 1000, "gold": 5000}  # the default program's tiers


def _plain(till: Till, index: int) -> str:
    """A member below Silver with its seeded balance (lifetime = balance in the seed)."""
    return till.seed.members[index].member_id


def test_earn_slip_has_store_time_member_points_balance_and_tier_progress(till: Till) -> None:
    member_id = next(m.member_id for m in till.seed.members if m.balance < 800)
    before = till.services.lookup.member(member_id)
    receipt = till.services.sales.earn(
        till.cashier(), member_id, amount_cents=12_850, sale_ref="R-77"
    )
    facts = till.services.slips.facts(receipt.event_id)
    assert facts.kind == SlipKind.EARN
    assert (facts.points_delta, facts.balance) == (128, before.balance + 128)
    assert (facts.amount_cents, facts.sale_ref, facts.currency) == (12_850, "R-77", "CNY")
    slip = compose_slip(facts, MARKED)
    rows = slip.plain_text(48)
    missing = THRESHOLDS["silver"] - (before.lifetime_points + 128)
    # The fake clock says 04:00 UTC: 12:00 on the store's clock (Asia/Shanghai).
    for expected in (
        "Downtown",
        "<EARN-TITLE>",
        "2026-03-10 12:00",
        "R-77",
        till.seed.members[[m.member_id for m in till.seed.members].index(member_id)].name,
        "<12850 CNY>",
        "<+128 P>",
        "<BALANCE>",
        f"<{before.balance + 128:,} P>",
        f"<<{missing:,} P> TO <SILVER>>",
    ):
        assert expected in rows, expected
    code = facts.member_code
    assert code not in rows  # the card number is masked: only its last four digits
    assert f"****{code[-4:]}" in rows
    assert "EXPIRE" not in rows  # no expiry line without the ledger's figure


def test_generated_sale_reference_is_not_printed(till: Till) -> None:
    receipt = till.services.sales.earn(
        till.cashier(), _plain(till, 0), amount_cents=1_000, sale_ref="T-0123456789AB"
    )
    slip = compose_slip(till.services.slips.facts(receipt.event_id), SlipWording())
    assert "T-0123456789AB" not in slip.plain_text()


def test_redeem_coupon_void_enrol_and_adjust_slips(till: Till) -> None:
    cashier, manager = till.cashier(), till.manager()
    rich = next(m for m in till.seed.members if m.balance >= 500)
    redeem = till.services.sales.redeem(
        cashier, rich.member_id, points=300, sale_amount_cents=10_000, sale_ref="R-1"
    )
    facts = till.services.slips.facts(redeem.event_id)
    assert (facts.kind, facts.points_delta, facts.value_cents) == (SlipKind.REDEEM, -300, 300)
    assert "<300 CNY>" in compose_slip(facts, MARKED).plain_text()

    coupon_id, owner = next(iter(till.seed.coupons.items()))
    used = till.services.sales.redeem_coupon(cashier, owner, coupon_id=coupon_id, sale_ref="R-2")
    facts = till.services.slips.facts(used.event_id)
    assert (facts.kind, facts.value_cents) == (SlipKind.COUPON, 1000)
    assert "<-1000 CNY>" in compose_slip(facts, MARKED).plain_text()

    void = till.services.manager.void(manager, redeem.event_id, reason="wrong member")
    facts = till.services.slips.facts(void.event_id)
    assert (facts.kind, facts.voided_kind, facts.points_delta) == (
        SlipKind.VOID,
        SlipKind.REDEEM,
        300,
    )
    assert facts.balance == rich.balance  # the redemption is given back
    assert "<VOID-TITLE>" in compose_slip(facts, MARKED).plain_text()

    enrolled = till.services.enrollment.enroll(
        cashier, name="赵敏", phone="13800001111", consent_marketing=True
    )
    facts = till.services.slips.latest(enrolled.member.member_id)
    assert facts is not None
    assert (facts.kind, facts.balance, facts.member_name) == (SlipKind.ENROL, 0, "赵敏")
    assert "<<1,000 P> TO <SILVER>>" in compose_slip(facts, MARKED).plain_text()

    adjusted = till.services.manager.adjust(manager, rich.member_id, points=25, reason="goodwill")
    facts = till.services.slips.facts(adjusted.event_id)
    assert (facts.kind, facts.points_delta) == (SlipKind.ADJUST, 25)


def test_member_at_the_top_tier_and_expiring_points(till: Till) -> None:
    member_id = _plain(till, 1)
    receipt = till.services.manager.adjust(till.manager(), member_id, points=10, reason="set-up")
    facts = till.services.slips.facts(receipt.event_id)
    facts = dataclasses.replace(facts, lifetime_points=5_010)  # as the ledger would have it
    expiring = ExpiringPoints(points=600, expires_on=date(2027, 1, 31))
    text = compose_slip(dataclasses.replace(facts, expiring=expiring), MARKED).plain_text()
    assert "<GOLD>" in text
    assert "<TOP>" in text
    assert "<<600 P> EXPIRE 2027-01-31>" in text


def test_no_slip_for_what_is_not_a_transaction(till: Till) -> None:
    before = snapshot(till.replica)
    with pytest.raises(DomainError) as caught:
        till.services.slips.facts("0190f0f0-0000-7000-8000-000000000000")
    assert caught.value.code == "unknown_event"
    assert till.services.slips.latest(_plain(till, 2)) is None  # nothing done here yet
    assert snapshot(till.replica) == before  # reading slips never writes


def test_columns_count_chinese_characters_twice(till: Till) -> None:
    enrolled = till.services.enrollment.enroll(
        till.cashier(),
        name="欧阳娜娜娜娜娜娜娜娜娜娜娜娜",
        phone="13800002222",
        consent_marketing=False,
    )
    facts = till.services.slips.latest(enrolled.member.member_id)
    assert facts is not None
    chinese = dataclasses.replace(SlipWording(), member="会员", balance="余额", points="%1 积分")
    for columns in (32, 42, 48):
        rows = text_columns(compose_slip(facts, chinese), columns)
        assert max(display_width(row) for row in rows) <= columns
        assert all(not row.endswith(" ") for row in rows if row.strip())
    # 14 Chinese characters are 28 columns: beside "会员" (4) they need a row of their own
    rows = text_columns(compose_slip(facts, chinese), 32)
    assert "欧阳娜娜娜娜娜娜娜娜娜娜娜娜" in "".join(rows)
    assert display_width("会员 欧阳") == 9
