"""The refusals services raise. Each is a ``shared.errors.DomainError`` with a stable code."""

from __future__ import annotations

from shared.errors import AccessDenied, NotFound, RuleViolation, ValidationFailed


class InvalidPin(AccessDenied):
    code = "invalid_pin"
    status = 401


class StaffLocked(AccessDenied):
    code = "staff_locked"
    status = 423


class ApprovalPaused(AccessDenied):
    """Too many wrong PINs to approve with this manager's code: wait, sign-in unaffected."""

    code = "approval_paused"
    status = 429


class ManagerRequired(AccessDenied):
    code = "manager_required"


class SignInRequired(AccessDenied):
    """The session's staff member is gone or deactivated on this terminal."""

    code = "sign_in_required"
    status = 401


class UnknownMember(NotFound):
    code = "unknown_member"


class UnknownEvent(NotFound):
    code = "unknown_event"


class MemberInactive(RuleViolation):
    code = "member_inactive"


class MemberExists(RuleViolation):
    code = "member_exists"


class PhoneInUse(RuleViolation):
    code = "phone_in_use"


class CardReplaced(NotFound):
    code = "card_replaced"


class DuplicateSale(RuleViolation):
    code = "duplicate_sale"


class CouponUnavailable(RuleViolation):
    code = "coupon_unavailable"


class CouponRefused(RuleViolation):
    """A coupon's terms refuse this sale (shared.domain.coupons.coupon_refusal): the code
    is the refusal's (``coupon_min_spend``, ``coupon_not_yet_valid``...)."""

    code = "coupon_refused"


class UnknownCoupon(NotFound):
    """No coupon this till knows has the code typed or scanned."""

    code = "unknown_coupon"


class AlreadyVoided(RuleViolation):
    code = "already_voided"


class NotVoidable(RuleViolation):
    code = "not_voidable"


class InvalidName(ValidationFailed):
    code = "invalid_name"


class InvalidInput(ValidationFailed):
    code = "invalid_input"


class UnknownSale(NotFound):
    """No sale with this receipt number here (or, online, anywhere)."""

    code = "unknown_sale"


class SaleVoided(RuleViolation):
    code = "sale_voided"


class ReturnTooLarge(RuleViolation):
    """More than is left of the sale (``left_cents``) after the returns known here."""

    code = "return_too_large"
