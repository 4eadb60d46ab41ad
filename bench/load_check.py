"""Reconciliation after a load run, read straight from the server's database.

1. Exactly once: the events each terminal created are on the server once each (same
   event_id, same seq), nothing else of that terminal is there, and the outcome the
   terminal settled (accepted or rejected with a code) is the ledger's.
2. Ledger: every member's balance equals the effects of its accepted events,
   recomputed here from the stored payloads (not from the server's own delta column).
3. Convergence: after a final sync every terminal's view of every member it holds
   equals the server's balance, with nothing pending.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, text

from sync_server.db import Database


@dataclass
class Report:
    terminals: int = 0
    events_checked: int = 0
    members_checked: int = 0
    views_checked: int = 0
    problems: list[str] = field(default_factory=list)

    def fail(self, message: str) -> None:
        if len(self.problems) < 50:
            self.problems.append(message)
        elif len(self.problems) == 50:
            self.problems.append("... more problems left out")

    @property
    def ok(self) -> bool:
        return not self.problems


def server_events(database: Database, terminal_ids: list[str]) -> dict[str, list[Any]]:
    query = text(
        "SELECT terminal_id, event_id, seq, status, code FROM events WHERE terminal_id IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    found: dict[str, list[Any]] = defaultdict(list)
    with database.read() as session:
        for start in range(0, len(terminal_ids), 500):
            for row in session.execute(query, {"ids": terminal_ids[start : start + 500]}):
                found[str(row[0])].append(row)
    return found


def check_exactly_once(
    database: Database,
    created: dict[str, dict[str, int]],
    outcomes: dict[str, dict[str, str]],
    report: Report,
) -> None:
    """created: terminal_id -> {event_id: seq}; outcomes: terminal_id -> {event_id: status}
    where status is "accepted", "rejected:<code>", or (real tills) "acknowledged"/"rejected"."""
    on_server = server_events(database, list(created))
    for terminal_id, mine in created.items():
        report.terminals += 1
        rows = on_server.get(terminal_id, [])
        held: dict[str, tuple[int, str, str | None]] = {}
        for row in rows:
            if str(row[1]) in held:
                report.fail(f"{terminal_id}: event {row[1]} stored twice")
            held[str(row[1])] = (int(row[2]), str(row[3]), row[4])
        seqs = [seq for seq, _, _ in held.values()]
        if len(seqs) != len(set(seqs)):
            report.fail(f"{terminal_id}: a seq is stored twice")
        for event_id, seq in mine.items():
            report.events_checked += 1
            got = held.pop(event_id, None)
            if got is None:
                report.fail(f"{terminal_id}: event {event_id} (seq {seq}) LOST")
                continue
            if got[0] != seq:
                report.fail(f"{terminal_id}: event {event_id} has seq {got[0]}, made {seq}")
            _compare_outcome(terminal_id, event_id, got, outcomes[terminal_id], report)
        for event_id, (seq, _, _) in held.items():
            report.fail(f"{terminal_id}: server holds {event_id} (seq {seq}) it never made")
        if sorted(mine.values()) != list(range(1, len(mine) + 1)):
            report.fail(f"{terminal_id}: its own seqs have gaps")


def _compare_outcome(
    terminal_id: str,
    event_id: str,
    got: tuple[int, str, str | None],
    outcomes: dict[str, str],
    report: Report,
) -> None:
    settled = outcomes.get(event_id)
    if settled is None or settled == "pending":
        report.fail(f"{terminal_id}: event {event_id} still pending after the final sync")
        return
    status = "accepted" if settled in ("accepted", "acknowledged") else "rejected"
    if got[1] != status:
        report.fail(f"{terminal_id}: {event_id} settled {settled}, ledger says {got[1]}")
    if settled.startswith("rejected:") and settled != f"rejected:{got[2]}":
        report.fail(f"{terminal_id}: {event_id} settled {settled}, ledger code {got[2]}")


def _effects(rows: list[Any]) -> dict[str, int]:
    """member_id -> balance recomputed from accepted events' payloads."""
    effect: dict[str, int] = {}
    member_of: dict[str, str] = {}
    voids: list[tuple[str, str]] = []
    for event_id, member_id, type_, payload in rows:
        data = json.loads(payload)["data"]
        event_id, member_id = str(event_id), str(member_id)
        member_of[event_id] = member_id
        if type_ in ("points.earned", "points.adjusted"):
            effect[event_id] = int(data["points"])
        elif type_ in ("points.redeemed", "points.expired"):
            effect[event_id] = -int(data["points"])
        elif type_ == "event.voided":
            voids.append((event_id, str(data["voided_event_id"])))
        else:
            effect[event_id] = 0
    for event_id, target in voids:
        effect[event_id] = -effect.get(target, 0)
    balances: dict[str, int] = defaultdict(int)
    for event_id, points in effect.items():
        balances[member_of[event_id]] += points
    return balances


