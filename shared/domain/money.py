"""Money as integer minor units with an ISO 4217 currency. Never floats."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from shared.errors import ValidationFailed

_CURRENCY = re.compile(r"^[A-Z]{3}$")
# Minor-unit exponents that differ from 2 (ISO 4217); everything else uses 2.
_EXPONENTS = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "BHD": 3, "KWD": 3, "JOD": 3}


# The ISO 4217 codes in use (a program's currencies and a coupon's currency must be one).
ISO_4217: frozenset[str] = frozenset(
    [
        "AED",
        "AFN",
        "ALL",
        "AMD",
        "ANG",
        "AOA",
        "ARS",
        "AUD",
        "AWG",
        "AZN",
        "BAM",
        "BBD",
        "BDT",
        "BGN",
        "BHD",
        "BIF",
        "BMD",
        "BND",
        "BOB",
        "BOV",
        "BRL",
        "BSD",
        "BTN",
        "BWP",
        "BYN",
        "BZD",
        "CAD",
        "CDF",
        "CHE",
        "CHF",
        "CHW",
        "CLF",
        "CLP",
        "CNY",
        "COP",
        "COU",
        "CRC",
        "CUC",
        "CUP",
        "CVE",
        "CZK",
        "DJF",
        "DKK",
        "DOP",
        "DZD",
        "EGP",
        "ERN",
        "ETB",
        "EUR",
        "FJD",
        "FKP",
        "GBP",
        "GEL",
        "GHS",
        "GIP",
        "GMD",
        "GNF",
        "GTQ",
        "GYD",
        "HKD",
        "HNL",
        "HTG",
        "HUF",
        "IDR",
        "ILS",
        "INR",
        "IQD",
        "IRR",
        "ISK",
        "JMD",
        "JOD",
        "JPY",
        "KES",
        "KGS",
        "KHR",
        "KMF",
        "KPW",
        "KRW",
        "KWD",
        "KYD",
        "KZT",
        "LAK",
        "LBP",
        "LKR",
        "LRD",
        "LSL",
        "LYD",
        "MAD",
        "MDL",
        "MGA",
        "MKD",
        "MMK",
        "MNT",
        "MOP",
        "MRU",
        "MUR",
        "MVR",
        "MWK",
        "MXN",
        "MXV",
        "MYR",
        "MZN",
        "NAD",
        "NGN",
        "NIO",
        "NOK",
        "NPR",
        "NZD",
        "OMR",
        "PAB",
        "PEN",
        "PGK",
        "PHP",
        "PKR",
        "PLN",
        "PYG",
        "QAR",
        "RON",
        "RSD",
        "RUB",
        "RWF",
        "SAR",
        "SBD",
        "SCR",
        "SDG",
        "SEK",
        "SGD",
        "SHP",
        "SLE",
        "SLL",
        "SOS",
        "SRD",
        "SSP",
        "STN",
        "SVC",
        "SYP",
        "SZL",
        "THB",
        "TJS",
        "TMT",
        "TND",
        "TOP",
        "TRY",
        "TTD",
        "TWD",
        "TZS",
        "UAH",
        "UGX",
        "USD",
        "USN",
        "UYI",
        "UYU",
        "UYW",
        "UZS",
        "VED",
        "VES",
        "VND",
        "VUV",
        "WST",
        "XAF",
        "XCD",
        "XCG",
        "XOF",
        "XPF",
        "YER",
        "ZAR",
        "ZMW",
        "ZWG",
        "ZWL",
    ]
)


def currency_exponent(currency: str) -> int:
    return _EXPONENTS.get(currency, 2)


def check_currency(currency: object) -> str:
    if not isinstance(currency, str) or not _CURRENCY.match(currency):
        raise ValidationFailed(
            f"Not an ISO 4217 currency code: {currency!r}", code="invalid_currency"
        )
    return currency


def check_known_currency(currency: object) -> str:
    """An ISO 4217 code in use ("CNY", "HKD"); anything else is ``invalid_currency``."""
    code = check_currency(currency)
    if code not in ISO_4217:
        raise ValidationFailed(f"Unknown ISO 4217 currency: {code!r}", code="invalid_currency")
    return code


def check_int(value: object, *, what: str, code: str) -> int:
    """Accept a real ``int`` only: no bool, float, Decimal or numeric string."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed(f"{what} must be a whole number, got {value!r}", code=code)
    return value


@dataclass(frozen=True, slots=True)
class Money:
    amount_cents: int
    currency: str

    def __post_init__(self) -> None:
        check_int(self.amount_cents, what="amount_cents", code="invalid_amount")
        check_currency(self.currency)

    def format(self) -> str:
        exp = currency_exponent(self.currency)
        sign = "-" if self.amount_cents < 0 else ""
        units, minor = divmod(abs(self.amount_cents), 10**exp)
        body = f"{units:,}" if exp == 0 else f"{units:,}.{minor:0{exp}d}"
        return f"{sign}{body} {self.currency}"


def amount_text(amount_cents: int, currency: str) -> str:
    """Minor units as a cashier types them ("128.50"): what ``parse_amount`` reads back."""
    exp = currency_exponent(check_currency(currency))
    units, minor = divmod(amount_cents, 10**exp)
    return f"{units}" if exp == 0 else f"{units}.{minor:0{exp}d}"


def parse_amount(text: str, currency: str) -> int:
    """Parse what a cashier typed ("12.50", "1,200") into minor units.

    More decimals than the currency has, negatives, blanks and non-numbers are errors.
    """
    exp = currency_exponent(check_currency(currency))
    cleaned = text.strip().replace(",", "").replace(" ", "")
    if not cleaned:
        raise ValidationFailed("Enter an amount.", code="invalid_amount", reason="empty")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValidationFailed(
            f"Not an amount: {text!r}", code="invalid_amount", reason="not_a_number"
        ) from None
    if not value.is_finite():
        raise ValidationFailed(
            f"Not an amount: {text!r}", code="invalid_amount", reason="not_a_number"
        )
    scaled = value.scaleb(exp)
    if scaled != scaled.to_integral_value():
        raise ValidationFailed(
            f"{currency} amounts have at most {exp} decimals: {text!r}",
            code="invalid_amount",
            reason="too_many_decimals",
            decimals=exp,
        )
    if scaled < 0:
        raise ValidationFailed(
            "Amounts cannot be negative.", code="invalid_amount", reason="negative"
        )
    return int(scaled)
