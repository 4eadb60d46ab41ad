"""Offline returns of another till's sale found in the member's pulled history
(``member_history``): what head office listed, this till's own returns on top, the
shared rule's effect, refusals with nothing queued (terminal/services/returns.py)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from shared.errors import DomainError
from shared.protocol import HistoryItem, MemberSummary
from tests.terminal.conftest import Till, snapshot


def _item(kind: str, points: int, amount: int | None, ref: str, **extra: object) -> HistoryItem:
    return HistoryItem(
        event_id=str(uuid.uuid4()),
        type=kind,
        occurred_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
        points_delta=points,
        store_code="S002",
        amount_cents=amount,
        sale_ref=ref,
        voided=bool(extra.get("voided", False)),
    )


def _pull(till: Till, member_id: str, balance: int, items: list[HistoryItem]) -> None:
    till.sync.save_member_summary(
        MemberSummary(
            member_id=member_id,
            as_of=datetime(2026, 3, 9, tzinfo=UTC),
            balance=balance,
            history=items,
            expiring=[],
        )
    )


def _returns_queued(till: Till) -> list[dict[str, object]]:
    with till.replica.read() as session:
        return [
            json.loads(p)["data"]
            for (p,) in session.execute(
                text("SELECT payload FROM outbox WHERE payload LIKE '%sale.returned%' ORDER BY seq")
            )
        ]


def test_offline_return_of_a_sale_made_at_another_store_from_the_pulled_history(
    till: Till,
) -> None:
    member = till.seed.members[0]
    start = till.services.lookup.member(member.member_id)
    earn = _item("points.earned", 200, 20_000, "S2-77")
    redeem = _item("points.redeemed", -100, 20_000, "S2-77")
    elsewhere = _item("sale.returned", -25, 5_000, "S2-77")  # another till returned 50.00
    other = _item("points.earned", 30, 3_000, "S2-78")
    _pull(till, member.member_id, start.balance, [earn, redeem, elsewhere, other])
    cashier = till.cashier()

    search = till.services.returns.find("S2-77")
    assert not search.online
    (sale,) = search.sales
    assert (sale.member_id, sale.here, sale.voided) == (member.member_id, False, False)
    assert (sale.sale_event_id, sale.redeemed_event_id) == (earn.event_id, redeem.event_id)
    assert (sale.amount_cents, sale.points_earned, sale.points_redeemed) == (20_000, 200, 100)
    assert (sale.returned_cents, sale.left_cents) == (5_000, 15_000)

    done = till.services.returns.return_sale(cashier, sale, amount_cents=5_000)
    # Running total 10,000 of 20,000: 100 of 200 earned taken back (50 before), 50 of 100
    # redeemed given back (25 before).
    assert (done.effect.points_taken, done.effect.points_given) == (50, 25)
    after = till.services.lookup.member(member.member_id)
    assert after.balance == start.balance - 50 + 25
    assert after.lifetime_points == start.lifetime_points - 50
    assert _returns_queued(till) == [
        {
            "sale_ref": "S2-77",
            "sale_event_id": earn.event_id,
            "amount_cents": 5_000,
            "points_taken": 50,
            "points_given": 25,
            "redeemed_event_id": redeem.event_id,
        }
    ]

    # Found again: head office's return and this till's unsent one both count.
    (again,) = till.services.returns.find("S2-77").sales
    assert (again.returned_cents, again.left_cents) == (10_000, 10_000)
    before = snapshot(till.replica)
    with pytest.raises(DomainError) as err:
        till.services.returns.return_sale(cashier, again, amount_cents=10_001)
    assert err.value.code == "return_too_large"
    assert snapshot(till.replica) == before
    rest = till.services.returns.return_sale(cashier, again)
    assert rest.effect.full
    assert (rest.effect.points_taken, rest.effect.points_given) == (100, 50)
    # The replica's balance already holds the sale and the other till's return: this
    # till's two returns take back 150 of the 200 earned and give back 75 of the 100.
    final = till.services.lookup.member(member.member_id)
    assert final.balance == start.balance - 150 + 75
    assert final.lifetime_points == start.lifetime_points - 150


def test_a_voided_sale_in_the_history_is_refused_and_an_unknown_receipt_too(till: Till) -> None:
    member = till.seed.members[1]
    voided = _item("points.earned", 40, 4_000, "S2-80", voided=True)
    _pull(till, member.member_id, member.balance, [voided])
    before = snapshot(till.replica)
    (sale,) = till.services.returns.find("S2-80").sales
    assert sale.voided
    with pytest.raises(DomainError) as err:
        till.services.returns.return_sale(till.cashier(), sale)
    assert err.value.code == "sale_voided"
    with pytest.raises(DomainError) as err:
        till.services.returns.find("S2-81")
    assert err.value.code == "unknown_sale"
    assert snapshot(till.replica) == before