def check_ledger(database: Database, report: Report) -> dict[str, int]:
    """Every member's balance against its accepted events; returns the balances."""
    with database.read() as session:
        rows = session.execute(
            text(
                "SELECT event_id, member_id, type, payload FROM events "
                "WHERE status = 'accepted' ORDER BY received_at"
            )
        ).all()
        members = {
            str(r[0]): (int(r[1]), str(r[2]))
            for r in session.execute(text("SELECT id, balance, status FROM members"))
        }
        types = {str(r[0]) for r in session.execute(text("SELECT DISTINCT type FROM events"))}
    unknown = types - {
        "member.enrolled",
        "member.updated",
        "points.earned",
        "points.redeemed",
        "points.adjusted",
        "points.expired",
        "coupon.redeemed",
        "event.voided",
    }
    if unknown:
        report.fail(f"ledger holds event types this check does not know: {sorted(unknown)}")
    recomputed = _effects(list(rows))
    for member_id, (balance, _status) in members.items():
        report.members_checked += 1
        if recomputed.get(member_id, 0) != balance:
            report.fail(
                f"member {member_id}: balance {balance}, its events sum to "
                f"{recomputed.get(member_id, 0)}"
            )
    for member_id in set(recomputed) - set(members):
        if recomputed[member_id]:
            report.fail(f"events of member {member_id}, who is not on the server")
    return {m: b for m, (b, _) in members.items()}


def check_views(
    name: str, view: dict[str, tuple[int, int]], server: dict[str, int], report: Report
) -> None:
    """view: member_id -> (balance the terminal holds, its pending points)."""
    missing = set(server) - set(view)
    if missing:
        report.fail(f"{name}: does not hold {len(missing)} members, e.g. {min(missing)}")
    for member_id, (balance, pending) in view.items():
        report.views_checked += 1
        if pending:
            report.fail(f"{name}: member {member_id} still has {pending} pending points")
        if member_id not in server:
            report.fail(f"{name}: holds member {member_id} the server does not have")
        elif server[member_id] != balance:
            report.fail(
                f"{name}: member {member_id} shows {balance}, server has {server[member_id]}"
            )


# Rejections a correct till can meet: two stores redeeming one coupon while offline
# (the second loses the race). Any other rejection means a till or the server is wrong.
EXPECTED_REJECTIONS = frozenset({"coupon_unavailable"})


def check_rejections(
    database: Database, full_terminals: set[str], report: Report
) -> dict[str, dict[str, int]]:
    """The ledger's rejections by code, for the simulated and the full terminals apart;
    any code outside EXPECTED_REJECTIONS is a problem."""
    found: dict[str, dict[str, int]] = {"simulated": {}, "full": {}}
    with database.read() as session:
        rows = session.execute(
            text(
                "SELECT terminal_id, code, COUNT(*) FROM events WHERE status = 'rejected' "
                "AND terminal_id IS NOT NULL GROUP BY terminal_id, code"
            )
        ).all()
    for terminal_id, code, count in rows:
        kind = "full" if str(terminal_id) in full_terminals else "simulated"
        found[kind][str(code)] = found[kind].get(str(code), 0) + int(count)
    for kind, codes in found.items():
        for code, count in sorted(codes.items()):
            if code not in EXPECTED_REJECTIONS:
                report.fail(f"{count} events of {kind} terminals rejected with {code}")
    return found
