"""A program whose tiers go by period, at the till's services: the tier from the server's
monthly totals and the till's pending earns (offline), the earn at the tier held, the
slip's kept-until line, and an acknowledged earn folded into the totals."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from shared.domain.program import DEFAULT_PROGRAM, LoyaltyProgram
from shared.domain.tier_rules import month_index, tier_standing, totals_of
from terminal.offline.models import Member
from terminal.services.slip_content import SlipWording, compose_slip
from tests.terminal.conftest import Till

TODAY = date(2026, 3, 10)  # the fake clock's day (UTC)
KEPT = date(2028, 1, 31)  # the end of 2027, then a month of grace
RULES = {"basis": "calendar", "period_months": 12, "grace_months": 1}


def install(till: Till) -> LoyaltyProgram:
    body = {**DEFAULT_PROGRAM.model_dump(mode="json"), "rule_version": 2, "tier_rules": RULES}
    program = LoyaltyProgram.model_validate(body)
    till.sync.apply_changes(
        [{"entity": "program", "op": "upsert", "id": "2", "version": 2,
          "data": program.model_dump(mode="json")}]
    )  # fmt: skip
    return program


def receive(till: Till, member_id: str, tier_points: str, lifetime: int) -> int:
    """The server's change of the member (a pull), a newer version; returns it."""
    with till.replica.read() as session:
        member = session.get(Member, member_id)
        assert member is not None
        data = {
            "member_id": member.member_id,
            "member_code": member.member_code,
            "display_name": member.display_name,
            "phone_last4": member.phone_last4,
            "phone_hash": "",
            "tier": "silver",
            "balance": member.balance,
            "lifetime_points": lifetime,
            "status": "active",
            "tier_points": tier_points,
        }
        version = member.version + 5
    till.sync.apply_changes(
        [{"entity": "member", "op": "upsert", "id": member_id, "version": version,
          "data": data}]
    )  # fmt: skip
    return version


def test_offline_earns_raise_the_tier_as_the_server_would(till: Till) -> None:
    program = install(till)
    member_id = till.seed.members[0].member_id
    # last year's 1,200 (kept to the end of this year and January) and 300 this March
    last_year = month_index(date(2025, 6, 1))
    receive(till, member_id, f"{last_year}:1200 {month_index(TODAY)}:300", 9000)
    view = till.services.lookup.member(member_id)
    assert (view.tier, view.tier_until) == ("silver", date(2027, 1, 31))

    # ¥4,000 at Silver (x1.25): 5,000; 5,300 this year is Gold, kept to January 2028
    receipt = till.services.sales.earn(
        till.cashier(), member_id, amount_cents=400_000, sale_ref="T-1"
    )
    assert receipt.points_delta == 5000
    assert (receipt.member.tier, receipt.member.tier_until) == ("gold", KEPT)
    server = tier_standing(
        program.rules_for_tiers,
        (0, 1000, 5000),
        totals_of([(date(2025, 6, 1), 1200), (TODAY, 300), (TODAY, 5000)]),
        TODAY,
    )
    assert (server.tier, server.kept_until) == (2, KEPT)  # the server's count agrees

    slip = compose_slip(
        till.services.slips.facts(receipt.event_id),
        SlipWording(tier="<TIER>", tier_until="<UNTIL %1>"),
    )
    shown = [(line.text, line.value) for line in slip.lines]
    assert ("<TIER>", "Gold") in shown  # the tier held, not lifetime progress
    assert (f"<UNTIL {KEPT.isoformat()}>", "") in shown

    # the server acknowledges the earn at a version the pull will not resend: the
    # replica folds it into the member's totals, and the tier stays
    with till.replica.read() as session:
        version = session.scalar(select(Member.version).where(Member.member_id == member_id))
    till.sync.apply_push_results(
        [{"event_id": receipt.event_id, "status": "accepted", "member_balance": 1,
          "member_version": (version or 0) + 1, "member_lifetime_points": 14_000}],
        watermark=1,
    )  # fmt: skip
    view = till.services.lookup.member(member_id)
    assert view.pending_points == 0
    assert (view.tier, view.tier_until) == ("gold", KEPT)
    with till.replica.read() as session:
        member = session.get(Member, member_id)
        assert member is not None
        assert member.tier_points == f"{last_year}:1200 {month_index(TODAY)}:5300"

    # on the day after the grace, with nothing more earned, the till lowers it itself
    till.clock.advance(days=(KEPT - TODAY).days + 1)
    view = till.services.lookup.member(member_id)
    assert (view.tier, view.tier_until) == ("member", None)
    till.clock.advance(days=-1)
    assert till.services.lookup.member(member_id).tier == "gold"


def test_a_lifetime_program_is_as_before(till: Till) -> None:
    member_id = till.seed.members[0].member_id
    view = till.services.lookup.member(member_id)
    assert view.tier_until is None
    assert view.tier == DEFAULT_PROGRAM.tier_for(view.lifetime_points).code
