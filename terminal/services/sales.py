"""At the till: earn points for a sale, redeem points, redeem a coupon.

Each public method is one write transaction: the checks, the event, its effect on the
replica and its outbox row. A refusal raises before anything is flushed, and the
transaction is rolled back, so nothing changes.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from shared.domain.coupons import CouponTerms, coupon_refusal, discount_cents, normalize_coupon_code
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
from terminal.offline.repositories.earn_history import record_promotions
from terminal.offline.repositories.hot import preview_context, program_of, sale_context
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
from terminal.services.errors import (
    CouponRefused,
    CouponUnavailable,
    DuplicateSale,
    UnknownCoupon,
)
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

        One durable transaction on the replica's DB-API connection, with or without
        promotions: one statement reads what the checks need, three write the event,
        its outbox row and the next seq (the same rows ``record_event`` writes;
        refusals come in the same order). Promotions add only what they ask for: the
        member's earn history here (welcome, win-back), the days a limited promotion
        was received, and one row per limited promotion applied (``earn_promotions``)."""
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
            amount = program.check_sale_amount(amount_cents)
            check_staff(ctx.staff_active)
            check_member(mid, ctx.status, active=True)
            if ctx.duplicate:
                raise DuplicateSale(f"Sale {ref} already earned points.", sale_ref=ref)
            place = ctx.place()  # no_store
            lifetime = ctx.lifetime_points + ctx.pending_lifetime
            basis = None
            if program.rules_for_tiers.by_period:  # the tier held before the sale
                before = MemberView.from_row(ctx.member_row(), program, utc_day(now))
                basis = tier_basis(program, before)
            earned = sale_breakdown(
                connection,
                program,
                mid,
                lifetime,
                amount,
                now,
                place,
                currency=ctx.currency,
                basis=basis,
            )
            points = earned.total
            if ctx.currency is None:
                raise no_store()
            if ctx.terminal_id is None or ctx.member_code_prefix is None:
                raise not_paired()
            assert ctx.next_seq is not None
            data: dict[str, object] = {
                "sale_ref": ref,
                "amount_cents": amount,
                "currency": ctx.currency,
                "points": points,
                "rule_version": program.rule_version,
            }
            codes = earned.codes
            if codes:  # which promotions applied (the server weighs the claim)
                data["promotions"] = list(codes)
            event = append_event(
                connection,
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
                seq=ctx.next_seq,
                terminal_id=ctx.terminal_id,
                timezone=place.timezone,
                closing_time=place.closing_time,
            )
            if codes:
                limited = [p.code for p in program.promotions if p.limit and p.code in codes]
                if limited:  # what this till counts against trigger limits while offline
                    record_promotions(
                        connection,
                        event_id=event.event_id,
                        member_id=mid,
                        business_date=event.business_date,
                        codes=limited,
                    )
            row = ctx.member_row(points=points, lifetime=points)
            view = MemberView.from_row(row, program, utc_day(now))
            return Receipt(event.event_id, event.seq, event.type, points, None, view)

    def earn_preview(self, member_id: str, amount_cents: int) -> int:
        """The points ``earn`` would award for this amount now (same rule, same tier)."""
        return self.earn_breakdown(member_id, amount_cents).total

    def earn_breakdown(
        self, member_id: str, amount_cents: int, *, language: str = ""
    ) -> EarnBreakdown:
        """What ``earn`` would award now and why: the base and each promotion, named in
        ``language`` ("zh_CN") where the program gives a name in it. One read
        transaction on the DB-API connection (one statement, and what promotions ask)."""
        mid = member_key(member_id)
        with self.replica.read_driver() as connection:
            ctx = preview_context(connection, mid)
            program = program_of(ctx.program_json)
            amount = program.check_sale_amount(amount_cents)
            check_member(mid, ctx.status, active=True)
            lifetime = ctx.lifetime_points + ctx.pending_lifetime
            now = self.clock()
            basis = self._period_tier_basis(program, mid, now)
            if not program.promotions:
                tier = lifetime if basis is None else basis
                return EarnBreakdown(program.points_for_sale(amount, tier, ctx.currency), ())
            return sale_breakdown(
                connection,
                program,
                mid,
                lifetime,
                amount,
                now,
                ctx.place(),
                language=language,
                currency=ctx.currency,
                basis=basis,
            )

    def _period_tier_basis(self, program: LoyaltyProgram, mid: str, now: datetime) -> int | None:
        """Under tiers by period, the points the tier held now stands for (the preview
        reads the member's monthly totals for it); None under lifetime tiers."""
        if not program.rules_for_tiers.by_period:
            return None
        with self.replica.read() as session:
            member, pending = require_member(session, mid, active=True)
            return tier_basis(program, MemberView.build(member, pending, program, utc_day(now)))

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
                currency=store_currency(session, program),
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
                currency=store_currency(session, program),
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
        self,
        staff: StaffSession,
        member_id: str,
        *,
        sale_ref: str,
        coupon_id: str | None = None,
        code: str | None = None,
        sale_amount_cents: int | None = None,
    ) -> Receipt:
        """Use a coupon once, chosen from the member's list (``coupon_id``) or by the
        code on a paper coupon, typed or scanned (``code``, ``CPN:`` or bare). It must be
        available and this member's; a coupon with terms must also hold for this sale
        (``shared.domain.coupons.coupon_refusal``: valid from and until, store,
        currency, minimum spend, one per sale), else ``CouponRefused`` says why."""
        mid = member_key(member_id)
        ref = clean_sale_ref(sale_ref)
        wanted = normalize_coupon_code(code) if code is not None else None
        cid = event_key(coupon_id) if coupon_id is not None else None
        now = self.clock()
        with self.replica.write() as session:
            require_staff(session, staff)
            hit = require_member(session, mid, active=True)
            program = ProgramRepository(session).current()
            coupons = CouponRepository(session)
            if wanted is not None:
                coupon = coupons.by_code(wanted)
                if coupon is None:
                    raise UnknownCoupon("No coupon has this code.", code_typed=wanted)
                if coupon.member_id != mid:
                    raise CouponUnavailable(
                        "This coupon belongs to another member.", code="coupon_other_member"
                    )
            else:
                coupon = coupons.get(cid) if cid else None
            events = EventRepository(session)
            if (
                coupon is None
                or coupon.member_id != mid
                or coupon.status != "available"
                or events.active_coupon_redemption(coupon.coupon_id)
            ):
                raise CouponUnavailable(
                    "This coupon cannot be used: it is used, expired or not this member's.",
                    coupon_id=str(coupon_id or wanted),
                )
            amount = (
                program.check_sale_amount(sale_amount_cents)
                if sale_amount_cents is not None
                else None
            )
            offline = not TerminalStateRepository(session).get().online
            data: dict[str, object] = {"coupon_id": coupon.coupon_id, "sale_ref": ref}
            if coupon.terms:
                store = StoreRepository(session).require()
                try:
                    terms = CouponTerms.model_validate_json(coupon.terms)
                except ValueError:
                    raise CouponUnavailable(
                        "This coupon's terms are not readable by this till; update it.",
                        coupon_id=coupon.coupon_id,
                    ) from None
                refused = coupon_refusal(
                    terms,
                    sale_cents=amount if amount is not None else 0,
                    store_code=store.store_code,
                    currency=store.currency,
                    now=now,
                    other_coupons=coupons.used_on_sale(mid, ref),
                )
                if refused is not None:
                    raise CouponRefused(
                        f"This coupon cannot be used on this sale ({refused.code}).",
                        code=refused.code,
                        **refusal_params(refused.params, store.timezone, store.currency),
                    )
                value = discount_cents(terms, amount if amount is not None else 0)
                data["discount_cents"] = value
            else:
                if coupon.expires_at is not None and from_text(coupon.expires_at) <= now:
                    raise CouponUnavailable(
                        "This coupon cannot be used: it is used, expired or not this member's.",
                        coupon_id=coupon.coupon_id,
                    )
                value = coupon.value_cents
            if coupon.code:
                data["code"] = coupon.code
            if amount is not None:
                data["sale_amount_cents"] = amount
            if offline:  # a second use elsewhere is then flagged, not refused
                data["offline"] = True
            coupon.status = "redeemed"
            coupon.used_sale_ref = ref
            event = record_event(
                session,
                NewEvent(
                    type="coupon.redeemed",
                    member_id=mid,
                    staff_id=staff.staff_id,
                    data=data,
                    coupon_id=coupon.coupon_id,
                ),
                occurred_at=now,
            )
            view = view_after(hit, program, today=self.today())
            return Receipt(event.event_id, event.seq, event.type, 0, value, view)

    @staticmethod
    def _offline(session: Session, today: int) -> int | None:
        """None when online (no offline cap); else the points redeemed here today."""
        return None if TerminalStateRepository(session).get().online else today


def refusal_params(params: dict[str, Any], zone: str, currency: str) -> dict[str, Any]:
    """A coupon refusal's params as the till explains them: times as the store's local
    date ("valid from 2026-12-24"), amounts with the store's currency."""
    shown: dict[str, Any] = {"currency": currency}
    for key, value in params.items():
        if isinstance(value, datetime):
            shown[key] = value.astimezone(ZoneInfo(zone)).date().isoformat()
        elif isinstance(value, tuple):
            shown[key] = list(value)
        else:
            shown[key] = value
    return shown


def store_currency(session: Session, program: LoyaltyProgram) -> str | None:
    """The store's currency when the program sets units per currency (else None: the
    program's own units, without reading the store)."""
    if not program.currencies:
        return None
    return str(StoreRepository(session).require().currency)


def redeemed_today(session: Session, member_id: str, now: datetime) -> int:
    """Points this member redeemed here this business day, not voided."""
    return EventRepository(session).redeemed_on(member_id, store_day(session, now))
