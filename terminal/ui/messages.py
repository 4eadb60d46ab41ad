"""Domain error codes -> translated sentences a cashier understands.

Each message may use the error's ``params`` (the cap that bit, the points left...). A
code without a message here falls back to a generic sentence naming the code, so a new
service error is never shown as an empty box.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from shared.errors import DomainError
from terminal.ui.formatting import format_money

log = logging.getLogger(__name__)

Params = Mapping[str, Any]


def _t(text: str) -> str:
    return QCoreApplication.translate("Errors", text)


def _max_hint(params: Params, currency: str) -> str:
    if "max_points" not in params:
        return ""
    points = int(params["max_points"])
    if points <= 0:
        return " " + QCoreApplication.translate("Errors", "Nothing can be redeemed on this sale.")
    if "max_value_cents" not in params:
        return " " + QCoreApplication.translate(
            "Errors", "At most {points} points can be redeemed now."
        ).format(points=f"{points:,}")
    # What the points are worth is the program's to say (max_value_cents), never the
    # number of points read as cents.
    return " " + QCoreApplication.translate(
        "Errors", "At most {points} points ({value}) can be redeemed now."
    ).format(points=f"{points:,}", value=format_money(int(params["max_value_cents"]), currency))


def _simple(text: object) -> Callable[[Params, str], str]:
    return lambda _params, _currency: _t(str(text))


def _invalid_pin(params: Params, _currency: str) -> str:
    message = QCoreApplication.translate("Errors", "Wrong staff code or PIN.")
    before_pause = params.get("approval_attempts_left")
    if before_pause is not None:
        return (
            message
            + " "
            + QCoreApplication.translate(
                "Errors", "{count} more wrong PINs pause approvals with this code."
            ).format(count=before_pause)
        )
    left = params.get("attempts_left")
    if left is not None:
        message += " " + QCoreApplication.translate(
            "Errors", "{count} attempts left before the account locks."
        ).format(count=left)
    return message


def _staff_locked(params: Params, _currency: str) -> str:
    message = QCoreApplication.translate(
        "Errors", "Too many wrong PINs: this staff account is locked."
    )
    minutes = params.get("minutes") or params.get("lock_minutes")
    seconds = params.get("seconds_left", params.get("seconds"))
    if minutes is None and seconds is not None:
        minutes = max(1, -(-int(seconds) // 60))
    if minutes is not None:
        if params.get("role") == "manager":  # no manager above them at the till
            message += " " + QCoreApplication.translate(
                "Errors", "Try again in {minutes} min or call head office."
            ).format(minutes=minutes)
        else:
            message += " " + QCoreApplication.translate(
                "Errors", "Try again in {minutes} min or ask a manager."
            ).format(minutes=minutes)
    return message


def _approval_paused(params: Params, _currency: str) -> str:
    seconds = int(params.get("seconds_left", 30))
    wait = (
        QCoreApplication.translate("Errors", "{seconds} s").format(seconds=seconds)
        if seconds < 120
        else QCoreApplication.translate("Errors", "{minutes} min").format(minutes=-(-seconds // 60))
    )
    return QCoreApplication.translate(
        "Errors",
        "Too many wrong manager PINs for {code}: approvals with this code pause for {wait}. "
        "Head office has been told. The manager can still sign in: ask them to come to "
        "the till, or call head office.",
    ).format(code=params.get("staff_code", ""), wait=wait)


def _invalid_amount(params: Params, currency: str) -> str:
    if "max_amount_cents" in params:
        return QCoreApplication.translate(
            "Errors", "The amount is larger than any sale the program accepts ({max})."
        ).format(max=format_money(int(params["max_amount_cents"]), currency))
    reason = params.get("reason")
    if reason == "not_a_number":
        return QCoreApplication.translate(
            "Errors", "That is not a number: type the sale amount in digits, for example 12.50."
        )
    if reason == "too_many_decimals":
        return QCoreApplication.translate(
            "Errors", "Too many decimals: this currency has {decimals} after the point."
        ).format(decimals=params.get("decimals", 2))
    return QCoreApplication.translate(
        "Errors", "Enter a sale amount greater than zero, for example 12.50."
    )


def _below_minimum(params: Params, _currency: str) -> str:
    return QCoreApplication.translate(
        "Errors", "At least {min} points must be redeemed at once."
    ).format(min=f"{int(params.get('min_points', 100)):,}")


def _exceeds_sale_cap(params: Params, currency: str) -> str:
    message = QCoreApplication.translate(
        "Errors", "Points may pay at most {percent}% of the sale ({cap})."
    ).format(
        percent=params.get("percent", 50),
        cap=format_money(int(params.get("cap_cents", 0)), currency),
    )
    return message + _max_hint(params, currency)


def _insufficient(params: Params, currency: str) -> str:
    message = QCoreApplication.translate("Errors", "The member has only {balance} points.").format(
        balance=f"{int(params.get('balance', 0)):,}"
    )
    return message + _max_hint(params, currency)


def _offline_cap(params: Params, currency: str) -> str:
    message = QCoreApplication.translate(
        "Errors",
        "While the till is offline a member may redeem at most {cap} points a day; "
        "{left} are left today.",
    ).format(cap=f"{int(params.get('cap', 2000)):,}", left=f"{int(params.get('left', 0)):,}")
    return message + _max_hint(params, currency)


def _adjustment_over(params: Params, _currency: str) -> str:
    return QCoreApplication.translate(
        "Errors", "One adjustment may move at most {max} points."
    ).format(max=f"{int(params.get('limit', 0)):,}")


def _adjustment_daily(params: Params, _currency: str) -> str:
    return QCoreApplication.translate(
        "Errors",
        "A member's points may be adjusted by at most {cap} a day; {left} are left today.",
    ).format(cap=f"{int(params.get('cap', 0)):,}", left=f"{int(params.get('left', 0)):,}")


def _redemption_over(params: Params, currency: str) -> str:
    limit = QCoreApplication.translate(
        "Errors", "One redemption may use at most {max} points."
    ).format(max=f"{int(params.get('limit', 0)):,}")
    return limit + _max_hint(params, currency)


def _redemption_daily(params: Params, currency: str) -> str:
    message = QCoreApplication.translate(
        "Errors", "A member may redeem at most {cap} points a day; {left} are left today."
    ).format(cap=f"{int(params.get('cap', 0)):,}", left=f"{int(params.get('left', 0)):,}")
    return message + _max_hint(params, currency)


def _return_too_large(params: Params, currency: str) -> str:
    left = int(params.get("left_cents", 0))
    if left <= 0:
        return QCoreApplication.translate("Errors", "This sale has been returned in full already.")
    return QCoreApplication.translate(
        "Errors", "The return is larger than what is left of the sale: at most {left}."
    ).format(left=format_money(left, currency))


def _manager_required(params: Params, currency: str) -> str:
    if "limit_cents" not in params:
        return QCoreApplication.translate(
            "Errors", "A manager must approve this: enter a manager's code and PIN."
        )
    return QCoreApplication.translate(
        "Errors", "A return above {limit} needs a manager's approval (manager PIN)."
    ).format(limit=format_money(int(params["limit_cents"]), currency))


def _coupon_min_spend(params: Params, currency: str) -> str:
    if "min_spend_cents" not in params:
        return QCoreApplication.translate("Errors", "This coupon needs a larger sale.")
    spend = format_money(int(params["min_spend_cents"]), str(params.get("currency", currency)))
    return QCoreApplication.translate(
        "Errors", "This coupon needs a sale of {amount} or more."
    ).format(amount=spend)


def _coupon_not_yet_valid(params: Params, _currency: str) -> str:
    if "valid_from" not in params:
        return QCoreApplication.translate("Errors", "This coupon is not valid yet.")
    return QCoreApplication.translate("Errors", "This coupon is valid from {date}.").format(
        date=params["valid_from"]
    )


def _coupon_expired(params: Params, _currency: str) -> str:
    if "expires_at" not in params:
        return QCoreApplication.translate("Errors", "This coupon has expired.")
    return QCoreApplication.translate(
        "Errors", "This coupon has expired (it was valid until {date})."
    ).format(date=params["expires_at"])


def _coupon_wrong_currency(params: Params, _currency: str) -> str:
    if "currency" not in params:
        return QCoreApplication.translate("Errors", "This coupon is in another currency.")
    return QCoreApplication.translate(
        "Errors", "This coupon is in {currency}: it cannot be used in this store's currency."
    ).format(currency=params["currency"])


_MESSAGES: dict[str, Callable[[Params, str], str]] = {
    "coupon_min_spend": _coupon_min_spend,
    "coupon_not_yet_valid": _coupon_not_yet_valid,
    "coupon_expired": _coupon_expired,
    "coupon_wrong_currency": _coupon_wrong_currency,
    "coupon_wrong_store": _simple(
        QT_TRANSLATE_NOOP("Errors", "This coupon is not valid in this store.")
    ),
    "coupon_not_stackable": _simple(
        QT_TRANSLATE_NOOP(
            "Errors", "Only one coupon per sale: this coupon cannot be used beside another."
        )
    ),
    "coupon_other_member": _simple(
        QT_TRANSLATE_NOOP("Errors", "This coupon belongs to another member.")
    ),
    "unknown_coupon": _simple(
        QT_TRANSLATE_NOOP("Errors", "No coupon has this code. Check it and try again.")
    ),
    "invalid_coupon_code": _simple(
        QT_TRANSLATE_NOOP("Errors", "Not a coupon code: it has 6 to 24 letters and digits.")
    ),
    "unknown_sale": _simple(
        QT_TRANSLATE_NOOP("Errors", "No sale has this receipt number. Check it and try again.")
    ),
    "sale_voided": _simple(
        QT_TRANSLATE_NOOP("Errors", "This sale was voided: there is nothing to return.")
    ),
    "return_too_large": _return_too_large,
    "invalid_pin": _invalid_pin,
    "staff_locked": _staff_locked,
    "approval_paused": _approval_paused,
    "manager_required": _manager_required,
    "not_signed_in": _simple(QT_TRANSLATE_NOOP("Errors", "Sign in first.")),
    "unknown_member": _simple(QT_TRANSLATE_NOOP("Errors", "No member found with this code.")),
    "unknown_staff": _simple(QT_TRANSLATE_NOOP("Errors", "Wrong staff code or PIN.")),
    "invalid_amount": _invalid_amount,
    "invalid_points": _simple(
        QT_TRANSLATE_NOOP("Errors", "Enter a whole number of points greater than zero.")
    ),
    "below_minimum_redeem": _below_minimum,
    "exceeds_sale_cap": _exceeds_sale_cap,
    "insufficient_balance": _insufficient,
    "offline_daily_cap": _offline_cap,
    "adjustment_over_limit": _adjustment_over,
    "adjustment_daily_limit": _adjustment_daily,
    "redemption_over_limit": _redemption_over,
    "redemption_daily_limit": _redemption_daily,
    "staff_not_authorised": _simple(
        QT_TRANSLATE_NOOP(
            "Errors", "Head office refused this: it was not approved by an active store manager."
        )
    ),
    "occurred_at_out_of_window": _simple(
        QT_TRANSLATE_NOOP(
            "Errors",
            "Head office refused this: its date is too far from today. Check the till's clock.",
        )
    ),
    "seq_out_of_window": _simple(
        QT_TRANSLATE_NOOP(
            "Errors", "Head office refused the till's queue as out of order; call head office."
        )
    ),
    "coupon_unavailable": _simple(
        QT_TRANSLATE_NOOP("Errors", "This coupon has already been used or has expired.")
    ),
    "already_voided": _simple(
        QT_TRANSLATE_NOOP("Errors", "This transaction has already been voided.")
    ),
    "not_voidable": _simple(QT_TRANSLATE_NOOP("Errors", "This transaction cannot be voided.")),
    "invalid_member_code": _simple(
        QT_TRANSLATE_NOOP(
            "Errors", "Not a valid member code: it was mistyped or misread. Scan or type it again."
        )
    ),
    "invalid_qr_payload": _simple(
        QT_TRANSLATE_NOOP("Errors", "This QR code is not a member card.")
    ),
    "invalid_phone": _simple(QT_TRANSLATE_NOOP("Errors", "Enter a valid mobile phone number.")),
    "invalid_name": _simple(
        QT_TRANSLATE_NOOP("Errors", "Enter the member's name (1 to 100 characters).")
    ),
    "invalid_email": _simple(
        QT_TRANSLATE_NOOP("Errors", "Enter a valid e-mail address or leave it empty.")
    ),
    "duplicate_sale": _simple(
        QT_TRANSLATE_NOOP("Errors", "This sale has already been recorded for this member.")
    ),
    "member_exists": _simple(
        QT_TRANSLATE_NOOP("Errors", "A member with this phone number already exists.")
    ),
    "card_replaced": _simple(
        QT_TRANSLATE_NOOP(
            "Errors",
            "This card was replaced by a new one and no longer works. "
            "Ask for the new card, or search by phone.",
        )
    ),
    "phone_in_use": _simple(
        QT_TRANSLATE_NOOP("Errors", "Another member already has this phone number.")
    ),
    "nothing_changed": _simple(
        QT_TRANSLATE_NOOP("Errors", "Nothing was changed: fill in what is new.")
    ),
    "invalid_currency": _simple(
        QT_TRANSLATE_NOOP("Errors", "The store currency is not set up correctly.")
    ),
    "not_paired": _simple(
        QT_TRANSLATE_NOOP("Errors", "This till is not paired with head office yet.")
    ),
    "invalid_pairing_code": _simple(
        QT_TRANSLATE_NOOP("Errors", "The pairing code is wrong, expired or already used.")
    ),
    "offline": _simple(
        QT_TRANSLATE_NOOP(
            "Errors", "Head office cannot be reached; the till keeps working offline."
        )
    ),
    "sign_in_required": _simple(QT_TRANSLATE_NOOP("Errors", "Sign in first.")),
    "member_inactive": _simple(
        QT_TRANSLATE_NOOP("Errors", "This member's account is not active; no points can change.")
    ),
    "unknown_event": _simple(QT_TRANSLATE_NOOP("Errors", "This transaction is not on this till.")),
    "invalid_sale_ref": _simple(
        QT_TRANSLATE_NOOP("Errors", "The receipt number is too long or has invalid characters.")
    ),
    "invalid_reason": _simple(
        QT_TRANSLATE_NOOP("Errors", "Enter a reason (up to 500 characters).")
    ),
    "invalid_birthday": _simple(QT_TRANSLATE_NOOP("Errors", "Enter the birthday as YYYY-MM-DD.")),
    "invalid_page": _simple(QT_TRANSLATE_NOOP("Errors", "No more results.")),
    "terminal_not_configured": _simple(
        QT_TRANSLATE_NOOP("Errors", "This till is not set up yet: pair it with head office.")
    ),
    "terminal_not_paired": _simple(
        QT_TRANSLATE_NOOP("Errors", "This till is not paired with head office yet.")
    ),
    "member_code_exhausted": _simple(
        QT_TRANSLATE_NOOP("Errors", "This till cannot issue more member codes; call head office.")
    ),
    "already_paired": _simple(
        QT_TRANSLATE_NOOP("Errors", "This till is already paired; reset it before pairing again.")
    ),
    "pairing_failed": _simple(
        QT_TRANSLATE_NOOP("Errors", "Pairing failed: check the server address and try again.")
    ),
    "invalid_server_url": _simple(
        QT_TRANSLATE_NOOP("Errors", "The server address must start with http:// or https://.")
    ),
    "sync_failed": _simple(QT_TRANSLATE_NOOP("Errors", "Syncing failed; the till will retry.")),
    "terminal_revoked": _simple(
        QT_TRANSLATE_NOOP("Errors", "Head office revoked this till; call head office.")
    ),
    "day_close_failed": _simple(
        QT_TRANSLATE_NOOP(
            "Errors", "Head office cannot be reached, so the day was not closed. Try again later."
        )
    ),
    "invalid_date": _simple(QT_TRANSLATE_NOOP("Errors", "That business day has not begun.")),
    "not_found": _simple(QT_TRANSLATE_NOOP("Errors", "Nothing was found.")),
    "access_denied": _simple(QT_TRANSLATE_NOOP("Errors", "You are not allowed to do this.")),
}


_AFTER_FULL_WIDTH = re.compile(r"(?<=[。！？；：，、）])[ \t]+")


def tidy_spacing(text: str) -> str:
    """Sentences are joined with a space, which English needs and Chinese does not:
    none after full-width punctuation ("。 再错" -> "。再错")."""
    return _AFTER_FULL_WIDTH.sub("", text)


def error_message(error: BaseException, currency: str = "CNY") -> str:
    """The translated sentence for ``error``; unexpected errors get a generic one."""
    if isinstance(error, DomainError):
        build = _MESSAGES.get(error.code)
        if build is not None:
            try:
                return tidy_spacing(build(error.params, currency))
            except (KeyError, TypeError, ValueError):
                log.exception("bad params for %s: %r", error.code, error.params)
        return QCoreApplication.translate("Errors", "The operation was refused ({code}).").format(
            code=error.code
        )
    log.error("unexpected error", exc_info=error)
    return QCoreApplication.translate(
        "Errors", "Something went wrong. Try again; if it happens again, call a manager."
    )


def known_codes() -> frozenset[str]:
    return frozenset(_MESSAGES)
