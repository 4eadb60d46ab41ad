"""The points of a sale at this till, promotions included, and why.

``SalesService.earn`` and its preview both call :func:`sale_breakdown`, which calls the
program's own ``earn_breakdown`` (``shared.domain.promotions``), the function the server
recomputes a claim with. The till passes what it knows of the member: a first purchase
(no lifetime points and no earn recorded here), the days since its last earn here. It
does not hold birthdays (PROTOCOL.md: none reach a till), so a birthday promotion
applies only at the server's word (docs/PROGRAM.md). A promotion whose trigger limit
this member reached by the earns this till knows of does not apply.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from shared.domain.business_day import business_date
from shared.domain.program import LoyaltyProgram
from shared.domain.promotions import EarnBreakdown, MemberFacts, local_wall_time, used_up
from shared.domain.tier_rules import utc_day
from terminal.offline.repositories import MemberHit, StoreRepository
from terminal.offline.repositories.earn_history import (
    StorePlace,
    earn_history,
    promotion_days,
    store_place,
)
from terminal.services.views import MemberView, tier_basis


def sale_breakdown(
    session: Session,
    program: LoyaltyProgram,
    hit: MemberHit,
    amount_cents: int,
    now: datetime,
    *,
    language: str = "",
    place: StorePlace | None = None,
) -> EarnBreakdown:
    """The earn of ``amount_cents`` for this member now, at its tier before the sale
    (the server's lifetime points plus this till's pending earns). ``place``: the
    store, when the caller has read it already."""
    member, pending = hit
    lifetime = member.lifetime_points + pending.lifetime
    basis = lifetime  # the tier before the sale: by lifetime points, or by period
    if program.rules_for_tiers.by_period:
        basis = tier_basis(program, MemberView.build(member, pending, program, utc_day(now)))
    if not program.promotions:
        return EarnBreakdown(program.points_for_sale(amount_cents, basis), ())
    store = place or store_place(session)
    if store is None:
        StoreRepository(session).require()  # raises terminal_not_configured
        raise AssertionError("unreachable")  # pragma: no cover
    return program.earn_breakdown(
        amount_cents,
        basis,
        local_time=local_wall_time(now, store.timezone),
        store_code=store.store_code,
        member=member_facts(session, program, member.member_id, lifetime, now),
        exhausted=used_here(session, program, store, member.member_id, now),
        language=language,
    )


def member_facts(
    session: Session, program: LoyaltyProgram, member_id: str, lifetime: int, now: datetime
) -> MemberFacts:
    """What this till knows of the member, read only when a promotion asks (welcome,
    win-back): a first purchase (no lifetime points, no earn recorded here), the days
    since its last earn here (None, unknown, if none)."""
    if not any(p.welcome or p.win_back_days is not None for p in program.promotions):
        return MemberFacts()
    history = earn_history(session, member_id)
    seen = None
    if history.last_at is not None:
        seen = max((now - history.last_at).days, 0)
    return MemberFacts(
        birthday_month=None,
        first_purchase=lifetime == 0 and history.count == 0,
        days_since_seen=seen,
    )


def used_here(
    session: Session,
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
    days = promotion_days(session, member_id, [p.code for p in limited])
    return used_up(limited, today, lambda code: days.get(code, ()))
