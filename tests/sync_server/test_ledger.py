"""The pure ledger on its own (no database): random batches against an independent model.

The oracle below is written from the rules as PROTOCOL.md and docs/SYNC_SERVER.md state
them (points per tier worked out by hand from the program's numbers), not from the
server's code; the ledger's answers must match it event by event. Then: balances equal
the sum of accepted deltas, replaying any subset of a pushed batch changes nothing,
a coupon is used once until a void gives it back, a void reverses its event exactly, an
overdraft is accepted and flagged, versions are handed out in order, and the loader's
rule for which voided-lifetime sums to read never leaves the ledger without one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain.program import DEFAULT_PROGRAM
from shared.protocol import (
    CouponRedeemedData,
    EventVoidedData,
    PointsAdjustedData,
    PointsEarnedData,
    PointsRedeemedData,
)
from sync_server.services import ledger
from sync_server.services.push_guard import PushLimits
from sync_server.services.push_state import (
    CouponState,
    EventData,
    Incoming,
    LedgerResult,
    Loaded,
    MemberProfile,
    MemberState,
    StaffState,
    StoredOutcome,
    StoreState,
    TerminalState,
    VoidTarget,
)

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
TERMINAL = "00000000-0000-4000-8000-00000000000a"
MANAGER = "00000000-0000-4000-8000-0000000000ff"
# The default program, by hand: 1 point per whole 1.00, x1 / x1.25 / x1.5 from 0 / 1000 /
# 5000 lifetime points.
TIERS = ((0, 100), (1000, 125), (5000, 150))


def points_at(amount_cents: int, multiplier: int) -> int:
    return (amount_cents // 100) * multiplier // 100


def uid(n: int) -> str:
    return str(uuid.UUID(int=n, version=4))


# --- the independent model -------------------------------------------------------------


@dataclass
class Model:
    balance: dict[str, int]
    lifetime: dict[str, int]
    active: dict[str, bool]
    voided_before: dict[str, int]
    coupons: dict[str, tuple[str, str]]  # id -> (member, status)
    targets: dict[str, dict[str, Any]]
    voided_in_push: dict[str, int] = field(default_factory=dict)

    def apply(self, kind: str, member: str, event_id: str, value: Any) -> tuple[str, Any]:
        """(status or rejection code, points moved) of one fresh event."""
        if kind == "void":
            target = self.targets.get(value)
            if target is None or target["status"] != "accepted" or target["member"] != member:
                return "unknown_event", 0
            if target["kind"] == "void":
                return "not_voidable", 0
            if target["voided"]:
                return "already_voided", 0
        if not self.active.get(member, False):
            return "unknown_member", 0
        if kind == "earn":
            amount, claim, rule_version = value
            if rule_version != 1:
                return "unknown_rule_version", 0
            reached = (
                self.lifetime[member]
                + self.voided_before[member]
                + self.voided_in_push.get(member, 0)
            )
            allowed = {points_at(amount, m) for low, m in TIERS if low <= reached}
            if claim not in allowed:
                return "points_mismatch", 0
            self.balance[member] += claim
            self.lifetime[member] += claim
            return "accepted", claim
        if kind == "redeem":
            self.balance[member] -= value
            return "accepted", -value
        if kind == "adjust":
            self.balance[member] += value
            return "accepted", value
        if kind == "coupon":
            owner, status = self.coupons.get(value, ("", "gone"))
            if owner != member or status != "available":
                return "coupon_unavailable", 0
            self.coupons[value] = (owner, "redeemed")
            return "accepted", 0
        target = self.targets[value]  # a void that stands
        target["voided"] = True
        self.balance[member] -= target["points"]
        self.lifetime[member] -= target["lifetime"]
        self.voided_in_push[member] = self.voided_in_push.get(member, 0) + target["lifetime"]
        if target["kind"] == "coupon":
            owner, _status = self.coupons[target["coupon"]]
            self.coupons[target["coupon"]] = (owner, "available")
        return "accepted", -target["points"]


# --- building the ledger's input --------------------------------------------------------


def member_state(member_id: str, balance: int, lifetime: int, active: bool) -> MemberState:
    profile = MemberProfile(
        member_code="100000000",
        name="M",
        phone_e164="+8613800000000",
        phone_hash="h",
        phone_last4="0000",
        phone_masked="138****0000",
        phone_slow_hash="",
        email=None,
        birthday=None,
        consent_marketing=False,
        store_code="S001",
        enrolled_at=NOW - timedelta(days=9),
    )
    tier = DEFAULT_PROGRAM.tier_for(lifetime).code
    status = "active" if active else "deleted"
    return MemberState(member_id, profile, balance, lifetime, tier, status, 7, NOW)


def incoming(event_id: str, seq: int, type_: str, member: str, data: EventData) -> Incoming:
    text = f"{event_id}:{data.model_dump_json()}"
    return Incoming(event_id, seq, type_, NOW, MANAGER, member, data, text, str(hash(text)))


def loaded(
    members: dict[str, MemberState],
    coupons: dict[str, CouponState],
    targets: dict[str, VoidTarget],
    voided_before: dict[str, int],
    events: list[Incoming],
    known: dict[str, StoredOutcome] | None = None,
) -> Loaded:
    programs = {1: DEFAULT_PROGRAM}
    fresh = ledger.fresh_events(known or {}, events)
    needy = ledger.needs_voided_lifetime(members, targets, programs, fresh)
    return Loaded(
        terminal=TerminalState(TERMINAL, "S001", 0, 0),
        store=StoreState("S001", "CN", b"k" * 32, "Asia/Shanghai", "23:00", 1),
        programs=programs,
        now=NOW,
        limits=PushLimits(),
        known=known or {},
        members=members,
        codes_taken=frozenset(),
        targets=targets,
        coupons=coupons,
        staff={MANAGER: StaffState(MANAGER, "manager", True, "S001")},
        moved={},
        # only what the loader would read: a MissingFact shows the rule is wrong
        voided_lifetime={m: voided_before.get(m, 0) for m in needy},
        held_seqs=frozenset(),
    )


ops = st.lists(
    st.one_of(
        st.tuples(
            st.just("earn"),
            st.integers(0, 4),
            st.tuples(st.integers(100, 900_000), st.integers(0, 3), st.sampled_from([1, 1, 1, 9])),
        ),
        st.tuples(st.just("redeem"), st.integers(0, 4), st.integers(1, 3_000)),
        st.tuples(st.just("adjust"), st.integers(0, 4), st.integers(-500, 500).filter(bool)),
        st.tuples(st.just("coupon"), st.integers(0, 4), st.integers(0, 3)),
        st.tuples(st.just("void"), st.integers(0, 4), st.integers(0, 40)),
        st.tuples(st.just("again"), st.integers(0, 4), st.integers(0, 40)),
        st.tuples(st.just("conflict"), st.integers(0, 4), st.integers(0, 40)),
    ),
    min_size=1,
    max_size=30,
)


@dataclass
class Scenario:
    members: dict[str, MemberState]
    coupons: dict[str, CouponState]
    targets: dict[str, VoidTarget]
    voided_before: dict[str, int]
    events: list[Incoming]
    expected: list[tuple[str, Any]]  # per event: (kind of answer, (status/code, points))
    model: Model


def scenario(
    balances: list[tuple[int, int, bool, int]], history: list[tuple[int, int]], plan: list[Any]
) -> Scenario:
    ids = [uid(1 + i) for i in range(len(balances))]
    members = {
        m: member_state(m, bal, life, active)
        for m, (bal, life, active, _v) in zip(ids, balances, strict=True)
    }
    voided_before = {m: v for m, (_b, _l, _a, v) in zip(ids, balances, strict=True)}
    coupons = {
        uid(100 + c): CouponState(
            uid(100 + c), ids[c % len(ids)], "C", 500, "CNY", None, "available", None, 3
        )
        for c in range(4)
    }
    targets: dict[str, VoidTarget] = {}
    for n, (who, points) in enumerate(history):
        event_id = uid(200 + n)
        member = ids[who % len(ids)]
        targets[event_id] = VoidTarget(
            event_id, "points.earned", member, "accepted", points, points, None, None
        )
    model = Model(
        balance={m: s.balance for m, s in members.items()},
        lifetime={m: s.lifetime_points for m, s in members.items()},
        active={m: s.status == "active" for m, s in members.items()},
        voided_before=dict(voided_before),
        coupons={c: (s.member_id, s.status) for c, s in coupons.items()},
        targets={
            t: {"member": v.member_id, "status": "accepted", "kind": "earn", "voided": False}
            | {"points": v.points_delta, "lifetime": v.lifetime_delta}
            for t, v in targets.items()
        },
    )
    events: list[Incoming] = []
    expected: list[tuple[str, Any]] = []
    sent: dict[str, tuple[Incoming, Any]] = {}
    unknown = uid(999)
    for kind, who, value in plan:
        member = ids[who] if who < len(ids) else unknown
        if kind in ("again", "conflict"):
            if not sent:
                continue
            first = list(sent.values())[value % len(sent)][0]
            if kind == "again":
                events.append(first)
                expected.append(("repeat", sent[first.event_id][1]))
            else:
                events.append(replace(first, content_hash=first.content_hash + "x"))
                expected.append(("conflict", None))
            continue
        event_id = uid(1000 + len(events))
        seq = len(sent) + 1
        data: EventData
        if kind == "earn":
            amount, tier, rule_version = value
            claim = points_at(amount, TIERS[tier][1]) if tier < 3 else amount // 100 * 2 + 1
            data = PointsEarnedData(
                sale_ref="S", amount_cents=amount, currency="CNY", points=claim,
                rule_version=rule_version,
            )  # fmt: skip
            args: Any = (amount, claim, rule_version)
            type_ = "points.earned"
        elif kind == "redeem":
            data = PointsRedeemedData(sale_ref="S", points=value, value_cents=value)
            args, type_ = value, "points.redeemed"
        elif kind == "adjust":
            data = PointsAdjustedData(points=value, reason="r")
            args, type_ = value, "points.adjusted"
        elif kind == "coupon":
            coupon = uid(100 + value)
            data = CouponRedeemedData(coupon_id=uuid.UUID(coupon), sale_ref="S")
            args, type_ = coupon, "coupon.redeemed"
        else:
            pool = list(targets) + list(sent)
            target = pool[value % len(pool)] if pool else uid(998)
            if who < 3 and target in model.targets:  # mostly the target's own member
                member = model.targets[target]["member"]
            data = EventVoidedData(voided_event_id=uuid.UUID(target), reason="r")
            args, type_ = target, "event.voided"
        item = incoming(event_id, seq, type_, member, data)
        result = model.apply(kind, member, event_id, args)
        events.append(item)
        expected.append(("new", result))
        sent[event_id] = (item, result)
        points = result[1]
        model.targets[event_id] = {
            "member": member,
            "status": "accepted" if result[0] == "accepted" else "rejected",
            "kind": {"earn": "earn", "coupon": "coupon", "void": "void"}.get(kind, "other"),
            "voided": False,
            "points": points,
            "lifetime": points if kind == "earn" else 0,
            "coupon": args if kind == "coupon" else None,
        }
    return Scenario(members, coupons, targets, voided_before, events, expected, model)


balances = st.lists(
    st.tuples(
        st.integers(-500, 20_000),
        st.integers(0, 8_000),
        st.sampled_from([True, True, True, False]),
        st.integers(0, 6_000),
    ),
    min_size=1,
    max_size=4,
)
history = st.lists(st.tuples(st.integers(0, 3), st.integers(1, 4_000)), max_size=5)


def run(s: Scenario) -> LedgerResult:
    state = loaded(s.members, s.coupons, s.targets, s.voided_before, s.events)
    return ledger.apply_batch(state, s.events)


@settings(max_examples=200, deadline=None)
@given(balances=balances, history=history, plan=ops)
def test_every_answer_matches_the_model(
    balances: list[tuple[int, int, bool, int]], history: list[tuple[int, int]], plan: list[Any]
) -> None:
    s = scenario(balances, history, plan)
    result = run(s)
    assert len(result.answers) == len(s.events)
    for answer, (kind, want) in zip(result.answers, s.expected, strict=True):
        assert answer.kind == kind
        if kind == "conflict":
            continue
        outcome = answer.outcome
        assert outcome is not None
        status, points = want
        assert (outcome.code if outcome.status == "rejected" else "accepted") == status
        if status == "accepted":
            assert outcome.points_delta == points
    # Balances: the model's, and the start plus every accepted delta.
    for member_id, start in s.members.items():
        final = result.members.get(member_id, start)
        moved = sum(
            a.outcome.points_delta
            for a in result.applied
            if a.outcome.member_id == member_id and a.outcome.status == "accepted"
        )
        assert final.balance == start.balance + moved == s.model.balance[member_id]
        assert final.lifetime_points == s.model.lifetime[member_id]
        assert final.tier == DEFAULT_PROGRAM.tier_for(final.lifetime_points).code
    for coupon_id, (_owner, status) in s.model.coupons.items():
        assert result.coupons.get(coupon_id, s.coupons[coupon_id]).status == status


@settings(max_examples=120, deadline=None)
@given(balances=balances, history=history, plan=ops, data=st.data())
def test_replaying_any_subset_changes_nothing(
    balances: list[tuple[int, int, bool, int]],
    history: list[tuple[int, int]],
    plan: list[Any],
    data: st.DataObject,
) -> None:
    s = scenario(balances, history, plan)
    first = run(s)
    base = 1_000
    stored = {
        a.event.event_id: StoredOutcome(
            content_hash=a.event.content_hash,
            status=a.outcome.status,
            code=a.outcome.code,
            member_balance=a.outcome.balance,
            member_version=base + a.outcome.slot if a.outcome.slot is not None else None,
            overdraft=a.outcome.overdraft,
        )
        for a in first.applied
    }
    after = {**s.members, **first.members}
    coupons = {**s.coupons, **first.coupons}
    subset = data.draw(st.permutations(s.events).flatmap(lambda p: st.just(p[: len(p) // 2 + 1])))
    replay = [e for e in subset if e.event_id in stored]
    state = loaded(after, coupons, s.targets, s.voided_before, replay, known=stored)
    second = ledger.apply_batch(state, replay)
    assert not second.applied
    assert not second.members
    assert not second.coupons
    assert second.slot_count == 0
    for answer in second.answers:
        original = stored[answer.event.event_id]
        assert answer.kind == (
            "stored" if answer.event.content_hash == original.content_hash else "conflict"
        )


@settings(max_examples=120, deadline=None)
@given(balances=balances, history=history, plan=ops)
def test_coupons_once_voids_exact_overdrafts_flagged_versions_in_order(
    balances: list[tuple[int, int, bool, int]], history: list[tuple[int, int]], plan: list[Any]
) -> None:
    s = scenario(balances, history, plan)
    result = run(s)
    outcomes = {a.event.event_id: a for a in result.applied}
    redeemed: dict[str, int] = {}
    for a in result.applied:
        o = a.outcome
        if o.status != "accepted":
            continue
        if isinstance(a.event.data, CouponRedeemedData):
            coupon = str(a.event.data.coupon_id)
            redeemed[coupon] = redeemed.get(coupon, 0) + 1
        if isinstance(a.event.data, EventVoidedData):
            target_id = str(a.event.data.voided_event_id)
            target = outcomes[target_id].outcome if target_id in outcomes else s.targets[target_id]
            assert o.points_delta == -target.points_delta
            assert o.lifetime_delta == -target.lifetime_delta
            if target_id in outcomes and isinstance(
                outcomes[target_id].event.data, CouponRedeemedData
            ):
                coupon = str(outcomes[target_id].event.data.coupon_id)  # type: ignore[union-attr]
                redeemed[coupon] -= 1
        if isinstance(a.event.data, PointsRedeemedData):
            assert o.overdraft == (o.balance is not None and o.balance < 0)
    assert all(count <= 1 for count in redeemed.values())
    slots = [
        a.outcome.slot
        for a in result.applied
        if a.outcome.slot is not None and not isinstance(a.event.data, CouponRedeemedData)
    ]
    assert slots == sorted(slots)
    assert len(set(slots)) == len(slots)
    assert sorted(c.slot for c in result.changes) == sorted({c.slot for c in result.changes})
    assert result.terminal.watermark == len({e.seq for e in s.events})
