"""At the till: earn points for a sale, redeem points, redeem a coupon.

Each public method is one write transaction: the checks, the event, its effect on the
replica and its outbox row. A refusal raises before anything is flushed, and the
transaction is rolled back, so nothing changes.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from shared.domain.money import check_int
from shared.domain.program import LoyaltyProgram, RedeemLimits
from shared.domain.promotions import EarnBreakdown
from shared.domain.tier_rules import utc_day
from terminal.offline.clock import from_text
from terminal.offline.outbox import NewEvent, append_event, record_event
from terminal.offline.repositories import (
    CouponRepository,
    EventRepository,
    MemberHit,
    ProgramRepository,
    StoreRepository,
    TerminalStateRepository,
)
from terminal.offline.repositories.earn_history import StorePlace, record_promotions
from terminal.offline.repositories.hot import program_of, sale_context
from terminal.offline.repositories.store import no_store, not_paired
from terminal.services.base import (
    Service,
    check_member,
    check_staff,
    require_member,
    require_staff,
    store_day,
    view_after,
)
from terminal.services.earn_rules import sale_breakdown
from terminal.services.errors import CouponUnavailable, DuplicateSale
from terminal.services.inputs import clean_sale_ref, event_key, member_key
from terminal.services.views import MemberView, Receipt, StaffSession, tier_basis


def earn_points(
    program: LoyaltyProgram, hit: MemberHit, amount_cents: int, today: date | None = None
) -> int:
    """Points for a sale at the member's tier before it: server lifetime + pending earns."""
    member, pending = hit
    basis = member.lifetime_points + pending.lifetime
    if program.rules_for_tiers.by_period:
        basis = tier_basis(program, MemberView.build(member, pending, program, today))
    return program.points_for_sale(amount_cents, basis)


