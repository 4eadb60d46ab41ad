"""Property tests: the displayed balance is always the sum of the member's events."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
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


@dataclass
class Known:
    event_id: str
    delta: int
    voidable: bool
    status: str = "pending"
    voided: bool = False


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
    def run(ops: list[tuple[int | str, ...]], online: bool) -> None:
        till.sync.set_online(online)
        member_id = svc.enrollment.enroll(
            cashier, name="P", phone=f"137{next(phones):08d}", consent_marketing=False
        ).member.member_id
        known: list[Known] = []
        server_balance, version = 0, 0
        for n, op in enumerate(ops):
            kind = op[0]
            r = None
            try:
                if kind == "earn":
                    r = svc.sales.earn(cashier, member_id, amount_cents=op[1], sale_ref=f"E{n}")
                    known.append(Known(r.event_id, r.points_delta, True))
                elif kind == "redeem":
                    r = svc.sales.redeem(
                        cashier, member_id, points=op[1], sale_amount_cents=op[2], sale_ref=f"R{n}"
                    )
                    known.append(Known(r.event_id, r.points_delta, True))
                    assert r.member.balance >= 0
                elif kind == "adjust":
                    r = svc.manager.adjust(manager, member_id, points=op[1], reason="prop")
                    known.append(Known(r.event_id, r.points_delta, True))
                elif kind == "void":
                    targets = [k for k in known if k.voidable and not k.voided]
                    targets = [k for k in targets if k.status != "rejected"]
                    if targets:
                        target = targets[op[1] % len(targets)]
                        r = svc.manager.void(manager, target.event_id, reason="prop")
                        target.voided = True
                        known.append(Known(r.event_id, r.points_delta, False))
                else:
                    pending = [k for k in known if k.status == "pending"]
                    if pending:
                        k = pending[op[1] % len(pending)]
                        if kind == "ack":
                            server_balance += k.delta
                            version += 1
                            till.sync.apply_push_results([{
                                "event_id": k.event_id, "status": "accepted",
                                "member_balance": server_balance, "member_version": version,
                            }])  # fmt: skip
                            k.status = "acknowledged"
                        else:
                            till.sync.apply_push_results(
                                [{"event_id": k.event_id, "status": "rejected", "code": "x"}]
                            )
                            k.status = "rejected"
            except DomainError:
                pass
            view = svc.lookup.member(member_id)
            if r is not None:  # what a receipt shows is what a fresh look-up shows
                assert r.member == view
            standing = sum(k.delta for k in known if k.status != "rejected")
            assert view.balance == standing
            assert view.pending_points == sum(k.delta for k in known if k.status == "pending")
            assert view.server_balance == server_balance

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
