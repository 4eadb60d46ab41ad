"""Earn and redeem for the member on screen: amount, points preview, limits explained."""

from __future__ import annotations

import uuid

from PySide6.QtCore import QLocale, QTimer, Signal
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from shared.domain.money import amount_text, parse_amount
from shared.domain.program import RedeemLimits
from shared.domain.promotions import EarnBreakdown
from shared.errors import DomainError
from terminal.services import CouponView, MemberView, Receipt
from terminal.ui.base import Retranslating, message_area
from terminal.ui.formatting import format_money, format_points
from terminal.ui.messages import error_message
from terminal.ui.screens.sale_texts import (
    coupon_question,
    coupon_too_big,
    earn_parts_text,
    receipt_text,
)
from terminal.ui.session import TillSession


def new_sale_ref() -> str:
    return "T-" + uuid.uuid4().hex[:12].upper()


class SalePanel(Retranslating):
    """``receipt(Receipt)`` after every recorded earn, redemption or coupon;
    ``member_changed(MemberView | None)`` whenever a member is set (the same one again on
    a refresh); ``print_requested`` when the cashier asks for the member slip."""

    receipt = Signal(object)
    member_changed = Signal(object)
    print_requested = Signal()

    def __init__(self, session: TillSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.member: MemberView | None = None
        self.coupon_id: str | None = None
        self.coupon: CouponView | None = None
        self._coupon_armed = False  # pressed once: the next press uses the coupon
        # The sale's reference if none is typed (redeem + earn share it; never shown).
        self._sale_key: str | None = None
        self.limits: RedeemLimits | None = None
        self._limits_generation = 0
        self.preview_points: int | None = None  # what the service says this sale earns
        self._preview_generation = 0
        self.amount = QLineEdit()
        self.amount.setObjectName("amountField")
        self.amount.textChanged.connect(self._amount_changed)
        self.amount.returnPressed.connect(self.earn)
        self.sale_ref = QLineEdit()
        self.sale_ref.setObjectName("saleRefField")
        self.sale_ref.setMaxLength(200)
        self.preview = message_area(QLabel(), 1)
        self.preview.setObjectName("earnPreview")
        self.earn_button = QPushButton()
        self.earn_button.setObjectName("earnButton")
        self.earn_button.setProperty("role", "primary")
        self.earn_button.clicked.connect(self.earn)
        self.points = QLineEdit()
        self.points.setObjectName("redeemPoints")
        self.points.setValidator(QIntValidator(0, 10_000_000, self))
        self.points.returnPressed.connect(self.redeem)
        self.max_button = QPushButton()
        self.max_button.setObjectName("redeemMax")
        self.max_button.clicked.connect(self._use_max)
        self.limits_label = QLabel()
        self.limits_label.setObjectName("redeemLimits")
        self.limits_label.setWordWrap(True)
        self.limits_label.setProperty("role", "muted")
        self.redeem_button = QPushButton()
        self.redeem_button.setObjectName("redeemButton")
        self.redeem_button.clicked.connect(self.redeem)
        self.coupon_button = QPushButton()
        self.coupon_button.setObjectName("couponButton")
        self.coupon_button.clicked.connect(self.redeem_coupon)
        # A paper coupon's code, typed here or scanned anywhere (CPN:<code>); the checkout
        # lays the row out under the member's coupons (``coupon_code_row``).
        self.coupon_code = QLineEdit()
        self.coupon_code.setObjectName("couponCodeField")
        self.coupon_code.setMaxLength(40)
        self.coupon_code.returnPressed.connect(self.use_coupon_code)
        self.coupon_code_button = QPushButton()
        self.coupon_code_button.setObjectName("couponCodeButton")
        self.coupon_code_button.clicked.connect(lambda: self.use_coupon_code())
        self.message = QLabel()
        self.message.setObjectName("saleMessage")
        self.print_button = QPushButton()
        self.print_button.setObjectName("printSlipButton")
        self.print_button.setEnabled(False)  # until a transaction of this member
        self.print_button.clicked.connect(self.print_requested)
        message_area(self.limits_label, 2)
        message_area(self.message, 3)
        self._limits_timer = QTimer(self)
        self._limits_timer.setSingleShot(True)
        self._limits_timer.timeout.connect(self._fetch_limits)

        self.amount_label = QLabel()
        self.sale_ref_label = QLabel()
        self.points_label = QLabel()
        grid = QGridLayout(self)
        grid.setColumnStretch(1, 1)
        rows: list[tuple[QWidget | None, QWidget | QHBoxLayout]] = [
            (self.amount_label, self.amount),
            (self.sale_ref_label, self.sale_ref),
            (None, self._row(self.preview, self.earn_button)),
            (self.points_label, self._row(self.points, self.max_button)),
            (None, self.limits_label),
            (None, self._row(self.redeem_button)),  # full width: long labels in Chinese
            (None, self._row(self.coupon_button, self.print_button)),
            (None, self.message),
        ]
        for row, (label, field) in enumerate(rows):
            if label is not None:
                grid.addWidget(label, row, 0)
            column, span = (1, 1) if label is not None or isinstance(field, QPushButton) else (0, 2)
            if isinstance(field, QWidget):
                grid.addWidget(field, row, column, 1, span)
            else:
                grid.addLayout(field, row, column, 1, span)
        self.set_member(None)

    def retranslate(self) -> None:
        self.amount_label.setText(self.tr("Sale amount (%1)").replace("%1", self.session.currency))
        self.sale_ref_label.setText(self.tr("Receipt no."))
        self.points_label.setText(self.tr("Redeem points"))
        self.amount.setPlaceholderText(self.tr("e.g. 128.00"))
        self.sale_ref.setPlaceholderText(self.tr("optional"))
        self.points.setPlaceholderText(
            self.tr("at least %1").replace("%1", f"{self.session.program.redeem_min_points:,}")
        )
        self.earn_button.setText(self.tr("Earn points (F2)"))
        self.max_button.setText(self.tr("Max"))
        self.redeem_button.setText(self.tr("Redeem (F3)"))
        self.coupon_button.setText(self.tr("Use selected coupon"))
        self.coupon_code.setPlaceholderText(self.tr("Coupon code"))
        self.coupon_code.setToolTip(self.tr("Type a paper coupon's code, or scan it"))
        self.coupon_code_button.setText(self.tr("Use code"))
        self.print_button.setText(self.tr("Print slip (F10)"))
        self._update_preview()
        self._show_limits()

    def coupon_code_row(self) -> QHBoxLayout:
        """The coupon code field and its button, for the checkout to place."""
        return self._row(self.coupon_code, self.coupon_code_button)

    @staticmethod
    def _row(*widgets: QWidget) -> QHBoxLayout:
        row = QHBoxLayout()
        buttons_only = all(isinstance(widget, QPushButton) for widget in widgets)
        for widget in widgets:  # buttons side by side share the width
            row.addWidget(widget, 1 if isinstance(widget, QLineEdit) or buttons_only else 0)
        return row

    def set_member(self, member: MemberView | None) -> None:
        changed = member is None or self.member is None or member.member_id != self.member.member_id
        self.member = member
        if changed:
            self._sale_key = None
            self.amount.clear()
            self.sale_ref.clear()
            self.points.clear()
            self.message.clear()
            self.limits = None
        if changed:
            self.coupon_code.clear()
        for widget in (
            self.amount,
            self.sale_ref,
            self.points,
            self.earn_button,
            self.max_button,
            self.coupon_code,
            self.coupon_code_button,
        ):
            widget.setEnabled(member is not None)
        self.redeem_button.setEnabled(member is not None)
        self.set_coupon(None)
        self.retranslate()
        self._fetch_limits()
        self.member_changed.emit(member)

    def set_slip_ready(self, ready: bool) -> None:
        """Whether "Print slip" has a transaction to print."""
        self.print_button.setEnabled(ready)

    def set_coupon(self, coupon: CouponView | None) -> None:
        self.coupon = coupon
        self.coupon_id = coupon.coupon_id if coupon is not None else None
        self._disarm_coupon()
        self.coupon_button.setEnabled(self.member is not None and coupon is not None)

    def _disarm_coupon(self) -> None:
        self._coupon_armed = False
        self.coupon_button.setText(self.tr("Use selected coupon"))

    def amount_cents(self) -> int | None:
        try:
            return parse_amount(self.amount.text(), self.session.currency)
        except DomainError:
            return None

    # --- earn -----------------------------------------------------------------------

    def _amount_changed(self) -> None:
        if self._coupon_armed:
            self._disarm_coupon()  # the confirmation named another amount
        self._update_preview()
        self._limits_timer.start(150)

    def _update_preview(self) -> None:
        """Ask the service what ``earn`` would award now (same rule, tier and pending)."""
        self._preview_generation += 1
        cents, member = self.amount_cents(), self.member
        if member is None or not cents:
            self.preview_points = None
            self.preview.setText(self.tr("Enter the sale amount to see the points."))
            return
        generation = self._preview_generation

        def show(earned: EarnBreakdown) -> None:
            if generation == self._preview_generation:
                self.preview_points = earned.total
                text = (
                    self.tr("%1 earns %2")
                    .replace("%1", format_money(cents, self.session.currency))
                    .replace("%2", format_points(earned.total))
                )
                if earned.parts:  # the promotions that apply, each with its points
                    text += "\n" + earn_parts_text(earned)
                self.preview.setText(text)

        def failed(error: BaseException) -> None:
            if generation == self._preview_generation:
                self.preview_points = None
                self.preview.setText(error_message(error, self.session.currency))

        self.session.runner.submit(
            self.session.services.sales.earn_breakdown,
            member.member_id,
            cents,
            language=QLocale().name(),
            on_result=show,
            on_error=failed,
            context=self,
        )

    def earn(self) -> None:
        member, staff = self.member, self.session.staff
        if member is None or staff is None:
            return
        cents = self._require_amount()
        if cents is None:
            return
        self._busy(True)
        self.session.runner.submit(
            self.session.services.sales.earn,
            staff,
            member.member_id,
            amount_cents=cents,
            sale_ref=self._sale_ref(),
            on_result=self._done,
            on_error=self._failed,
            context=self,
        )

    # --- redeem ---------------------------------------------------------------------

    def _fetch_limits(self) -> None:
        self._limits_generation += 1
        cents, member = self.amount_cents(), self.member
        if member is None or not cents:
            self.limits = None
            self._show_limits()
            return
        generation = self._limits_generation

        def show(limits: RedeemLimits) -> None:
            if generation == self._limits_generation:
                self.limits = limits
                self._show_limits()

        self.session.runner.submit(
            self.session.services.sales.redeem_limits,
            member.member_id,
            sale_amount_cents=cents,
            on_result=show,
            on_error=lambda _error: None,
            context=self,
        )

    def _show_limits(self) -> None:
        limits, currency = self.limits, self.session.currency
        if self.member is None:
            self.limits_label.clear()
        elif limits is None:
            self.limits_label.setText(self.tr("Enter the sale amount to see what can be redeemed."))
        else:
            reasons = {
                "insufficient_balance": self.tr("the member's balance"),
                "exceeds_sale_cap": self.tr("points pay at most %1% of a sale (%2)")
                .replace("%1", str(self.session.program.redeem_max_sale_percent))
                .replace("%2", format_money(limits.sale_cap_cents, currency)),
                "offline_daily_cap": self.tr(
                    "the offline limit of %1 points per member a day"
                ).replace("%1", f"{self.session.program.offline_daily_redeem_cap_points:,}"),
                "redemption_over_limit": self.tr("the limit of %1 points per redemption").replace(
                    "%1", f"{self.session.program.max_redeem_points:,}"
                ),
                "redemption_daily_limit": self.tr(
                    "the limit of %1 points per member a day"
                ).replace("%1", f"{self.session.program.max_member_daily_redeem_points:,}"),
            }
            text = self.tr("Up to %1 (%2), limited by %3.")
            text = (
                text.replace("%1", format_points(limits.max_points))
                .replace("%2", format_money(limits.max_value_cents, currency))
                .replace("%3", reasons.get(limits.binding_limit, limits.binding_limit))
            )
            self.limits_label.setText(text)

    def _use_max(self) -> None:
        if self.limits is not None:
            self.points.setText(str(self.limits.max_points))

    def redeem(self) -> None:
        member, staff = self.member, self.session.staff
        if member is None or staff is None:
            return
        cents = self._require_amount()
        if cents is None:
            return
        try:
            points = int(self.points.text())
        except ValueError:
            self._show_error(self.tr("Enter the points to redeem."))
            self.points.setFocus()
            return
        self._busy(True)
        self.session.runner.submit(
            self.session.services.sales.redeem,
            staff,
            member.member_id,
            points=points,
            sale_amount_cents=cents,
            sale_ref=self._sale_ref(),
            on_result=self._done,
            on_error=self._failed,
            context=self,
        )

    def redeem_coupon(self) -> None:
        """First press: check the sale and ask; second press: use the coupon on it."""
        member, staff, coupon = self.member, self.session.staff, self.coupon
        if member is None or staff is None or coupon is None:
            return
        cents = self._require_amount()
        if cents is None:
            return
        if coupon.terms is None and cents < coupon.value_cents:
            self._show_error(coupon_too_big(coupon, self.session.currency))
            self.amount.setFocus()
            return
        if not self._coupon_armed:
            self._coupon_armed = True
            button, question = coupon_question(coupon, cents, self.session.currency)
            self.coupon_button.setText(button)
            self.message.setProperty("role", "")
            self._repolish(self.message)
            self.message.setText(question)
            self.coupon_button.setFocus()
            return
        self._disarm_coupon()
        self._busy(True)
        self.session.runner.submit(
            self.session.services.sales.redeem_coupon,
            staff,
            member.member_id,
            coupon_id=self.coupon_id,
            sale_amount_cents=cents,
            sale_ref=self._sale_ref(),
            on_result=self._done,
            on_error=self._failed,
            context=self,
        )

    def use_coupon_code(self, code: str | None = None) -> None:
        """A paper coupon's code, typed in the field or scanned (``code``): used on this
        sale at once, or refused with the reason (its minimum spend, its dates, its
        stores, its currency, one coupon per sale)."""
        if code is not None:
            self.coupon_code.setText(code.strip())
        member, staff = self.member, self.session.staff
        if member is None or staff is None:
            self._show_error(self.tr("Find the member first, then scan or type the coupon."))
            return
        typed = self.coupon_code.text().strip()
        if not typed:
            self.coupon_code.setFocus()
            return
        cents = self._require_amount()
        if cents is None:
            return
        self._busy(True)
        self.session.runner.submit(
            self.session.services.sales.redeem_coupon,
            staff,
            member.member_id,
            code=typed,
            sale_amount_cents=cents,
            sale_ref=self._sale_ref(),
            on_result=self._done,
            on_error=self._failed,
            context=self,
        )

    # --- outcome --------------------------------------------------------------------

    def _require_amount(self) -> int | None:
        try:
            return parse_amount(self.amount.text(), self.session.currency)
        except DomainError as error:
            self._show_error(error_message(error, self.session.currency))
            self.amount.setFocus()
            return None

    def _sale_ref(self) -> str:
        typed = self.sale_ref.text().strip()
        if typed:
            return typed
        if self._sale_key is None:
            self._sale_key = new_sale_ref()
        return self._sale_key

    def _busy(self, busy: bool) -> None:
        for button in (
            self.earn_button,
            self.redeem_button,
            self.coupon_button,
            self.coupon_code_button,
        ):
            button.setEnabled(not busy and self.member is not None)
        self.coupon_button.setEnabled(not busy and self.coupon_id is not None)

    def _done(self, receipt: Receipt) -> None:
        self._busy(False)
        currency = self.session.currency
        self.points.clear()
        if receipt.type == "points.earned":  # the sale is done
            self._sale_key = None
            self.amount.clear()
            self.sale_ref.clear()
            self.show_ok(receipt_text(receipt, currency))
        else:  # the same sale goes on: earn on what the member pays after the discount
            if receipt.type == "coupon.redeemed":
                self.coupon_code.clear()
            paid = max((self.amount_cents() or 0) - (receipt.value_cents or 0), 0)
            self.amount.setText(amount_text(paid, currency))
            self.show_ok(receipt_text(receipt, currency, paid))
            self.amount.setFocus()
        self.receipt.emit(receipt)
        self.session.changed()

    def _failed(self, error: BaseException) -> None:
        self._busy(False)
        self._show_error(error_message(error, self.session.currency))

    def show_ok(self, text: str) -> None:
        self.message.setProperty("role", "ok")
        self._repolish(self.message)
        self.message.setText(text)

    def _show_error(self, text: str) -> None:
        self.message.setProperty("role", "error")
        self._repolish(self.message)
        self.message.setText(text)

    @staticmethod
    def _repolish(widget: QWidget) -> None:
        widget.style().unpolish(widget)
        widget.style().polish(widget)
