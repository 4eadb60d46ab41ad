"""The one checkout screen: search/scan on top, the member on the left, the sale on the right."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from terminal.services import CouponView, MemberView, Receipt
from terminal.services.member_history import AccountView
from terminal.ui.base import Retranslating
from terminal.ui.formatting import stored_time, tier_label
from terminal.ui.screens.member_account import expiry_text
from terminal.ui.screens.member_search import MemberSearch
from terminal.ui.screens.sale_panel import SalePanel
from terminal.ui.session import TillSession
from terminal.ui.widgets.member_panel import MemberPanel, PanelCoupon, PanelMember


def panel_view(
    member: MemberView, coupons: list[CouponView], tier_names: dict[str, str], zone: str
) -> PanelMember:
    """The member panel's view of a service ``MemberView`` and its usable coupons."""
    return PanelMember(
        member_id=member.member_id,
        member_code=member.member_code,
        name=member.display_name,
        masked_phone=member.phone_masked,
        tier_code=member.tier,
        tier_name=tier_names.get(member.tier, member.tier),
        balance=member.balance,
        pending_points=member.pending_points,
        tier_until=member.tier_until,
        coupons=tuple(
            PanelCoupon(c.coupon_id, c.title, stored_time(c.expires_at, zone))
            for c in coupons
            if c.status == "available"
        ),
        merged_code=member.merged_code,
    )


