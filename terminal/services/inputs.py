"""Checks on what a cashier typed, before anything is read or written."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from uuid import UUID

from shared.domain.business_day import parse_day
from shared.domain.money import check_int
from shared.errors import ValidationFailed
from terminal.services.errors import InvalidName, UnknownMember

MAX_NAME = 100
MAX_SALE_REF = 200
MAX_REASON = 500
MAX_ADJUST_POINTS = 10_000_000
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff")


def _has_control(text: str) -> bool:
    """Control, unassigned, surrogate or bidi-override characters (ZWJ/ZWNJ are fine)."""
    return any(
        ch in _BIDI_CONTROLS or unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") for ch in text
    )


def clean_name(raw: object) -> str:
    if not isinstance(raw, str):
        raise InvalidName("Enter the member's name.")
    name = raw.strip()
    if not name:
        raise InvalidName("Enter the member's name.")
    if len(name) > MAX_NAME:
        raise InvalidName(f"A name has at most {MAX_NAME} characters.", max_length=MAX_NAME)
    if _has_control(name):
        raise InvalidName("A name cannot contain control or invisible characters.")
    return name


def clean_text(raw: object, *, what: str, code: str, max_length: int) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationFailed(f"{what} is required.", code=code)
    text = raw.strip()
    if len(text) > max_length or _has_control(text):
        raise ValidationFailed(
            f"{what} must be at most {max_length} printable characters.", code=code
        )
    return text


def clean_sale_ref(raw: object) -> str:
    return clean_text(
        raw, what="The sale reference", code="invalid_sale_ref", max_length=MAX_SALE_REF
    )


def clean_reason(raw: object) -> str:
    return clean_text(raw, what="A reason", code="invalid_reason", max_length=MAX_REASON)


def clean_email(raw: object) -> str | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if not isinstance(raw, str) or len(raw.strip()) > 254 or not _EMAIL.match(raw.strip()):
        raise ValidationFailed(f"Not an email address: {raw!r}", code="invalid_email")
    return raw.strip()


def clean_birthday(raw: object, today: date) -> date | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        raw = parse_day(raw, code="invalid_birthday")
    if not isinstance(raw, date) or raw > today or raw.year < today.year - 130:
        raise ValidationFailed("Not a plausible birthday.", code="invalid_birthday")
    return raw


def clean_consent(raw: object) -> bool:
    if not isinstance(raw, bool):
        raise ValidationFailed("Marketing consent must be yes or no.", code="invalid_consent")
    return raw


def clean_points(raw: object, *, allow_negative: bool = False) -> int:
    points = check_int(raw, what="Points", code="invalid_points")
    if points == 0 or (points < 0 and not allow_negative):
        raise ValidationFailed("Points must be more than zero.", code="invalid_points")
    if abs(points) > MAX_ADJUST_POINTS:
        raise ValidationFailed("That many points is not plausible.", code="invalid_points")
    return points


def member_key(raw: object) -> str:
    """A member id as the replica stores it; malformed ids are simply unknown members."""
    try:
        return str(raw if isinstance(raw, UUID) else UUID(str(raw)))
    except (ValueError, TypeError):
        raise UnknownMember("No such member on this terminal.") from None


def event_key(raw: object) -> str | None:
    try:
        return str(raw if isinstance(raw, UUID) else UUID(str(raw)))
    except (ValueError, TypeError):
        return None
