"""What the sale panel says after a receipt and before a coupon is used (translated in
the ``SalePanel`` context, like the panel's own strings)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from shared.domain.coupons import discount_cents
from shared.domain.promotions import EarnBreakdown
from terminal.services import CouponView, Receipt
from terminal.ui.formatting import format_money, format_points


def receipt_text(receipt: Receipt, currency: str, paid_cents: int | None = None) -> str:
    """The outcome of an earn, a redemption or a coupon; ``paid_cents`` (after a
    discount) is what the member still pays, on which the same sale earns next."""
    value = format_money(receipt.value_cents or 0, currency)
    if receipt.type == "points.earned":
        return QCoreApplication.translate("SalePanel", "Earned %1.").replace(
            "%1", format_points(receipt.points_delta)
        )
    if receipt.type == "coupon.redeemed":
        text = QCoreApplication.translate("SalePanel", "Coupon used: %1 off.").replace("%1", value)
    else:
        text = (
            QCoreApplication.translate("SalePanel", "Redeemed %1 = %2 off.")
            .replace("%1", format_points(-receipt.points_delta))
            .replace("%2", value)
        )
    if paid_cents is not None:
        text += " " + QCoreApplication.translate(
            "SalePanel", "The member pays %1: earn points on it with F2."
        ).replace("%1", format_money(paid_cents, currency))
    return text


def coupon_too_big(coupon: CouponView, currency: str) -> str:
    return QCoreApplication.translate(
        "SalePanel", "This coupon is worth %1: the sale must be at least that."
    ).replace("%1", format_money(coupon.value_cents, currency))


def coupon_question(coupon: CouponView, sale_cents: int, currency: str) -> tuple[str, str]:
    """The confirmation asked before a coupon is used: (button text, message). A coupon
    with terms shows what it takes off this sale (a percent coupon's, within its cap),
    a free-item coupon its item."""
    terms = coupon.terms
    if terms is not None and terms.kind == "item":
        value = terms.item_text or coupon.title
    else:
        off = discount_cents(terms, sale_cents) if terms is not None else coupon.value_cents
        value = format_money(off, currency)
    question = (
        QCoreApplication.translate(
            "SalePanel", "Use “%1” (%2 off) on this %3 sale? Press the button again to confirm."
        )
        .replace("%1", coupon.title)
        .replace("%2", value)
        .replace("%3", format_money(sale_cents, currency))
    )
    return QCoreApplication.translate("SalePanel", "Confirm: %1 off").replace("%1", value), question


def earn_parts_text(earned: EarnBreakdown) -> str:
    """Why a sale earns what it earns: "base 128, Tuesday x2 +128, Birthday +50"."""
    translate = QCoreApplication.translate
    text = translate("SalePanel", "base %1").replace("%1", format_points(earned.base))
    for part in earned.parts:
        if part.kind == "multiplier":
            whole, cents = divmod(part.multiplier_percent, 100)
            times = str(whole) if cents == 0 else f"{whole}.{cents:02d}".rstrip("0")
            line = (
                translate("SalePanel", "%1 x%2 +%3")
                .replace("%1", part.name)
                .replace("%2", times)
                .replace("%3", format_points(part.points))
            )
        else:
            line = (
                translate("SalePanel", "%1 +%2")
                .replace("%1", part.name)
                .replace("%2", format_points(part.points))
            )
        text = translate("SalePanel", "%1, %2").replace("%1", text, 1).replace("%2", line, 1)
    return text
