from __future__ import annotations

import pytest

from shared.domain.program import DEFAULT_PROGRAM
from shared.errors import DomainError
from shared.ids import uuid7
from shared.protocol import Event
from tests.terminal.conftest import Till


def _earn(till: Till, n: int, member_index: int = 0) -> list[str]:
    cashier = till.cashier()
    member_id = till.seed.members[member_index].member_id
    return [
        till.services.sales.earn(cashier, member_id, amount_cents=1000, sale_ref=f"S{i}").event_id
        for i in range(n)
    ]


def test_pending_batch_is_oldest_first_and_protocol_valid(till: Till) -> None:
    ids = _earn(till, 5)
    batch = till.sync.pending_batch(limit=3)
    assert [e["event_id"] for e in batch] == ids[:3]
    assert [e["seq"] for e in batch] == [1, 2, 3]
    for raw in batch:
        event = Event.model_validate(raw)
        assert str(event.terminal_id) == till.seed.terminal_id
        assert event.occurred_at.tzinfo is not None


def test_accepted_results_acknowledge_and_take_the_server_balance(till: Till) -> None:
    member = till.seed.members[0]
    ids = _earn(till, 2)
    view = till.services.lookup.member(member.member_id)
    per_sale = view.pending_points // 2
    assert view.pending_points == 2 * per_sale
    assert view.balance == member.balance + 2 * per_sale
    till.sync.apply_push_results(
        [
            {"event_id": ids[0], "status": "accepted", "member_balance": member.balance + 10,
             "member_version": 2},
            {"event_id": ids[1], "status": "duplicate", "member_balance": member.balance + 20,
             "member_version": 3},
        ],
        watermark=2,
    )  # fmt: skip
    assert till.sync.pending_count() == 0
    view = till.services.lookup.member(member.member_id)
    assert (view.server_balance, view.pending_points, view.balance) == (
        member.balance + 20,
        0,
        member.balance + 20,
    )
    assert till.sync.pending_batch() == []
    assert till.sync.state().watermark == 2
    # Results for unknown or already settled events are ignored.
    till.sync.apply_push_results([{"event_id": ids[0], "status": "rejected", "code": "x"}])
    till.sync.apply_push_results([{"event_id": str(uuid7()), "status": "accepted"}])
    assert till.services.activity.outbox().acknowledged == 2
    assert till.services.activity.outbox().rejected == 0


def test_ack_without_balance_folds_the_event_in(till: Till) -> None:
    member = till.seed.members[0]
    ids = _earn(till, 1)
    earned = till.services.lookup.member(member.member_id).pending_points
    till.sync.apply_push_results([{"event_id": ids[0], "status": "accepted"}])
    view = till.services.lookup.member(member.member_id)
    assert (view.server_balance, view.pending_points) == (member.balance + earned, 0)


def test_transport_failures_count_attempts(till: Till) -> None:
    ids = _earn(till, 2)
    till.sync.record_push_failure(ids, "timeout")
    till.sync.record_push_failure(ids[:1], "HTTP 503")
    with till.replica.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT attempts, last_error, status FROM outbox ORDER BY seq"
        ).all()
    assert [tuple(r) for r in rows] == [(2, "HTTP 503", "pending"), (1, "timeout", "pending")]


def test_pulled_changes_apply_only_when_newer(till: Till) -> None:
    member = till.seed.members[0]
    data = {
        "member_id": member.member_id, "member_code": member.member_code,
        "display_name": "Renamed", "phone_last4": "0001", "phone_hash": "ab" * 32,
        "tier": "gold", "balance": 7777, "lifetime_points": 9000, "status": "active",
    }  # fmt: skip
    change = {"entity": "member", "op": "upsert", "id": member.member_id, "data": data}
    till.sync.apply_changes([{**change, "version": 1}], "c1")  # the replica holds version 1
    assert till.services.lookup.member(member.member_id).display_name == member.name
    assert till.sync.pull_cursor() == "c1"
    till.sync.apply_changes([{**change, "version": 5}], cursor="c2")
    stale = {**change, "version": 4, "data": {**data, "balance": 1}}
    till.sync.apply_changes([stale])
    view = till.services.lookup.member(member.member_id)
    assert (view.display_name, view.balance, view.tier) == ("Renamed", 7777, "gold")
    assert view.phone_masked == "****0001"
    assert till.services.lookup.by_name("renam").items[0].member_id == member.member_id
    assert till.sync.state().pull_cursor == "c2"


