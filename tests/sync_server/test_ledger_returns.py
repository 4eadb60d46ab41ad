"""The pure ledger's returns case under hypothesis: a stored sale, random returns in
random pushes (as from several tills, in any order), each push starting from what the
earlier ones left (as the writer stores it). After every push, against a model written
from the rule (the share of the running total, rounded down): the amounts accepted never
add up to more than the sale, the balance and lifetime points are the start less the
points taken back plus the points given back, the tier follows, and the return that
finds less than it asks for is flagged ``return_over_sale``."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain.program import DEFAULT_PROGRAM
from shared.protocol import SaleReturnedData
from sync_server.services import ledger
from sync_server.services.sale_returns import SaleEvent, SaleReturnRecord
from tests.sync_server.test_ledger import incoming, loaded, member_state, uid

MEMBER = uid(1)
EARN, REDEEM = uid(2), uid(3)


@settings(max_examples=150, deadline=None)
@given(
    amount=st.integers(100, 500_000),
    earned=st.integers(0, 5_000),
    redeemed=st.integers(0, 5_000),
    pushes=st.lists(st.lists(st.integers(1, 300_000), min_size=1, max_size=4), max_size=5),
)
def test_returns_in_any_pushes_never_exceed_the_sale(
    amount: int, earned: int, redeemed: int, pushes: list[list[int]]
) -> None:
    start_balance, start_lifetime = 2_000, 1_000 + earned
    member = member_state(MEMBER, start_balance, start_lifetime, True)
    sales = {
        EARN: SaleEvent(EARN, "points.earned", MEMBER, "accepted", None, amount, earned, None),
        REDEEM: SaleEvent(
            REDEEM, "points.redeemed", MEMBER, "accepted", None, amount, redeemed, None
        ),
    }
    returned, seq, n = 0, 0, 100
    for asks in pushes:
        events = []
        for ask in asks:
            seq, n = seq + 1, n + 1
            data = SaleReturnedData(
                sale_ref="R", sale_event_id=EARN, redeemed_event_id=REDEEM, amount_cents=ask
            )
            events.append(incoming(uid(n), seq, "sale.returned", MEMBER, data))
        state = loaded({MEMBER: member}, {}, {}, {}, events)
        state = replace(state, sales=sales, returned={EARN: returned, REDEEM: returned})
        result = ledger.apply_batch(state, events)
        records = [r for r in result.extra if isinstance(r, SaleReturnRecord)]
        assert len(records) == len(asks)
        for answer, record, ask in zip(result.answers, records, asks, strict=True):
            outcome = answer.outcome
            assert outcome is not None
            assert outcome.status == "accepted"
            accepted = min(ask, amount - returned)
            assert (record.accepted_cents, record.excess_cents) == (accepted, ask - accepted)
            assert outcome.code == ("return_over_sale" if accepted < ask else None)
            returned += accepted
            taken = earned * returned // amount
            given_back = redeemed * returned // amount
            assert outcome.balance == start_balance - taken + given_back
            assert outcome.lifetime_points == start_lifetime - taken
        assert returned <= amount
        member = result.members[MEMBER]
        assert member.tier == DEFAULT_PROGRAM.tier_for(member.lifetime_points).code
