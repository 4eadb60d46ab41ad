"""Which published rule version is in force for a store at a time (scheduled and staged
publishing). The till and the server both decide with these functions: the till to
choose the program it applies, the server to choose what it accepts.

A roll-out says that a rule version applies to a store (or to every store) from
``effective_from`` (None: at once, from the moment it is received). The version in force
for a store at ``at`` is the highest rule version with a roll-out to that store or to all
whose ``effective_from`` is not after ``at``. A till's earn at ``at`` stands under any
version that had been in force for its store by then: a till that has not synced since
a newer version came into force still applies the older one, as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Rollout:
    rule_version: int
    effective_from: datetime | None = None  # None: at once
    store_code: str | None = None  # None: every store


def for_store(rollouts: Iterable[Rollout], store_code: str | None) -> list[Rollout]:
    """The roll-outs that reach ``store_code``: its own and those to every store."""
    return [r for r in rollouts if r.store_code is None or r.store_code == store_code]


def started(rollout: Rollout, at: datetime) -> bool:
    return rollout.effective_from is None or rollout.effective_from <= at


def in_force(rollouts: Iterable[Rollout], at: datetime) -> int | None:
    """The highest rule version whose roll-out has started by ``at`` (roll-outs of one
    store, see ``for_store``); None if none has."""
    versions = [r.rule_version for r in rollouts if started(r, at)]
    return max(versions) if versions else None


def applied_by(rollouts: Iterable[Rollout], rule_version: int, at: datetime) -> bool:
    """Whether ``rule_version`` had come into force for the store by ``at`` (so that an
    earn made at ``at`` under it stands)."""
    return any(r.rule_version == rule_version and started(r, at) for r in rollouts)


def earliest_start(first: datetime | None, second: datetime | None) -> datetime | None:
    """When a till applies a version it received twice (its store's staged roll-out and
    the roll-out to every store): the earlier of the two, None (at once) first."""
    if first is None or second is None:
        return None
    return min(first, second)
