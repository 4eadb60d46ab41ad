"""The points of a sale at this till, promotions included, and why.

``SalesService.earn`` and its preview both call :func:`sale_breakdown`, which calls the
program's own ``earn_breakdown`` (``shared.domain.promotions``), the function the server
recomputes a claim with. The till passes what it knows of the member: a first purchase
(no lifetime points and no earn recorded here), the days since its last earn here. It
does not hold birthdays (PROTOCOL.md: none reach a till), so a birthday promotion
applies only at the server's word (docs/PROGRAM.md). A promotion whose trigger limit
this member reached by the earns this till knows of does not apply.

It reads on the replica's DB-API connection, in the caller's transaction, and only what
the program's promotions ask: the earn history for a welcome or win-back promotion, the
days a limited promotion was received for a trigger limit.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from shared.domain.business_day import business_date
from shared.domain.program import LoyaltyProgram
from shared.domain.promotions import EarnBreakdown, MemberFacts, local_wall_time, used_up
from terminal.offline.repositories.earn_history import StorePlace, earn_history, promotion_days


def sale_breakdown(
    connection: sqlite3.Connection,
    program: LoyaltyProgram,
    member_id: str,
    lifetime: int,
    amount_cents: int,
    now: datetime,
    place: StorePlace,
    *,
    language: str = "",
    currency: str | None = None,
    basis: int | None = None,
) -> EarnBreakdown:
    """The earn of ``amount_cents`` for this member now, at its tier before the sale
    (``lifetime``: the server's lifetime points plus this till's pending earns), in the
    store ``place``; ``currency``: the store's, which picks the program's earn units for
    it (``LoyaltyProgram.units``). ``basis``: the points the tier held before the sale
    stands for, when tiers go by period (``views.tier_basis``); else ``lifetime``."""
    tier = lifetime if basis is None else basis
    if not program.promotions:
        return EarnBreakdown(program.points_for_sale(amount_cents, tier, currency), ())
    return program.earn_breakdown(
        amount_cents,
        tier,
        local_time=local_wall_time(now, place.timezone),
        store_code=place.store_code,
        member=member_facts(connection, program, member_id, lifetime, now),
        exhausted=used_here(connection, program, place, member_id, now),
        language=language,
        currency=currency,
    )


def member_facts(
    connection: sqlite3.Connection,
    program: LoyaltyProgram,
    member_id: str,
    lifetime: int,
    now: datetime,
) -> MemberFacts:
    """What this till knows of the member, read only when a promotion asks (welcome,
    win-back): a first purchase (no lifetime points, no earn recorded here), the days
    since its last earn here (None, unknown, if none)."""
    if not any(p.welcome or p.win_back_days is not None for p in program.promotions):
        return MemberFacts()
    history = earn_history(connection, member_id)
    seen = None
    if history.last_at is not None:
        seen = max((now - history.last_at).days, 0)
    return MemberFacts(
        birthday_month=None,
        first_purchase=lifetime == 0 and history.count == 0,
        days_since_seen=seen,
    )


def used_here(
    connection: sqlite3.Connection,
    program: LoyaltyProgram,
    store: StorePlace,
    member_id: str,
    now: datetime,
) -> frozenset[str]:
    """The promotions whose trigger limit this member reached by the earns this till
    knows of (the server counts every till's, and settles the rest)."""
    limited = [p for p in program.promotions if p.limit is not None]
    if not limited:
        return frozenset()
    today = business_date(now, store.timezone, store.closing_time)
    days = promotion_days(connection, member_id, [p.code for p in limited])
    return used_up(limited, today, lambda code: days.get(code, ()))
