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


def parse_closing_time(text: str) -> time:
    try:
        return time.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValidationFailed(
            f"Not a closing time (HH:MM): {text!r}", code="invalid_setting"
        ) from None


def parse_day(text: str, *, code: str = "invalid_date") -> date:
    """A ``YYYY-MM-DD`` date typed by a person or sent in a URL or form; anything else is
    ``ValidationFailed`` with ``code`` and the text it got."""
    try:
        return date.fromisoformat(text.strip())
    except (AttributeError, ValueError):
        raise ValidationFailed(f"Not a date (YYYY-MM-DD): {text!r}", code=code) from None


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
