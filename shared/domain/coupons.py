"""Coupon terms: what a coupon takes off a sale, and why one cannot be used.

Pure rules for the coupon kinds of issue 16 (fixed value, percent off with a cap,
free-item text; minimum spend; valid from and until; stores; currency; one per sale or
stackable). The till explains a refusal with :func:`coupon_refusal`'s code and params
("needs a sale of ¥200 or more", "valid from 2026-12-24", "not valid in this store");
the server re-checks the same function. A coupon row carries its terms (``terms``, on
the wire and in both databases) and may carry a code (``code``) printed on a paper
coupon, typed at the till or scanned as ``CPN:<code>`` (docs/PROGRAM.md, "Coupons").
A coupon without terms is the original kind: ``fixed``, its row's value and expiry.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from shared.domain.money import ISO_4217
from shared.domain.program import describe_program_errors
from shared.errors import ValidationFailed

CouponKind = Literal["fixed", "percent", "item"]
StoreCode = Annotated[str, Field(min_length=1, max_length=32)]


class CouponTerms(BaseModel):
    """The terms of one coupon (docs/PROGRAM.md, "Coupon terms")."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: CouponKind = "fixed"
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    value_cents: int = Field(default=0, ge=0)
    percent: int | None = Field(default=None, ge=1, le=100)
    cap_cents: int | None = Field(default=None, ge=1)
    item_text: str | None = Field(default=None, min_length=1, max_length=200)
    min_spend_cents: int = Field(default=0, ge=0)
    valid_from: AwareDatetime | None = None
    expires_at: AwareDatetime | None = None
    stores: tuple[StoreCode, ...] = Field(default=(), max_length=1000)
    stackable: bool = False

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        if value not in ISO_4217:
            raise ValueError(f"{value} is not an ISO 4217 currency in use")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> CouponTerms:
        if self.kind == "fixed" and self.value_cents <= 0:
            raise ValueError("value_cents: a fixed coupon is worth more than zero")
        if self.kind == "percent" and self.percent is None:
            raise ValueError("percent: a percent coupon needs a percent (1-100)")
        if self.kind != "percent" and (self.percent is not None or self.cap_cents is not None):
            raise ValueError("percent: only a percent coupon has a percent or a cap")
        if self.kind == "item" and not self.item_text:
            raise ValueError("item_text: a free-item coupon names the item")
        if self.valid_from and self.expires_at and self.expires_at <= self.valid_from:
            raise ValueError(
                f"expires_at: {self.expires_at.isoformat()} is not after valid_from "
                f"{self.valid_from.isoformat()}"
            )
        return self


@dataclass(frozen=True, slots=True)
class CouponRefusal:
    """Why a coupon cannot be used on this sale: a stable code and what explains it."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


def coupon_refusal(
    terms: CouponTerms,
    *,
    sale_cents: int,
    store_code: str,
    currency: str,
    now: datetime,
    other_coupons: int = 0,
) -> CouponRefusal | None:
    """The first reason this coupon cannot be used on this sale, or None.
    ``other_coupons``: coupons already used on the same sale."""
    if terms.valid_from is not None and now < terms.valid_from:
        return CouponRefusal("coupon_not_yet_valid", {"valid_from": terms.valid_from})
    if terms.expires_at is not None and now >= terms.expires_at:
        return CouponRefusal("coupon_expired", {"expires_at": terms.expires_at})
    if terms.stores and store_code not in terms.stores:
        return CouponRefusal("coupon_wrong_store", {"stores": terms.stores})
    if currency != terms.currency:
        return CouponRefusal("coupon_wrong_currency", {"currency": terms.currency})
    if sale_cents < terms.min_spend_cents:
        return CouponRefusal("coupon_min_spend", {"min_spend_cents": terms.min_spend_cents})
    if other_coupons > 0 and not terms.stackable:
        return CouponRefusal("coupon_not_stackable", {})
    return None


def discount_cents(terms: CouponTerms, sale_cents: int) -> int:
    """What the coupon takes off a sale of ``sale_cents``: never more than the sale,
    a percent coupon never more than its cap; a free item takes nothing off the amount."""
    sale = max(sale_cents, 0)
    if terms.kind == "fixed":
        return min(terms.value_cents, sale)
    if terms.kind == "percent":
        off = sale * (terms.percent or 0) // 100
        return off if terms.cap_cents is None else min(off, terms.cap_cents)
    return 0


def parse_coupon_terms(text: str | bytes) -> CouponTerms:
    """Coupon terms from head office's JSON; refused as ``invalid_coupon`` with every
    error naming its field ("percent: Input should be less than or equal to 100")."""
    try:
        return CouponTerms.model_validate_json(text)
    except ValidationError as error:
        raise ValidationFailed(
            f"These are not valid coupon terms: {describe_program_errors(error.errors())}",
            code="invalid_coupon",
        ) from None


def legacy_terms(value_cents: int, currency: str, expires_at: datetime | None) -> CouponTerms:
    """The terms of a coupon issued before terms existed: fixed value, its expiry."""
    return CouponTerms(
        kind="fixed", currency=currency, value_cents=value_cents, expires_at=expires_at
    )


# --- coupon codes -------------------------------------------------------------------

COUPON_SCHEME = "CPN:"  # a paper coupon's QR or barcode: CPN:<code> (a member card: MBR:)
MIN_CODE_LENGTH = 6
MAX_CODE_LENGTH = 24
_CODE = re.compile(rf"^[A-Z0-9]{{{MIN_CODE_LENGTH},{MAX_CODE_LENGTH}}}$")
# What head office's codes are made of: no 0/O, 1/I/L, so a typed code is read right.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def normalize_coupon_code(raw: object) -> str:
    """A coupon code as typed or scanned: ``CPN:`` dropped, spaces and dashes ignored,
    case folded. Anything else is ``invalid_coupon_code``."""
    if not isinstance(raw, str):
        raise ValidationFailed("Not a coupon code.", code="invalid_coupon_code")
    text = raw.strip().replace("\x00", "")
    if text[: len(COUPON_SCHEME)].upper() == COUPON_SCHEME:
        text = text[len(COUPON_SCHEME) :]
    code = re.sub(r"[\s-]", "", text).upper()
    if not _CODE.match(code):
        raise ValidationFailed(
            f"A coupon code is {MIN_CODE_LENGTH}-{MAX_CODE_LENGTH} letters and digits.",
            code="invalid_coupon_code",
        )
    return code


def looks_like_coupon(text: str) -> bool:
    """Whether a scanner burst is a paper coupon (``CPN:`` first), not a member card."""
    return isinstance(text, str) and text.strip()[: len(COUPON_SCHEME)].upper() == COUPON_SCHEME


def coupon_payload(code: str) -> str:
    """What a paper coupon's QR code or barcode holds."""
    return COUPON_SCHEME + normalize_coupon_code(code)


def new_coupon_code(length: int = 10) -> str:
    """A fresh random code for a paper coupon (head office checks it is unused)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))
