"""The member the cashier is serving: name, masked phone, tier (and until when it is
kept, for a program whose tiers go by period), balance, coupons."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from terminal.ui.base import Retranslating
from terminal.ui.formatting import format_date, format_points, format_signed_points


@dataclass(frozen=True, slots=True)
class PanelCoupon:
    coupon_id: str
    title: str
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PanelMember:
    """What the panel shows; built from a service result by the screen."""

    member_id: str
    member_code: str
    name: str
    masked_phone: str
    tier_code: str
    tier_name: str
    balance: int
    pending_points: int = 0
    coupons: tuple[PanelCoupon, ...] = field(default_factory=tuple)
    # The card scanned belonged to a member head office merged into this one.
    merged_code: str | None = None
    tier_until: date | None = None  # the last day the tier is kept; None: not lost by time

    @property
    def confirmed_balance(self) -> int:
        return self.balance - self.pending_points


class MemberPanel(Retranslating):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.member: PanelMember | None = None
        frame = QFrame()
        frame.setProperty("role", "card")
        self.name_label = QLabel()
        self.name_label.setObjectName("memberName")
        self.name_label.setProperty("role", "title")
        self.name_label.setWordWrap(True)
        self.tier_badge = QLabel()
        self.tier_badge.setObjectName("tierBadge")
        self.tier_badge.setProperty("role", "badge")
        self.tier_until_label = QLabel()
        self.tier_until_label.setObjectName("memberTierUntil")
        self.tier_until_label.setProperty("role", "muted")
        self.tier_until_label.setWordWrap(True)
        self.phone_label = QLabel()
        self.phone_label.setObjectName("memberPhone")
        self.code_label = QLabel()
        self.code_label.setProperty("role", "muted")
        self.merged_label = QLabel()
        self.merged_label.setObjectName("memberMerged")
        self.merged_label.setWordWrap(True)
        self.balance_label = QLabel()
        self.balance_label.setObjectName("memberBalance")
        self.balance_label.setProperty("role", "big")
        self.pending_label = QLabel()
        self.pending_label.setObjectName("memberPending")
        self.pending_label.setProperty("role", "muted")
        self.pending_label.setWordWrap(True)
        self.expiring_label = QLabel()
        self.expiring_label.setObjectName("memberExpiring")
        self.expiring_label.setProperty("role", "muted")
        self.expiring_label.setWordWrap(True)
        self.coupons_title = QLabel()
        self.coupons = QListWidget()
        self.coupons.setObjectName("memberCoupons")
        self.coupons.setMaximumHeight(120)
        self.empty_label = QLabel()
        self.empty_label.setObjectName("memberEmpty")
        self.empty_label.setProperty("role", "muted")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)

        header = QHBoxLayout()
        header.addWidget(self.name_label, 1)
        header.addWidget(self.tier_badge, 0, Qt.AlignmentFlag.AlignTop)
        inner = QVBoxLayout(frame)
        inner.addLayout(header)
        inner.addWidget(self.tier_until_label)
        inner.addWidget(self.phone_label)
        inner.addWidget(self.code_label)
        inner.addWidget(self.merged_label)
        inner.addSpacing(8)
        inner.addWidget(self.balance_label)
        inner.addWidget(self.pending_label)
        inner.addWidget(self.expiring_label)
        inner.addWidget(self.coupons_title)
        inner.addWidget(self.coupons)
        inner.addStretch(1)
        inner.addWidget(self.empty_label, 1)
        inner.addStretch(0)
        self._details = [
            self.name_label,
            self.tier_badge,
            self.phone_label,
            self.code_label,
            self.balance_label,
            self.pending_label,
            self.coupons_title,
            self.coupons,
        ]
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(frame)
        self.show_member(None)

    def set_expiring(self, text: str) -> None:
        """The member's soonest points expiry ("600 pts expire on 2027-01-31"), or ''."""
        self.expiring_label.setText(text)
        self.expiring_label.setVisible(self.member is not None and bool(text))

    def show_member(self, member: PanelMember | None) -> None:
        if member is None or self.member is None or member.member_id != self.member.member_id:
            self.expiring_label.clear()
        self.member = member
        self.expiring_label.setVisible(member is not None and bool(self.expiring_label.text()))
        for widget in self._details:
            widget.setVisible(member is not None)
        self.tier_until_label.setVisible(member is not None and member.tier_until is not None)
        self.empty_label.setVisible(member is None)
        self.merged_label.setVisible(member is not None and member.merged_code is not None)
        self.retranslate()

    def retranslate(self) -> None:
        self.empty_label.setText(self.tr("Scan a member card or search by phone or name."))
        self.coupons_title.setText(self.tr("Coupons"))
        member = self.member
        if member is None:
            return
        self.name_label.setText(member.name)
        self.tier_badge.setText(member.tier_name)
        self.tier_badge.setProperty("tier", member.tier_code)
        self.tier_badge.style().unpolish(self.tier_badge)
        self.tier_badge.style().polish(self.tier_badge)
        if member.tier_until is not None:
            self.tier_until_label.setText(
                self.tr("%1 kept until %2")
                .replace("%1", member.tier_name)
                .replace("%2", format_date(member.tier_until))
            )
        else:
            self.tier_until_label.clear()
        self.phone_label.setText(self.tr("Phone: %1").replace("%1", member.masked_phone))
        self.code_label.setText(self.tr("Member no. %1").replace("%1", member.member_code))
        if member.merged_code is not None:
            self.merged_label.setText(
                self.tr("Card %1 was merged into member %2 by head office.")
                .replace("%1", member.merged_code)
                .replace("%2", member.member_code)
            )
        self.balance_label.setText(format_points(member.balance))
        if member.pending_points:
            self.pending_label.setText(
                self.tr("%1 pending sync (confirmed: %2)")
                .replace("%1", format_signed_points(member.pending_points))
                .replace("%2", format_points(member.confirmed_balance))
            )
        else:
            self.pending_label.setText(self.tr("all points confirmed by head office"))
        self.coupons.clear()
        for coupon in member.coupons:
            if coupon.expires_at is None:
                text = self.tr("%1 — no expiry").replace("%1", coupon.title)
            else:
                text = self.tr("%1 — expires %2").replace("%1", coupon.title)
                text = text.replace("%2", format_date(coupon.expires_at))
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, coupon.coupon_id)
            self.coupons.addItem(item)
        if not member.coupons:
            self.coupons.addItem(self.tr("No coupons"))