def test_delete_removes_member_and_coupons(till: Till) -> None:
    coupon_id, member_id = next(iter(till.seed.coupons.items()))
    till.sync.apply_changes([{"entity": "member", "op": "delete", "id": member_id, "version": 9}])
    with pytest.raises(DomainError) as err:
        till.services.lookup.member(member_id)
    assert err.value.code == "unknown_member"
    with till.replica.engine.connect() as conn:
        assert (
            conn.exec_driver_sql(
                "SELECT count(*) FROM coupons WHERE coupon_id = ?", (coupon_id,)
            ).scalar()
            == 0
        )


def test_coupon_redeemed_locally_stays_redeemed_until_the_server_knows(till: Till) -> None:
    coupon_id, member_id = next(iter(till.seed.coupons.items()))
    till.services.sales.redeem_coupon(till.cashier(), member_id, coupon_id=coupon_id, sale_ref="1")
    till.sync.apply_changes([{
        "entity": "coupon", "op": "upsert", "id": coupon_id, "version": 2,
        "data": {"coupon_id": coupon_id, "member_id": member_id, "title": "10 off",
                 "value_cents": 1000, "currency": "CNY", "status": "available"},
    }])  # fmt: skip
    assert till.services.lookup.coupons(member_id)[0].status == "redeemed"


def test_staff_and_program_changes(till: Till) -> None:
    staff_id = till.seed.staff["C01"]
    hasher_hash = till.services.staff.pin_hasher().hash("4321")
    till.sync.apply_changes([{
        "entity": "staff", "op": "upsert", "id": staff_id, "version": 2,
        "data": {"staff_id": staff_id, "staff_code": "C01", "name": "Li Na", "role": "manager",
                 "pin_hash": hasher_hash},
    }])  # fmt: skip
    promoted = till.services.staff.sign_in("C01", "4321")
    assert promoted.is_manager
    program = DEFAULT_PROGRAM.model_copy(update={"rule_version": 2, "points_per_unit": 2})
    till.sync.apply_changes(
        [{"entity": "program", "op": "upsert", "id": "2", "version": 2,
          "data": program.model_dump(mode="json")}]
    )  # fmt: skip
    receipt = till.services.sales.earn(
        promoted, till.seed.members[0].member_id, amount_cents=1000, sale_ref="P2"
    )
    assert till.sync.pending_batch()[-1]["data"]["rule_version"] == 2
    assert receipt.points_delta in (20, 25, 30)


def test_rebuild_keeps_unacknowledged_events(till: Till) -> None:
    ids = _earn(till, 3)
    enrolled = till.services.enrollment.enroll(
        till.cashier(), name="Keep", phone="13812345678", consent_marketing=True
    )
    till.sync.apply_push_results([{"event_id": ids[0], "status": "accepted"}])
    till.sync.set_cursor("old")
    till.sync.reset_replica_for_rebuild()
    state = till.sync.state()
    assert state.pull_cursor is None
    assert [e["event_id"] for e in till.sync.pending_batch()] == [*ids[1:], enrolled.event_id]
    assert till.services.lookup.member(enrolled.member.member_id).display_name == "Keep"
    with pytest.raises(DomainError):
        till.services.lookup.by_code(till.seed.members[1].member_code)
    assert till.services.staff.sign_in("C01", "1234")


def test_state_setters(till: Till) -> None:
    till.sync.set_online(True)
    till.sync.set_watermark(5)
    till.sync.set_watermark(3)
    till.sync.mark_synced()
    state = till.sync.state()
    assert state.online
    assert state.watermark == 5
    assert state.last_sync_at
    assert state.terminal_id == till.seed.terminal_id
    assert state.member_code_prefix == "100001"


def test_sync_port_extras(till: Till) -> None:
    """What the sync engine needs besides the basics: counts, local rejection, sync outcome."""
    enrolled = till.services.enrollment.enroll(
        till.cashier(), name="Bad", phone="13812345678", email="x@y.cn", consent_marketing=True
    )
    ids = _earn(till, 2)
    assert till.sync.pending_count() == 3
    till.sync.reject_locally(enrolled.event_id, "schema_invalid", "422 from the server")
    assert till.sync.pending_count() == 2
    assert [e["event_id"] for e in till.sync.pending_batch()] == ids
    rejected = till.services.manager.rejected_events(till.manager())
    assert [(e.event_id, e.rejection_code) for e in rejected] == [
        (enrolled.event_id, "schema_invalid")
    ]
    with till.replica.engine.connect() as conn:
        payload = conn.exec_driver_sql(
            "SELECT payload FROM outbox WHERE event_id = ?", (enrolled.event_id,)
        ).scalar_one()
    assert "13812345678" not in payload
    assert "x@y.cn" not in payload
    # A member whose enrolment was refused cannot collect points any more.
    with pytest.raises(DomainError) as err:
        till.services.sales.earn(
            till.cashier(), enrolled.member.member_id, amount_cents=100, sale_ref="z"
        )
    assert err.value.code == "member_inactive"
    when = till.clock()
    till.sync.record_sync(online=False, at=when, error="connection refused")
    state = till.sync.state()
    assert (state.online, state.last_sync_error, state.last_sync_at) == (
        False,
        "connection refused",
        None,
    )
    till.sync.record_sync(online=True, at=when, error=None)
    state = till.sync.state()
    assert state.online
    assert state.last_sync_error is None
    assert state.last_sync_at


