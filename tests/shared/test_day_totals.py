"""Day-close figures: the till's summary and the server's comparison use one function.

Random business days are summed by the till (what it sends) and compared by the server
(what it holds); an independent sum checks the arithmetic itself.
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from shared.protocol import event_digest
from sync_server.services.day_close import compare_day
from terminal.services.day_close_store import summarise

_DAY = date(2026, 12, 1)


@st.composite
def _days(draw: st.DrawFn) -> list[dict[str, Any]]:
    kinds = st.sampled_from(
        ["points.earned", "points.redeemed", "points.adjusted", "coupon.redeemed", "event.voided"]
    )
    events = []
    for seq in range(1, draw(st.integers(0, 30)) + 1):
        kind = draw(kinds)
        data: dict[str, Any] = {}
        if kind == "points.earned":
            data = {
                "points": draw(st.integers(0, 10_000)),
                "amount_cents": draw(st.integers(0, 10_000_000)),
            }
        elif kind == "points.redeemed":
            data = {"points": draw(st.integers(1, 5_000)), "value_cents": 100}
        elif kind == "points.adjusted":
            data = {"points": draw(st.integers(-500, 500)), "reason": "x"}
        events.append({"event_id": str(uuid.uuid4()), "seq": seq, "type": kind, "data": data})
    return events


def _held(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The server's rows for those events (repositories.events.terminal_range's shape)."""
    return [
        {
            "event_id": e["event_id"],
            "seq": e["seq"],
            "type": e["type"],
            "status": "accepted",
            "payload": json.dumps(e),
        }
        for e in events
    ]


@given(_days())
def test_the_till_and_the_server_agree_on_every_day(events: list[dict[str, Any]]) -> None:
    sent = summarise(_DAY, events)
    status, missing, _details = compare_day(sent, _held(events))
    assert (status, missing) == ("matched", [])
    # The arithmetic itself, summed independently of the shared function.
    earned = [e["data"] for e in events if e["type"] == "points.earned"]
    redeemed = [e["data"] for e in events if e["type"] == "points.redeemed"]
    assert sent.points_earned == sum(d["points"] for d in earned)
    assert sent.amount_cents == sum(d["amount_cents"] for d in earned)
    assert sent.points_redeemed == sum(d["points"] for d in redeemed)
    assert sum(sent.counts.values()) == len(events)
    assert sent.event_digest == event_digest([e["event_id"] for e in events])
    assert (sent.first_seq, sent.last_seq) == ((1, len(events)) if events else (0, 0))


@given(_days().filter(lambda events: len(events) >= 2), st.data())
def test_a_day_the_server_holds_differently_never_matches(
    events: list[dict[str, Any]], data: st.DataObject
) -> None:
    sent = summarise(_DAY, events)
    index = data.draw(st.integers(0, len(events) - 1))
    changed = [dict(e) for e in events]
    if data.draw(st.booleans()):
        del changed[index]  # an event the server never received
        status, _, _ = compare_day(sent, _held(changed))
        assert status == "pending"
    else:
        changed[index]["event_id"] = str(uuid.uuid4())  # a different event under that seq
        status, _, details = compare_day(sent, _held(changed))
        assert status == "mismatch"
        assert "event_digest" in details["differences"]
