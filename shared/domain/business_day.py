"""The business day a moment belongs to, in the store's time zone.

A store that closes after midnight (closing time before noon, e.g. "02:00") keeps the
sales made between midnight and closing time on the previous business day. A store
that closes before midnight uses the plain local calendar date.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.errors import ValidationFailed

NOON = time(12, 0)
# The dates the product handles (birthdays, business days, expiries): a day outside
# them is a typing error or an attack, and arithmetic near date.min/max would overflow.
MIN_DAY = date(1900, 1, 1)
MAX_DAY = date(9000, 12, 31)


def parse_closing_time(text: str) -> time:
    try:
        return time.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValidationFailed(
            f"Not a closing time (HH:MM): {text!r}", code="invalid_setting"
        ) from None


def parse_day(text: str, *, code: str = "invalid_date") -> date:
    """A ``YYYY-MM-DD`` date typed by a person or sent in a URL or form, between MIN_DAY
    and MAX_DAY; anything else is ``ValidationFailed`` with ``code`` and the text it got."""
    try:
        day = date.fromisoformat(text.strip())
    except (AttributeError, ValueError):
        raise ValidationFailed(f"Not a date (YYYY-MM-DD): {text!r}", code=code) from None
    if not MIN_DAY <= day <= MAX_DAY:
        raise ValidationFailed(
            f"The date must lie between {MIN_DAY} and {MAX_DAY}: {text!r}", code=code
        )
    return day


def store_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(f"Unknown time zone: {name!r}", code="invalid_setting") from None


def business_date(moment: datetime, timezone: str, closing_time: str = "23:00") -> date:
    """The store's business date for an aware ``moment``."""
    if moment.tzinfo is None:
        raise ValueError("business_date needs an aware datetime")
    local = moment.astimezone(store_zone(timezone))
    closing = parse_closing_time(closing_time)
    if closing < NOON and local.time() < closing:
        return local.date() - timedelta(days=1)
    return local.date()
