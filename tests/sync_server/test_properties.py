"""Property: whatever the batch boundaries and however often batches are re-pushed, each
event applies once and the balance equals the sum of the accepted events."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.domain.program import DEFAULT_PROGRAM
from sync_server.config import Settings
from sync_server.db import Database
from tests.sync_server.helpers import pair_terminal, pull_all, push

operations = st.lists(
    st.one_of(
        st.tuples(st.just("earn"), st.integers(100, 500_000)),
        st.tuples(st.just("redeem"), st.integers(1, 3_000)),
        st.tuples(st.just("adjust"), st.integers(-500, 500).filter(bool)),
        st.tuples(st.just("void"), st.integers(0, 30)),
    ),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ops=operations,
    cuts=st.lists(st.integers(1, 6), max_size=10),
    repeats=st.lists(st.integers(0, 20), max_size=6),
)
def test_balance_is_the_sum_of_accepted_events(
    client: TestClient,
    database: Database,
    settings: Settings,
    ops: list[tuple[str, int]],
    cuts: list[int],
    repeats: list[int],
) -> None:
    paired = pair_terminal(client, database, settings)
    ev = paired.events
    enrol = ev.enrol(phone="13912345678")
    member = enrol["member_id"]
    events: list[dict[str, Any]] = [enrol]
    lifetime = 0
    for kind, value in ops:
        if kind == "earn":
            points = DEFAULT_PROGRAM.points_for_sale(value, lifetime)
            lifetime += points  # the server may void some later; only order matters here
            events.append(ev.earn(member, value, points))
        elif kind == "redeem":
            events.append(ev.redeem(member, value))
        elif kind == "adjust":
            events.append(ev.adjust(member, value))
        else:
            events.append(ev.void(member, events[value % len(events)]["event_id"]))
    batches, start = [], 0
    for cut in [*cuts, len(events)]:
        if start < len(events):
            batches.append(events[start : start + cut] if cut < len(events) else events[start:])
            start += len(batches[-1])
    if start < len(events):
        batches.append(events[start:])
    first: dict[str, dict[str, Any]] = {}
    for index, batch in enumerate(batches):
        for result in push(client, paired, batch)["results"]:
            first.setdefault(result["event_id"], result)
        for again in repeats:  # re-push an earlier batch: nothing changes
            if again <= index:
                for result in push(client, paired, batches[again])["results"]:
                    original = first[result["event_id"]]
                    assert result["status"] in ("duplicate", "rejected")
                    assert result.get("code") == original.get("code")
                    assert result.get("member_balance") == original.get("member_balance")
    accepted = [r for r in first.values() if r["status"] == "accepted"]
    by_id = {e["event_id"]: e for e in events}
    delta: dict[str, int] = {}
    for event in events:  # the effect of each accepted event, in order
        if first[event["event_id"]]["status"] != "accepted":
            continue
        data = event["data"]
        if event["type"] in ("points.earned", "points.adjusted"):
            delta[event["event_id"]] = data["points"]
        elif event["type"] == "points.redeemed":
            delta[event["event_id"]] = -data["points"]
        elif event["type"] == "event.voided":
            delta[event["event_id"]] = -delta.get(data["voided_event_id"], 0)
    assert by_id
    state, _ = pull_all(client, paired)
    final = state[("member", member)]["data"]["balance"]
    last = max(accepted, key=lambda r: r["member_version"])
    assert final == last["member_balance"] == sum(delta.values())
    # Replaying everything again is a no-op.
    for batch in batches:
        push(client, paired, batch)
    assert pull_all(client, paired)[0][("member", member)]["data"]["balance"] == final