class SalesService(Service):
    def earn(
        self, staff: StaffSession, member_id: str, *, amount_cents: int, sale_ref: str
    ) -> Receipt:
        """Points for a sale, at the member's tier as it stood before this sale.

        Under a program without promotions: one durable transaction on the replica's
        DB-API connection: one statement reads what the checks need, three write the
        event, its outbox row and the next seq (the same rows ``record_event`` writes;
        refusals come in the same order). With promotions: ``_earn_with_promotions``."""
        mid = member_key(member_id)
        ref = clean_sale_ref(sale_ref)
        now = self.clock()
        with self.replica.write_driver() as connection:
            ctx = sale_context(
                connection,
                staff_id=staff.staff_id,
                member_id=mid,
                type_="points.earned",
                sale_ref=ref,
            )
            program = program_of(ctx.program_json)
            if not program.promotions:
                amount = program.check_sale_amount(amount_cents)
                check_staff(ctx.staff_active)
                check_member(mid, ctx.status, active=True)
                if ctx.duplicate:
                    raise DuplicateSale(f"Sale {ref} already earned points.", sale_ref=ref)
                lifetime = ctx.lifetime_points + ctx.pending_lifetime
                if program.rules_for_tiers.by_period:  # the tier held before the sale
                    before = MemberView.from_row(ctx.member_row(), program, utc_day(now))
                    lifetime = tier_basis(program, before)
                points = program.points_for_sale(amount, lifetime)
                if ctx.currency is None or ctx.timezone is None or ctx.closing_time is None:
                    raise no_store()
                if ctx.terminal_id is None or ctx.member_code_prefix is None:
                    raise not_paired()
                assert ctx.next_seq is not None
                event = append_event(
                    connection,
                    NewEvent(
                        type="points.earned",
                        member_id=mid,
                        staff_id=staff.staff_id,
                        data={
                            "sale_ref": ref,
                            "amount_cents": amount,
                            "currency": ctx.currency,
                            "points": points,
                            "rule_version": program.rule_version,
                        },
                        points_delta=points,
                        lifetime_delta=points,
                        amount_cents=amount,
                        sale_ref=ref,
                    ),
                    occurred_at=now,
                    seq=ctx.next_seq,
                    terminal_id=ctx.terminal_id,
                    timezone=ctx.timezone,
                    closing_time=ctx.closing_time,
                )
                row = ctx.member_row(points=points, lifetime=points)
                view = MemberView.from_row(row, program, utc_day(now))
                return Receipt(event.event_id, event.seq, event.type, points, None, view)
        return self._earn_with_promotions(staff, mid, ref, amount_cents, now)

    def _earn_with_promotions(
        self, staff: StaffSession, mid: str, ref: str, amount_cents: int, now: datetime
    ) -> Receipt:
        """``earn`` under a program with promotions: the rule reads what the till knows of
        the member (earn history, trigger counts), through the ORM session."""
        with self.replica.write() as session:
            program = ProgramRepository(session).current()
            amount = program.check_sale_amount(amount_cents)
            require_staff(session, staff)
            hit = require_member(session, mid, active=True)
            events = EventRepository(session)
            if events.find_sale(mid, "points.earned", ref) is not None:
                raise DuplicateSale(f"Sale {ref} already earned points.", sale_ref=ref)
            store = StoreRepository(session).require()
            currency = store.currency
            place = StorePlace(store.store_code, store.timezone, store.closing_time)
            earned = sale_breakdown(session, program, hit, amount, now, place=place)
            points = earned.total
            data: dict[str, object] = {
                "sale_ref": ref,
                "amount_cents": amount,
                "currency": currency,
                "points": points,
                "rule_version": program.rule_version,
            }
            if earned.parts:  # which promotions applied (the server weighs the claim)
                data["promotions"] = list(earned.codes)
            event = record_event(
                session,
                NewEvent(
                    type="points.earned",
                    member_id=mid,
                    staff_id=staff.staff_id,
                    data=data,
                    points_delta=points,
                    lifetime_delta=points,
                    amount_cents=amount,
                    sale_ref=ref,
                ),
                occurred_at=now,
            )
            limited = [p.code for p in program.promotions if p.limit and p.code in earned.codes]
            if limited:  # what this till counts against trigger limits while offline
                record_promotions(session, event, limited)
            view = view_after(hit, program, points=points, lifetime=points, today=self.today())
            return Receipt(event.event_id, event.seq, event.type, points, None, view)

    def earn_preview(self, member_id: str, amount_cents: int) -> int:
        """The points ``earn`` would award for this amount now (same rule, same tier)."""
        return self.earn_breakdown(member_id, amount_cents).total

    def earn_breakdown(
        self, member_id: str, amount_cents: int, *, language: str = ""
    ) -> EarnBreakdown:
        """What ``earn`` would award now and why: the base and each promotion, named in
        ``language`` ("zh_CN") where the program gives a name in it."""
        mid = member_key(member_id)
        with self.replica.read() as session:
            program = ProgramRepository(session).current()
            amount = program.check_sale_amount(amount_cents)
            hit = require_member(session, mid, active=True)
            return sale_breakdown(session, program, hit, amount, self.clock(), language=language)

    def redeem_limits(self, member_id: str, *, sale_amount_cents: int) -> RedeemLimits:
        """The most this member may redeem on this sale now, and which limit binds."""
        mid = member_key(member_id)
        with self.replica.read() as session:
            program = ProgramRepository(session).current()
            member, pending = require_member(session, mid)
            balance = member.balance + pending.points
            today = redeemed_today(session, mid, self.clock())
            return program.redeem_limits(
                balance=balance,
                sale_amount_cents=program.check_sale_amount(sale_amount_cents),
                offline_redeemed_today=self._offline(session, today),
                redeemed_today=today,
            )

    def redeem(
        self,
        staff: StaffSession,
        member_id: str,
        *,
        points: int,
        sale_amount_cents: int,
        sale_ref: str,
    ) -> Receipt:
        pts = check_int(points, what="Points", code="invalid_points")
        mid = member_key(member_id)
        ref = clean_sale_ref(sale_ref)
        now = self.clock()
        with self.replica.write() as session:
            program = ProgramRepository(session).current()
            amount = program.check_sale_amount(sale_amount_cents)
            require_staff(session, staff)
            hit = require_member(session, mid, active=True)
            member, pending = hit
            events = EventRepository(session)
            if events.find_sale(mid, "points.redeemed", ref) is not None:
                raise DuplicateSale(f"Sale {ref} already redeemed points.", sale_ref=ref)
            balance = member.balance + pending.points
            today = redeemed_today(session, mid, now)
            offline_today = self._offline(session, today)
            value = program.check_redeem(
                pts,
                balance=balance,
                sale_amount_cents=amount,
                offline_redeemed_today=offline_today,
                redeemed_today=today,
            )
            data: dict[str, object] = {
                "sale_ref": ref,
                "points": pts,
                "value_cents": value,
                "sale_amount_cents": amount,
            }
            if offline_today is not None:  # the server re-checks the offline daily cap
                data["offline"] = True
            event = record_event(
                session,
                NewEvent(
                    type="points.redeemed",
                    member_id=mid,
                    staff_id=staff.staff_id,
                    data=data,
                    points_delta=-pts,
                    amount_cents=amount,
                    sale_ref=ref,
                ),
                occurred_at=now,
            )
            view = view_after(hit, program, points=-pts, today=self.today())
            return Receipt(event.event_id, event.seq, event.type, -pts, value, view)

    def redeem_coupon(
        self, staff: StaffSession, member_id: str, *, coupon_id: str, sale_ref: str
    ) -> Receipt:
        """Use a coupon once: it must be available, this member's, and not expired."""
        mid = member_key(member_id)
        ref = clean_sale_ref(sale_ref)
        cid = event_key(coupon_id)
        now = self.clock()
        with self.replica.write() as session:
            require_staff(session, staff)
            hit = require_member(session, mid, active=True)
            coupon = CouponRepository(session).get(cid) if cid else None
            if (
                coupon is None
                or coupon.member_id != mid
                or coupon.status != "available"
                or (coupon.expires_at is not None and from_text(coupon.expires_at) <= now)
                or EventRepository(session).active_coupon_redemption(coupon.coupon_id)
            ):
                raise CouponUnavailable(
                    "This coupon cannot be used: it is used, expired or not this member's.",
                    coupon_id=str(coupon_id),
                )
            coupon.status = "redeemed"
            event = record_event(
                session,
                NewEvent(
                    type="coupon.redeemed",
                    member_id=mid,
                    staff_id=staff.staff_id,
                    data={"coupon_id": coupon.coupon_id, "sale_ref": ref},
                    coupon_id=coupon.coupon_id,
                ),
                occurred_at=now,
            )
            view = view_after(hit, ProgramRepository(session).current(), today=self.today())
            return Receipt(event.event_id, event.seq, event.type, 0, coupon.value_cents, view)

    @staticmethod
    def _offline(session: Session, today: int) -> int | None:
        """None when online (no offline cap); else the points redeemed here today."""
        return None if TerminalStateRepository(session).get().online else today


def redeemed_today(session: Session, member_id: str, now: datetime) -> int:
    """Points this member redeemed here this business day, not voided."""
    return EventRepository(session).redeemed_on(member_id, store_day(session, now))
