"""Property tests: the displayed balance is always the sum of the member's events, and an
independent model of the program predicts every award and every refusal."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from shared.errors import DomainError
from tests.terminal.conftest import make_till

operations = st.lists(
    st.one_of(
        st.tuples(st.just("earn"), st.integers(1, 300_000)),
        st.tuples(st.just("redeem"), st.integers(-50, 3_000), st.integers(1, 300_000)),
        st.tuples(st.just("adjust"), st.integers(-3_000, 3_000)),
        st.tuples(st.just("void"), st.integers(0, 50)),
        st.tuples(st.just("ack"), st.integers(0, 50)),
        st.tuples(st.just("reject"), st.integers(0, 50)),
    ),
    max_size=25,
)


# The default program, written out here so that the oracle does not ask the product.
EARN_UNIT_CENTS = 100
TIERS = ((5000, 150), (1000, 125), (0, 100))  # (from lifetime points, multiplier %)
REDEEM_MIN = 100
SALE_CAP_PERCENT = 50
OFFLINE_DAILY_CAP = 2000


@dataclass
class Known:
    """One event as the oracle expects it."""

    event_id: str
    kind: str
    delta: int
    lifetime: int = 0
    status: str = "pending"
    voided: bool = False


@dataclass
class Oracle:
    """An independent model of one member on this till: what each operation should do."""

    online: bool
    events: list[Known] = field(default_factory=list)
    server_balance: int = 0

    def standing(self) -> list[Known]:
        return [k for k in self.events if k.status != "rejected"]

    def balance(self) -> int:
        return sum(k.delta for k in self.standing())

    def pending(self) -> int:
        return sum(k.delta for k in self.events if k.status == "pending")

    def earn_points(self, cents: int) -> int:
        # a void that outlives the rejected earn it voided leaves the sum below zero:
        # the member is then in the lowest tier
        lifetime = max(0, sum(k.lifetime for k in self.standing()))
        multiplier = next(m for start, m in TIERS if lifetime >= start)
        return (cents // EARN_UNIT_CENTS) * multiplier // 100

    def redeem_refusal(self, points: int, cents: int) -> str | None:
        if points <= 0:
            return "invalid_points"
        if points < REDEEM_MIN:
            return "below_minimum_redeem"
        if points > self.balance():
            return "insufficient_balance"
        if points > cents * SALE_CAP_PERCENT // 100:  # 100 points are worth 1.00
            return "exceeds_sale_cap"
        if not self.online:
            today = sum(-k.delta for k in self.standing() if k.kind == "redeem" and not k.voided)
            if points > OFFLINE_DAILY_CAP - today:
                return "offline_daily_cap"
        return None

    def adjust_refusal(self, points: int) -> str | None:
        if points == 0:
            return "invalid_points"
        return "insufficient_balance" if self.balance() + points < 0 else None

    @staticmethod
    def void_refusal(target: Known) -> str | None:
        if target.status == "rejected":
            return "not_voidable"
        return "already_voided" if target.voided else None


def test_balance_is_the_sum_of_events_and_redemption_never_goes_negative(
    tmp_path: Path,
) -> None:
    till = make_till(tmp_path, members=0)
    phones = itertools.count(1)
    cashier, manager = till.cashier(), till.manager()
    svc = till.services

    @settings(
        max_examples=80,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        database=None,
    )
    @given(ops=operations, online=st.booleans())
    # Offline, the daily cap: it binds, a rejected or voided redemption frees it again.
    @example(
        ops=[
            ("earn", 300_000),
            ("redeem", 1500, 300_000),
            ("redeem", 600, 300_000),
            ("redeem", 500, 300_000),
            ("redeem", 100, 300_000),
        ],
        online=False,
    )
    @example(
        ops=[
            ("earn", 300_000),
            ("redeem", 2000, 300_000),
            ("reject", 1),
            ("redeem", 2000, 300_000),
            ("redeem", 100, 300_000),
        ],
        online=False,
    )
    @example(
        ops=[
            ("earn", 300_000),
            ("redeem", 2000, 300_000),
            ("void", 1),
            ("redeem", 2000, 300_000),
            ("void", 1),
        ],
        online=False,
    )
    # An earn voided, then rejected by the server: the void stands alone, below zero.
    @example(ops=[("earn", 100), ("void", 0), ("reject", 0), ("earn", 500)], online=False)
    @example(ops=[("earn", 300_000), ("redeem", 2000, 300_000), ("redeem", 900, 300_000)],
             online=True)  # fmt: skip
    def run(ops: list[tuple[int | str, ...]], online: bool) -> None:
        till.sync.set_online(online)
        member_id = svc.enrollment.enroll(
            cashier, name="P", phone=f"137{next(phones):08d}", consent_marketing=False
        ).member.member_id
        model = Oracle(online)
        version = 0
        for n, op in enumerate(ops):
            kind = op[0]
            r = None
            refusal: str | None = None
            if kind == "earn":
                points = model.earn_points(int(op[1]))
                r = svc.sales.earn(cashier, member_id, amount_cents=op[1], sale_ref=f"E{n}")
                assert r.points_delta == points
                model.events.append(Known(r.event_id, "earn", points, lifetime=points))
            elif kind in ("redeem", "adjust"):
                if kind == "redeem":
                    refusal = model.redeem_refusal(int(op[1]), int(op[2]))
                    attempt = partial(
                        svc.sales.redeem, cashier, member_id, points=op[1],
                        sale_amount_cents=op[2], sale_ref=f"R{n}",
                    )  # fmt: skip
                else:
                    refusal = model.adjust_refusal(int(op[1]))
                    attempt = partial(
                        svc.manager.adjust, manager, member_id, points=op[1], reason="prop"
                    )
                delta = -int(op[1]) if kind == "redeem" else int(op[1])
                if refusal is None:
                    r = attempt()
                    assert r.points_delta == delta
                    assert kind == "adjust" or r.member.balance >= 0
                    model.events.append(Known(r.event_id, kind, delta))
                else:
                    with pytest.raises(DomainError) as err:
                        attempt()
                    assert err.value.code == refusal, (op, model)
            elif kind == "void":
                targets = [k for k in model.events if k.kind != "void"]
                if targets:
                    target = targets[int(op[1]) % len(targets)]
                    refusal = model.void_refusal(target)
                    if refusal is None:
                        r = svc.manager.void(manager, target.event_id, reason="prop")
                        assert r.points_delta == -target.delta
                        target.voided = True
                        model.events.append(
                            Known(r.event_id, "void", -target.delta, lifetime=-target.lifetime)
                        )
                    else:
                        with pytest.raises(DomainError) as err:
                            svc.manager.void(manager, target.event_id, reason="prop")
                        assert err.value.code == refusal
            else:
                pending = [k for k in model.events if k.status == "pending"]
                if pending:
                    k = pending[int(op[1]) % len(pending)]
                    if kind == "ack":
                        model.server_balance += k.delta
                        version += 1
                        till.sync.apply_push_results([{
                            "event_id": k.event_id, "status": "accepted",
                            "member_balance": model.server_balance, "member_version": version,
                        }])  # fmt: skip
                        k.status = "acknowledged"
                    else:
                        till.sync.apply_push_results(
                            [{"event_id": k.event_id, "status": "rejected", "code": "x"}]
                        )
                        k.status = "rejected"
            view = svc.lookup.member(member_id)
            if r is not None:  # what a receipt shows is what a fresh look-up shows
                assert r.member == view
            assert view.balance == model.balance()
            assert view.pending_points == model.pending()
            assert view.server_balance == model.server_balance

    try:
        run()
    finally:
        till.replica.close()


def test_refused_redemptions_leave_the_balance_alone(tmp_path: Path) -> None:
    till = make_till(tmp_path, members=1)
    cashier = till.cashier()
    member_id = till.seed.members[0].member_id
    refs = itertools.count()

    @settings(max_examples=80, deadline=None, database=None)
    @given(
        points=st.one_of(
            st.integers(-(10**6), 10**6),
            st.floats(allow_nan=True),
            st.text(max_size=5),
            st.booleans(),
            st.none(),
        ),
        amount=st.one_of(st.integers(-(10**9), 10**9), st.floats(), st.text(max_size=3)),
    )
    def run(points: object, amount: object) -> None:
        before = svc_balance()
        try:
            r = till.services.sales.redeem(
                cashier,
                member_id,
                points=points,
                sale_amount_cents=amount,
                sale_ref=f"R{next(refs)}",  # type: ignore[arg-type]
            )
        except DomainError:
            assert svc_balance() == before
        else:
            assert r.member.balance == before - points >= 0  # type: ignore[operator]
            till.services.manager.void(till.manager(), r.event_id, reason="undo")

    def svc_balance() -> int:
        return till.services.lookup.member(member_id).balance

    try:
        run()
    finally:
        till.replica.close()
