"""Paper coupons at the till: a code typed in the coupon field or scanned anywhere
(``CPN:<code>``, never a member lookup) is used on the sale on screen, or refused with
the reason, in the till's language: "needs a sale of ¥200.00 or more", "valid from
2026-12-24", "not valid in this store". Nothing is queued for a refused coupon."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from shared.protocol import Event
from terminal.offline.models import OutboxRow
from terminal.services.errors import CouponRefused
from terminal.services.sync_store import SyncStore
from terminal.ui.screens.sale_texts import coupon_question
from tests.ui.conftest import UiTill
from tests.ui.test_till import HUMAN_MS, scan, sign_in

ZONE = ZoneInfo("Asia/Shanghai")


def later_local_midnight(days: int) -> datetime:
    """A local midnight ``days`` from now in the store's zone (the seeded store's)."""
    day = (datetime.now(ZONE) + timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, tzinfo=ZONE)


def give_coupons(till: UiTill, member_id: str) -> str:
    """Four paper coupons for the member, as a pull brings them; returns the date the
    not-yet-valid one starts (the store's local date)."""
    starts = later_local_midnight(30)
    coupons: dict[str, dict[str, Any]] = {
        "MINSPEND20": {"value_cents": 2_000, "min_spend_cents": 20_000},
        "XMAS2026AB": {"value_cents": 1_000, "valid_from": starts.isoformat()},
        "UPTOWN0001": {"value_cents": 1_000, "stores": ["S002"]},
        "TENOFF2026": {"kind": "percent", "percent": 10, "cap_cents": 5_000},
    }
    changes = [
        {
            "entity": "coupon",
            "op": "upsert",
            "id": str(uuid.uuid4()),
            "version": 1000 + n,
            "data": {
                "coupon_id": str(uuid.uuid4()),
                "member_id": member_id,
                "title": code,
                "value_cents": terms.get("value_cents", 0),
                "currency": "CNY",
                "status": "available",
                "code": code,
                "terms": {"currency": "CNY", **terms},
            },
        }
        for n, (code, terms) in enumerate(coupons.items())
    ]
    for change in changes:
        change["id"] = change["data"]["coupon_id"]
    SyncStore(till.replica).apply_changes(changes)
    return starts.date().isoformat()


def queued(till: UiTill) -> int:
    return till.services.activity.outbox().pending


REFUSALS = {
    "en": (
        "This coupon needs a sale of ¥200.00 or more.",
        "This coupon is valid from {date}.",
        "This coupon is not valid in this store.",
    ),
    "zh_CN": (
        "此优惠券需消费满 ¥200.00 才能使用。",
        "此优惠券自 {date} 起可用。",
        "此优惠券不适用于本店。",
    ),
}


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_a_coupon_that_cannot_be_used_says_why(qtbot: QtBot, till: UiTill, language: str) -> None:
    sign_in(qtbot, till)
    till.window.set_language(language)
    member = till.seed.members[0]
    starts = give_coupons(till, member.member_id)
    checkout = till.window.checkout
    scan(qtbot, checkout.search.field, member.member_code)
    qtbot.waitUntil(lambda: checkout.member is not None)
    sale = checkout.sale
    qtbot.keyClicks(sale.amount, "150", delay=HUMAN_MS)
    before = queued(till)
    min_spend, not_yet, elsewhere = REFUSALS[language]
    for code, words in (
        ("minspend20", min_spend),  # typed, in lower case: read as MINSPEND20
        ("XMAS2026AB", not_yet.format(date=starts)),
        ("UPTOWN0001", elsewhere),
    ):
        sale.coupon_code.clear()
        qtbot.keyClicks(sale.coupon_code, code, delay=HUMAN_MS)
        qtbot.mouseClick(sale.coupon_code_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda words=words: sale.message.text() == words, timeout=20_000)
        assert sale.message.property("role") == "error"
    assert queued(till) == before  # nothing queued for a refused coupon
    assert sale.amount.text() == "150"


def test_a_scanned_paper_coupon_is_used_on_the_sale_not_looked_up_as_a_member(
    qtbot: QtBot, till: UiTill
) -> None:
    sign_in(qtbot, till)
    member = till.seed.members[0]
    give_coupons(till, member.member_id)
    checkout = till.window.checkout
    scan(qtbot, checkout.search.field, member.member_code)
    qtbot.waitUntil(lambda: checkout.member is not None)
    sale = checkout.sale
    qtbot.keyClicks(sale.amount, "300", delay=HUMAN_MS)
    before = queued(till)
    scan(qtbot, sale.amount, "CPN:TENOFF2026")  # the scanner types into whatever has focus
    qtbot.waitUntil(lambda: sale.amount.text() == "270.00", timeout=20_000)
    assert checkout.member is not None
    assert checkout.member.member_id == member.member_id
    assert "¥30.00" in sale.message.text()
    assert queued(till) == before + 1
    # the same code again: used already
    scan(qtbot, sale.amount, "CPN:TENOFF2026")
    qtbot.waitUntil(
        lambda: sale.message.text() == "This coupon has already been used or has expired.",
        timeout=20_000,
    )
    assert queued(till) == before + 1


def test_the_till_sends_what_the_server_re_checks(till: UiTill) -> None:
    member = till.seed.members[0]
    give_coupons(till, member.member_id)
    cashier = till.services.staff.sign_in("C01", "1234")
    receipt = till.services.sales.redeem_coupon(
        cashier,
        member.member_id,
        code="CPN:tenoff-2026",
        sale_amount_cents=80_000,
        sale_ref="R-9",
    )
    assert receipt.value_cents == 5_000  # 10 % of ¥800 is ¥80: capped at ¥50
    with till.replica.read() as session:
        row = session.scalars(select(OutboxRow).where(OutboxRow.event_id == receipt.event_id)).one()
        data = Event.model_validate_json(row.payload).data
    assert data["code"] == "TENOFF2026"
    assert (data["sale_amount_cents"], data["discount_cents"]) == (80_000, 5_000)
    assert data["offline"] is True  # the seeded till is offline


def test_a_coupon_chosen_from_the_list_meets_the_same_terms(till: UiTill) -> None:
    member = till.seed.members[0]
    give_coupons(till, member.member_id)
    cashier = till.services.staff.sign_in("C01", "1234")
    listed = {c.code: c for c in till.services.lookup.coupons(member.member_id)}
    min_spend = listed["MINSPEND20"]
    assert min_spend.terms is not None
    assert min_spend.terms.min_spend_cents == 20_000
    with pytest.raises(CouponRefused) as caught:
        till.services.sales.redeem_coupon(
            cashier,
            member.member_id,
            coupon_id=min_spend.coupon_id,
            sale_amount_cents=19_999,
            sale_ref="L-1",
        )
    assert caught.value.code == "coupon_min_spend"
    assert caught.value.params == {"currency": "CNY", "min_spend_cents": 20_000}
    receipt = till.services.sales.redeem_coupon(
        cashier,
        member.member_id,
        coupon_id=min_spend.coupon_id,
        sale_amount_cents=20_000,
        sale_ref="L-1",
    )
    assert receipt.value_cents == 2_000
    # one per sale: a second coupon on the same receipt is refused, on another it is not
    ten_off = listed["TENOFF2026"]
    with pytest.raises(CouponRefused) as caught:
        till.services.sales.redeem_coupon(
            cashier,
            member.member_id,
            coupon_id=ten_off.coupon_id,
            sale_amount_cents=20_000,
            sale_ref="L-1",
        )
    assert caught.value.code == "coupon_not_stackable"
    question = coupon_question(ten_off, 30_000, "CNY")[1]
    assert "¥30.00 off" in question
