"""The figures of one terminal's business day, added up the same way on both sides.

The terminal sends them with its day close; the server adds up the events it holds for
the same seqs and compares. Both call :func:`day_totals`, so a difference always means
different events, never different arithmetic.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


def event_digest(event_ids: Iterable[str]) -> str:
    """Hex SHA-256 over the sorted event ids joined by newlines."""
    return hashlib.sha256("\n".join(sorted(event_ids)).encode("ascii")).hexdigest()


@dataclass(frozen=True, slots=True)
class DayEvent:
    """What the day's figures need of one wire event."""

    event_id: str
    seq: int
    type: str
    data: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> DayEvent:
        """From an event as it travels (PROTOCOL.md's event shape)."""
        return cls(
            event_id=str(payload["event_id"]),
            seq=int(payload["seq"]),
            type=str(payload["type"]),
            data=payload.get("data") or {},
        )


@dataclass(frozen=True, slots=True)
class DayTotals:
    first_seq: int
    last_seq: int
    counts: dict[str, int]
    points_earned: int
    points_redeemed: int
    amount_cents: int
    event_digest: str

    def figures(self) -> dict[str, Any]:
        """The figures a day close compares (not the seq range, which selects the events)."""
        return {
            "counts": {kind: n for kind, n in self.counts.items() if n},
            "points_earned": self.points_earned,
            "points_redeemed": self.points_redeemed,
            "amount_cents": self.amount_cents,
            "event_digest": self.event_digest,
        }


def day_totals(events: Iterable[DayEvent]) -> DayTotals:
    """Counts by type, points earned and redeemed, sale amounts and the digest of a day.

    Every event counts as sent, voids included: a void is an event of its own, and the
    figures describe what travelled, not what still stands.
    """
    seqs: list[int] = []
    ids: list[str] = []
    counts: Counter[str] = Counter()
    earned = redeemed = amount = 0
    for event in events:
        seqs.append(event.seq)
        ids.append(event.event_id)
        counts[event.type] += 1
        if event.type == "points.earned":
            earned += int(event.data["points"])
            amount += int(event.data["amount_cents"])
        elif event.type == "points.redeemed":
            redeemed += int(event.data["points"])
    return DayTotals(
        first_seq=min(seqs, default=0),
        last_seq=max(seqs, default=0),
        counts=dict(counts),
        points_earned=earned,
        points_redeemed=redeemed,
        amount_cents=amount,
        event_digest=event_digest(ids),
    )
