"""Money, points, phone and time as the cashier reads them. Integers only, never floats."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from PySide6.QtCore import QCoreApplication, QLocale

from shared.domain.business_day import store_zone
from shared.domain.money import currency_exponent
from shared.domain.phone import mask_last4, mask_phone
from shared.domain.program import LoyaltyProgram

_SYMBOLS = {
    "CNY": "¥",
    "JPY": "¥",
    "USD": "$",
    "HKD": "HK$",
    "TWD": "NT$",
    "SGD": "S$",
    "EUR": "€",
    "GBP": "£",
    "KRW": "₩",
}


def format_money(amount_cents: int, currency: str) -> str:
    """``123456, "CNY"`` -> ``¥1,234.56``; unknown currencies keep their ISO code."""
    exponent = currency_exponent(currency)
    sign = "-" if amount_cents < 0 else ""
    units, minor = divmod(abs(amount_cents), 10**exponent)
    body = f"{units:,}" if exponent == 0 else f"{units:,}.{minor:0{exponent}d}"
    symbol = _SYMBOLS.get(currency)
    return f"{sign}{symbol}{body}" if symbol else f"{sign}{body} {currency}"


def money_to_text(amount_cents: int, currency: str) -> str:
    """What goes back into an amount field: ``1250`` -> ``12.50`` (no symbol, no commas)."""
    exponent = currency_exponent(currency)
    units, minor = divmod(amount_cents, 10**exponent)
    return f"{units}" if exponent == 0 else f"{units}.{minor:0{exponent}d}"


def format_points(points: int) -> str:
    return QCoreApplication.translate("Format", "%1 pts").replace("%1", f"{points:,}")


def format_signed_points(points: int) -> str:
    sign = "+" if points > 0 else ""
    return QCoreApplication.translate("Format", "%1 pts").replace("%1", f"{sign}{points:,}")


def masked_phone(phone: str | None, last4: str | None) -> str:
    """``138****5678`` from a full number, ``*******5678`` when only the tail is known."""
    if phone:
        return mask_phone(phone)
    if last4:
        return mask_last4(last4, hidden=7)
    return "—"


def store_time(moment: datetime, zone: str) -> datetime:
    """``moment`` on the store's clock (``zone`` from the store's settings). Every time a
    person reads is shown this way, never in the computer's own time zone: the till's
    computer may be set to UTC while the shop runs on Asia/Shanghai. A naive moment is
    taken as UTC (the replica stores UTC)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(store_zone(zone))


def stored_time(text: str | None, zone: str) -> datetime | None:
    """A replica's RFC 3339 UTC text on the store's clock; None for no or unreadable text."""
    if not text:
        return None
    try:
        return store_time(datetime.fromisoformat(text), zone)
    except ValueError:
        return None


def zone_label(zone: str, at: datetime | None = None) -> str:
    """``UTC+08:00``: the store's offset, for headings where a time could be misread."""
    offset = store_time(at or datetime.now(UTC), zone).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def format_datetime(moment: datetime | None, zone: str) -> str:
    if moment is None:
        return QCoreApplication.translate("Format", "never")
    return store_time(moment, zone).strftime("%Y-%m-%d %H:%M")


def format_time(moment: datetime | None, zone: str) -> str:
    if moment is None:
        return QCoreApplication.translate("Format", "never")
    return store_time(moment, zone).strftime("%H:%M:%S")


def format_date(day: date | datetime | None) -> str:
    if day is None:
        return QCoreApplication.translate("Format", "no expiry")
    return day.strftime("%Y-%m-%d")


def tier_label(program: LoyaltyProgram, code: str) -> str:
    """A tier's name in the UI's language: the program's own name for it (head office's
    data, ``Tier.names``), else the catalogue's translation of its ``name`` (programs
    published without per-language names), else ``name``; the code if it is unknown."""
    tier = next((t for t in program.tiers if t.code == code), None)
    if tier is None:
        return code
    return tier.name_in(QLocale().name()) or _tier_catalogue().get(tier.name, tier.name)


def _tier_catalogue() -> dict[str, str]:
    """The default program's tier names, for programs without per-language names."""
    return {
        "Member": QCoreApplication.translate("Tiers", "Member"),
        "Silver": QCoreApplication.translate("Tiers", "Silver"),
        "Gold": QCoreApplication.translate("Tiers", "Gold"),
    }
