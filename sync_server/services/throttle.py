"""Throttling of guessable secrets (sign-in passwords, pairing codes) with growing delays.

Every attempt is counted *before* its secret is checked, in the same write transaction
that reads the count (the row is locked), so concurrent guesses cannot slip past the
limit. A key (e.g. ``pair:ADDRESS``) may try ``free`` times; the attempt that reaches
``free`` failures makes the key wait ``base`` seconds, and every further failure doubles
the wait up to ``longest``. A key is forgotten after ``forget_after`` seconds without a
failure. Nothing is ever locked for good: the wait is short, known, and stated in the
answer (``Retry-After``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from sync_server.repositories import throttles as repo


@dataclass(frozen=True, slots=True)
class Policy:
    free: int
    base_seconds: float
    longest_seconds: float
    forget_after_seconds: float

    def wait(self, failures: int) -> float:
        """The wait after ``failures`` failures (0 below ``free``)."""
        if failures < self.free:
            return 0.0
        growth = 2.0 ** min(failures - self.free, 40)
        return float(min(self.base_seconds * growth, self.longest_seconds))


def attempt(session: Session, keys: Sequence[tuple[str, Policy]], now: datetime) -> int | None:
    """Count one attempt on every key, or refuse it: the seconds to wait (no key counted)
    when one of them is still waiting, else ``None`` (go on and check the secret)."""
    rows = [(repo.locked(session, key, now), policy) for key, policy in keys]
    waits = [row.blocked_until for row, _ in rows if row.blocked_until and row.blocked_until > now]
    if waits:
        return max(1, math.ceil((max(waits) - now).total_seconds()))
    for row, policy in rows:
        if now - row.last_failure_at > timedelta(seconds=policy.forget_after_seconds):
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        wait = policy.wait(row.failures)
        row.blocked_until = now + timedelta(seconds=wait) if wait else None
    return None


def succeeded(
    session: Session,
    now: datetime,
    forget: Sequence[str],
    uncount: Sequence[tuple[str, Policy]] = (),
) -> None:
    """The secret was right: ``forget`` keys start afresh; ``uncount`` keys (shared by
    several people, e.g. an address) take this attempt back."""
    for key in forget:
        repo.forget(session, key)
    for key, policy in uncount:
        row = repo.locked(session, key, now)
        row.failures = max(0, row.failures - 1)
        if policy.wait(row.failures) == 0:
            row.blocked_until = None


# Rows of every kind are purged after this long without a failure (longer than any
# policy's forget_after_seconds, so a purge never forgets a count still in force).
PURGE_AFTER_SECONDS = 86_400.0


def purge(session: Session, now: datetime, keep_seconds: float = PURGE_AFTER_SECONDS) -> None:
    repo.purge(session, now - timedelta(seconds=max(keep_seconds, PURGE_AFTER_SECONDS)))