def test_pulled_member_takes_over_a_code_held_by_a_stale_row(till: Till) -> None:
    stale = till.seed.members[0]
    newcomer = str(uuid7())
    till.sync.apply_changes([{
        "entity": "member", "op": "upsert", "id": newcomer, "version": 3,
        "data": {"member_id": newcomer, "member_code": stale.member_code, "display_name": "New",
                 "phone_last4": "1111", "phone_hash": "ef" * 32, "tier": "member",
                 "balance": 5, "lifetime_points": 5, "status": "active"},
    }])  # fmt: skip
    assert till.services.lookup.by_code(stale.member_code).member_id == newcomer
    with pytest.raises(DomainError):
        till.services.lookup.member(stale.member_id)


def test_pull_edge_cases(till: Till) -> None:
    coupon_id, owner = next(iter(till.seed.coupons.items()))
    stranger = str(uuid7())
    till.sync.apply_changes(
        [
            {"entity": "coupon", "op": "delete", "id": coupon_id, "version": 5},
            {"entity": "coupon", "op": "delete", "id": str(uuid7()), "version": 1},
            {"entity": "coupon", "op": "upsert", "id": stranger, "version": 1,
             "data": {"coupon_id": stranger, "member_id": str(uuid7()), "title": "x",
                      "value_cents": 1, "currency": "CNY", "status": "available"}},
            {"entity": "program", "op": "delete", "id": "1", "version": 9},
            {"entity": "member", "op": "delete", "id": str(uuid7()), "version": 1},
        ]
    )  # fmt: skip
    assert till.services.lookup.coupons(owner) == []
    assert (
        till.services.sales.redeem_limits(
            till.seed.members[0].member_id, sale_amount_cents=1000
        ).sale_cap_cents
        == 500
    )  # the program is still there


def test_staff_removed_or_deactivated_by_pull(till: Till) -> None:
    cashier = till.cashier()
    member_id = till.seed.members[0].member_id
    staff_id = till.seed.staff["C01"]
    till.sync.apply_changes([{"entity": "staff", "op": "delete", "id": staff_id, "version": 2}])
    with pytest.raises(DomainError) as err:
        till.services.sales.earn(cashier, member_id, amount_cents=1000, sale_ref="gone")
    assert err.value.code == "sign_in_required"
    manager_id = till.seed.staff["M01"]
    manager = till.manager()
    till.sync.apply_changes([{
        "entity": "staff", "op": "upsert", "id": manager_id, "version": 2,
        "data": {"staff_id": manager_id, "staff_code": "M01", "name": "Wang Fang",
                 "role": "manager", "pin_hash": "x", "active": False},
    }])  # fmt: skip
    with pytest.raises(DomainError) as err:
        till.services.staff.sign_in("M01", "999999")
    assert err.value.code == "invalid_pin"
    with pytest.raises(DomainError) as err:
        till.services.manager.adjust(manager, member_id, points=5, reason="r")
    assert err.value.code == "manager_required"


def test_blocked_member_cannot_earn_or_redeem(till: Till) -> None:
    member = till.seed.members[0]
    till.sync.apply_changes([{
        "entity": "member", "op": "upsert", "id": member.member_id, "version": 2,
        "data": {"member_id": member.member_id, "member_code": member.member_code,
                 "display_name": member.name, "phone_last4": "0001", "phone_hash": "ab" * 32,
                 "tier": "member", "balance": 5000, "lifetime_points": 5000,
                 "status": "blocked"},
    }])  # fmt: skip
    cashier = till.cashier()
    with pytest.raises(DomainError) as err:
        till.services.sales.earn(cashier, member.member_id, amount_cents=1000, sale_ref="b")
    assert err.value.code == "member_inactive"
    with pytest.raises(DomainError) as err:
        till.services.sales.redeem(
            cashier, member.member_id, points=100, sale_amount_cents=1000, sale_ref="b"
        )
    assert err.value.code == "member_inactive"
    assert till.services.lookup.member(member.member_id).status == "blocked"
