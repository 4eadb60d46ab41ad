"""Returns at the till: find a sale by its receipt number, give back all or part of it.

Offline the till returns the sales it knows: its own (``ReturnRepository``) and those
in the members' history it pulled (``HistoryRepository``). Online it
also asks the server (``GET /v1/sales``), which knows every store's sales and every
return made of them so far. The effect on the member's points is the shared rule
(``shared.domain.returns``): the till shows it at once, and the server decides it again
from every return of the sale, from every terminal (docs/RETURNS.md).

A refusal (a receipt matching nothing, a voided sale, more than is left, a manager's
PIN missing) raises before anything is written: nothing is queued.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from shared.domain.money import check_int
from shared.domain.returns import ReturnEffect, SaleFigures, needs_manager, return_effect
from shared.errors import ValidationFailed
from shared.protocol import SaleFound
from terminal.offline.clock import from_text
from terminal.offline.models import HistoryRow, LocalEvent
from terminal.offline.outbox import NewEvent, record_event
from terminal.offline.repositories import (
    CouponRepository,
    MemberRepository,
    ProgramRepository,
    TerminalStateRepository,
)
from terminal.offline.repositories.history import HistoryRepository
from terminal.offline.repositories.returns import ReturnRepository
from terminal.offline.sync_client import SyncClient, SyncError
from terminal.services.base import (
    Service,
    require_manager,
    require_member,
    require_staff,
    view_after,
)
from terminal.services.errors import (
    ManagerRequired,
    ReturnTooLarge,
    SaleVoided,
    UnknownSale,
)
from terminal.services.inputs import clean_sale_ref
from terminal.services.views import Receipt, StaffSession

log = logging.getLogger(__name__)


def _first(parts: dict[str, list[HistoryRow]], kind: str) -> HistoryRow | None:
    rows = parts.get(kind)
    return rows[0] if rows else None


@dataclass(frozen=True, slots=True)
class ReturnableSale:
    """A sale as the return screen shows it. ``returned_cents`` is what every return
    known here took back (the server's figure plus this till's unsent returns)."""

    sale_ref: str
    sale_event_id: str
    member_id: str
    member_code: str
    member_name: str
    amount_cents: int
    points_earned: int
    points_redeemed: int
    redeemed_event_id: str | None
    coupon_event_id: str | None
    coupon_id: str | None
    returned_cents: int
    voided: bool
    here: bool  # sold at this till

    @property
    def left_cents(self) -> int:
        return max(self.amount_cents - self.returned_cents, 0)


@dataclass(frozen=True, slots=True)
class SaleSearch:
    sales: tuple[ReturnableSale, ...]
    online: bool  # False: the server was not asked or did not answer (this till only)


@dataclass(frozen=True, slots=True)
class ReturnReceipt:
    receipt: Receipt
    effect: ReturnEffect
    sale: ReturnableSale


class ReturnService(Service):
    def find(self, sale_ref: str) -> SaleSearch:
        """The sales with this receipt number: the server's when it answers, else this
        till's own and those in the members' pulled history. ``unknown_sale`` when none
        matches."""
        ref = clean_sale_ref(sale_ref)
        with self.replica.read() as session:
            local = self._local(session, ref)
            online = TerminalStateRepository(session).get().online
        remote = self._remote(ref) if online else None
        if remote is None:
            with self.replica.read() as session:
                pulled = self._pulled(session, ref)
            known = {s.sale_event_id for s in local}
            sales = local + [s for s in pulled if s.sale_event_id not in known]
        else:
            with self.replica.read() as session:
                found = [self._from_server(session, sale) for sale in remote]
            known = {s.sale_event_id for s in found}
            sales = found + [s for s in local if s.sale_event_id not in known]
        if not sales:
            raise UnknownSale(
                f"No sale with receipt number {ref} was found.",
                sale_ref=ref,
                online=remote is not None,
            )
        return SaleSearch(tuple(sales), remote is not None)

    def needs_manager(self, amount_cents: int) -> bool:
        with self.replica.read() as session:
            return needs_manager(ProgramRepository(session).current(), amount_cents)

    def preview(self, sale: ReturnableSale, amount_cents: int | None = None) -> ReturnEffect:
        """What returning this amount (None: all that is left) would do, checked."""
        amount = self._amount(sale, amount_cents)
        return return_effect(self._figures(sale), amount, at=self.clock())

    def return_sale(
        self,
        staff: StaffSession,
        sale: ReturnableSale,
        *,
        amount_cents: int | None = None,
        approver: StaffSession | None = None,
    ) -> ReturnReceipt:
        """Give back ``amount_cents`` of the sale (None: all that is left of it)."""
        now = self.clock()
        with self.replica.write() as session:
            require_staff(session, staff)
            program = ProgramRepository(session).current()
            sale = self._refreshed(session, sale)
            amount = self._amount(sale, amount_cents)
            if needs_manager(program, amount):
                if approver is None:
                    raise ManagerRequired(
                        "A manager must approve a return of this amount (manager PIN).",
                        limit_cents=program.return_approval_cents,
                    )
                require_manager(session, approver)
            hit = require_member(session, sale.member_id, active=True)
            coupon = CouponRepository(session).get(sale.coupon_id) if sale.coupon_id else None
            effect = return_effect(
                self._figures(sale),
                amount,
                has_coupon=coupon is not None and coupon.status == "redeemed",
                coupon_expires_at=(
                    from_text(coupon.expires_at) if coupon and coupon.expires_at else None
                ),
                at=now,
            )
            data: dict[str, object] = {
                "sale_ref": sale.sale_ref,
                "sale_event_id": sale.sale_event_id,
                "amount_cents": effect.accepted_cents,
                "points_taken": effect.points_taken,
                "points_given": effect.points_given,
            }
            if sale.redeemed_event_id and sale.redeemed_event_id != sale.sale_event_id:
                data["redeemed_event_id"] = sale.redeemed_event_id
            if sale.coupon_event_id:
                data["coupon_event_id"] = sale.coupon_event_id
            event = record_event(
                session,
                NewEvent(
                    type="sale.returned",
                    member_id=sale.member_id,
                    staff_id=(approver or staff).staff_id,
                    data=data,
                    points_delta=effect.balance_delta,
                    lifetime_delta=effect.lifetime_delta,
                    amount_cents=effect.accepted_cents,
                    returned_event_id=sale.sale_event_id,
                ),
                occurred_at=now,
            )
            if effect.restore_coupon and coupon is not None:
                coupon.status = "available"
            view = view_after(
                hit,
                program,
                points=effect.balance_delta,
                lifetime=effect.lifetime_delta,
                today=self.today(),
            )
            receipt = Receipt(
                event.event_id, event.seq, event.type, effect.balance_delta, None, view
            )
            done = replace(sale, returned_cents=sale.returned_cents + effect.accepted_cents)
            return ReturnReceipt(receipt, effect, done)

    # --- helpers ------------------------------------------------------------------

    @staticmethod
    def _figures(sale: ReturnableSale) -> SaleFigures:
        return SaleFigures(
            sale.amount_cents, sale.points_earned, sale.points_redeemed, sale.returned_cents
        )

    @staticmethod
    def _amount(sale: ReturnableSale, amount_cents: int | None) -> int:
        if sale.voided:
            raise SaleVoided(
                f"Sale {sale.sale_ref} was voided: there is nothing to return.",
                sale_ref=sale.sale_ref,
            )
        left = sale.left_cents
        if amount_cents is None:
            amount = left
        else:
            amount = check_int(amount_cents, what="The amount returned", code="invalid_amount")
            if amount <= 0:
                raise ValidationFailed(
                    "The amount returned must be more than zero.", code="invalid_amount"
                )
        if amount <= 0 or amount > left:
            raise ReturnTooLarge(
                f"Only {left} of sale {sale.sale_ref} is left to return.",
                left_cents=left,
                amount_cents=sale.amount_cents,
            )
        return amount

    def _refreshed(self, session: Session, sale: ReturnableSale) -> ReturnableSale:
        """The sale with what this till knows now (a void or return made meanwhile)."""
        returns = ReturnRepository(session)
        if sale.here:
            for mine in self._local(session, sale.sale_ref):
                if mine.sale_event_id == sale.sale_event_id:
                    return replace(
                        mine, returned_cents=max(mine.returned_cents, sale.returned_cents)
                    )
        pending = returns.returned_here(sale.sale_event_id, pending_only=True)
        return replace(sale, returned_cents=max(sale.returned_cents, pending))

    def _local(self, session: Session, ref: str) -> list[ReturnableSale]:
        """This till's sales of the receipt: one per member (earn, redemption, coupon)."""
        returns = ReturnRepository(session)
        by_member: dict[str, dict[str, LocalEvent]] = {}
        for event in returns.sale_events(ref):
            by_member.setdefault(event.member_id, {})[event.type] = event
        sales = []
        members = MemberRepository(session)
        for member_id, parts in by_member.items():
            earn = parts.get("points.earned")
            redeem = parts.get("points.redeemed")
            coupon = parts.get("coupon.redeemed")
            key = earn or redeem
            if key is None or not key.amount_cents:
                continue
            member = members.get(member_id)
            sales.append(
                ReturnableSale(
                    sale_ref=ref,
                    sale_event_id=key.event_id,
                    member_id=member_id,
                    member_code=member.member_code if member else "",
                    member_name=member.display_name if member else "",
                    amount_cents=int(key.amount_cents),
                    points_earned=int(earn.points_delta) if earn else 0,
                    points_redeemed=(
                        -int(redeem.points_delta) if redeem and not redeem.voided_by else 0
                    ),
                    redeemed_event_id=redeem.event_id if redeem else None,
                    coupon_event_id=coupon.event_id if coupon and not coupon.voided_by else None,
                    coupon_id=coupon.coupon_id if coupon and not coupon.voided_by else None,
                    returned_cents=returns.returned_here(key.event_id),
                    voided=key.voided_by is not None,
                    here=True,
                )
            )
        return sales

    def _pulled(self, session: Session, ref: str) -> list[ReturnableSale]:
        """Other tills' sales of the receipt in the members' history this replica holds
        (``member_history``, as head office last listed it): what an offline till can
        return beyond its own sales. Returned so far: the returns that history lists
        plus this till's unsent ones; the server caps the rest (docs/RETURNS.md)."""
        by_member: dict[str, dict[str, list[HistoryRow]]] = {}
        for row in HistoryRepository(session).sale_rows(ref):
            by_member.setdefault(row.member_id, {}).setdefault(row.type, []).append(row)
        returns = ReturnRepository(session)
        members = MemberRepository(session)
        sales = []
        for member_id, parts in by_member.items():
            earn = _first(parts, "points.earned")
            redeem = _first(parts, "points.redeemed")
            coupon = _first(parts, "coupon.redeemed")
            key = earn or redeem
            if key is None or not key.amount_cents:
                continue
            member = members.get(member_id)
            if member is None:
                continue
            listed = sum(
                int(row.amount_cents or 0)
                for row in parts.get("sale.returned", [])
                if not row.voided
            )
            sales.append(
                ReturnableSale(
                    sale_ref=ref,
                    sale_event_id=key.event_id,
                    member_id=member_id,
                    member_code=member.member_code,
                    member_name=member.display_name,
                    amount_cents=int(key.amount_cents),
                    points_earned=int(earn.points_delta) if earn else 0,
                    points_redeemed=(
                        -int(redeem.points_delta) if redeem and not redeem.voided else 0
                    ),
                    redeemed_event_id=redeem.event_id if redeem else None,
                    coupon_event_id=coupon.event_id if coupon and not coupon.voided else None,
                    coupon_id=None,  # the server finds the coupon from its event
                    returned_cents=max(
                        listed + returns.returned_here(key.event_id, pending_only=True),
                        returns.returned_here(key.event_id),
                    ),
                    voided=key.voided,
                    here=False,
                )
            )
        return sales

    def _from_server(self, session: Session, found: SaleFound) -> ReturnableSale:
        key = str(found.sale_event_id)
        returns = ReturnRepository(session)
        here = TerminalStateRepository(session).get().terminal_id == (
            str(found.terminal_id) if found.terminal_id else None
        )
        returned = max(
            found.returned_cents + returns.returned_here(key, pending_only=True),
            returns.returned_here(key),
        )
        return ReturnableSale(
            sale_ref=found.sale_ref,
            sale_event_id=key,
            member_id=str(found.member_id),
            member_code=found.member_code,
            member_name=found.member_name,
            amount_cents=found.amount_cents,
            points_earned=found.points_earned,
            points_redeemed=found.points_redeemed,
            redeemed_event_id=str(found.redeemed_event_id) if found.redeemed_event_id else None,
            coupon_event_id=str(found.coupon_event_id) if found.coupon_event_id else None,
            coupon_id=str(found.coupon_id) if found.coupon_id else None,
            returned_cents=returned,
            voided=found.voided,
            here=here,
        )

    def _remote(self, ref: str) -> list[SaleFound] | None:
        """The server's sales of the receipt, or None when it cannot be asked now."""
        with self.replica.read() as session:
            state = TerminalStateRepository(session).get()
            url = state.server_url or self.settings.server_url
            paired = bool(state.terminal_id)
        if not paired or not url:
            return None
        try:
            with SyncClient(url, self.credentials.token) as client:
                return list(client.find_sales(ref).sales)
        except SyncError as error:
            log.info("sale lookup on the server failed, this till's sales only: %s", error)
            return None