class CheckoutScreen(Retranslating):
    enroll_requested = Signal()
    card_requested = Signal(object)  # MemberView
    void_requested = Signal(object)  # MemberView | None
    account_requested = Signal(object)  # MemberView

    def __init__(self, session: TillSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.member: MemberView | None = None
        self._coupons: dict[str, CouponView] = {}  # the member's usable coupons by id
        self.search = MemberSearch(session)
        self.search.member_found.connect(self.show_member)
        self.panel = MemberPanel()
        self.panel.coupons.currentItemChanged.connect(self._coupon_selected)
        self.sale = SalePanel(session)
        self.sale.receipt.connect(self._after_receipt)
        self.card_button = QPushButton()
        self.card_button.setObjectName("cardButton")
        self.card_button.clicked.connect(self._card)
        self.void_button = QPushButton()
        self.void_button.setObjectName("voidButton")
        self.void_button.clicked.connect(lambda: self.void_requested.emit(self.member))
        self.account_button = QPushButton()
        self.account_button.setObjectName("accountButton")
        self.account_button.clicked.connect(self._account)
        self.enroll_button = QPushButton()
        self.enroll_button.setObjectName("enrollButton")
        self.enroll_button.clicked.connect(self.enroll_requested)
        self.clear_button = QPushButton()
        self.clear_button.setObjectName("clearMember")
        self.clear_button.clicked.connect(self.clear)

        buttons = QHBoxLayout()  # one row under both columns: they fit a 1024 px screen
        for button in (self.card_button, self.void_button, self.enroll_button, self.clear_button):
            buttons.addWidget(button)
        right = QVBoxLayout()
        right.addWidget(self.sale)
        right.addStretch(1)
        columns = QHBoxLayout()
        self.left = QStackedWidget()
        self.left.addWidget(self.panel)
        self.left.addWidget(self.search.results_area)
        self.search.results_visible.connect(
            lambda shown: self.left.setCurrentWidget(
                self.search.results_area if shown else self.panel
            )
        )
        left = QVBoxLayout()  # the member's account opens under the member it is about
        left.addWidget(self.left, 1)
        left.addLayout(self.sale.coupon_code_row())  # a paper coupon, typed
        left.addWidget(self.account_button)
        columns.addLayout(left, 2)
        columns.addLayout(right, 3)  # the sale's fields and messages need the width
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addLayout(columns, 1)
        layout.addLayout(buttons)
        self.show_member(None)
        self.retranslate()

    def retranslate(self) -> None:
        self.card_button.setText(self.tr("Member card (F5)"))
        self.void_button.setText(self.tr("Void (F6)"))
        self.account_button.setText(self.tr("Account (Shift+F11)"))
        self.enroll_button.setText(self.tr("Enroll (F4)"))
        self.clear_button.setText(self.tr("Next customer (Esc)"))
        shown = self.panel.member
        if shown is not None:  # the tier's name in the new language
            names = self._tier_names()
            tier_name = names.get(shown.tier_code, shown.tier_name)
            self.panel.show_member(dataclasses.replace(shown, tier_name=tier_name))

    def focus_search(self) -> None:
        self.search.focus()

    def lookup_scan(self, payload: str) -> None:
        self.search.lookup_scan(payload)

    def clear(self) -> None:
        self.search.clear()
        self.show_member(None)
        self.search.focus()

    def show_member(self, member: MemberView | None) -> None:
        self.member = member
        self.card_button.setEnabled(member is not None)
        self.account_button.setEnabled(member is not None)
        self.sale.set_member(member)
        if member is None:
            self.panel.show_member(None)
            return
        self.panel.show_member(panel_view(member, [], self._tier_names(), self.session.timezone))
        self.session.runner.submit(
            self.session.services.lookup.coupons,
            member.member_id,
            on_result=lambda coupons: self._with_coupons(member, coupons),
            on_error=lambda _error: None,
            context=self,
        )
        self._load_expiry(member.member_id)
        self.sale.amount.setFocus()

    def _load_expiry(self, member_id: str) -> None:
        """Points that will expire: head office's figure, asked for when online (kept
        on the replica), else the one the till last had."""
        runner = self.session.runner
        fetch = self.session.backend.member_summary

        def read(_fetched: object = None) -> None:
            runner.submit(
                self.session.services.lookup.account,
                member_id,
                on_result=self._with_account,
                on_error=lambda _error: None,
                context=self,
            )

        if fetch is None:
            read()
        else:
            runner.submit(fetch, member_id, on_result=read, on_error=read, context=self)

    def _with_account(self, view: AccountView) -> None:
        if self.member is not None and self.member.member_id == view.member_id:
            self.panel.set_expiring(expiry_text(view, self.session.timezone))

    def refresh_member(self) -> None:
        if self.member is not None:
            self.session.runner.submit(
                self.session.services.lookup.member,
                self.member.member_id,
                on_result=self._refreshed,
                on_error=lambda _error: None,
                context=self,
            )

    def _refreshed(self, member: MemberView) -> None:
        if self.member is not None and member.member_id == self.member.member_id:
            self.member = member
            self.sale.set_member(member)
            self._reload_coupons(member)

    def _with_coupons(self, member: MemberView, coupons: list[CouponView]) -> None:
        if self.member is not None and self.member.member_id == member.member_id:
            self._coupons = {coupon.coupon_id: coupon for coupon in coupons}
            self.panel.show_member(
                panel_view(self.member, coupons, self._tier_names(), self.session.timezone)
            )

    def _reload_coupons(self, member: MemberView) -> None:
        self.panel.show_member(panel_view(member, [], self._tier_names(), self.session.timezone))
        self.session.runner.submit(
            self.session.services.lookup.coupons,
            member.member_id,
            on_result=lambda coupons: self._with_coupons(member, coupons),
            on_error=lambda _error: None,
            context=self,
        )

    def _after_receipt(self, receipt: Receipt) -> None:
        self.member = receipt.member
        self.sale.member = receipt.member
        self._reload_coupons(receipt.member)

    def _coupon_selected(self, item: QListWidgetItem | None) -> None:
        coupon_id = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        self.sale.set_coupon(self._coupons.get(coupon_id) if isinstance(coupon_id, str) else None)

    def _card(self) -> None:
        if self.member is not None:
            self.card_requested.emit(self.member)

    def _account(self) -> None:
        if self.member is not None:
            self.account_requested.emit(self.member)

    def _tier_names(self) -> dict[str, str]:
        program = self.session.program
        return {tier.code: tier_label(program, tier.code) for tier in program.tiers}
