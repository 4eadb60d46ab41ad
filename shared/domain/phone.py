"""Phone numbers: E.164 normalisation in the store's region, masking, keyed hashes.

Full numbers never reach a terminal's replica: terminals keep ``phone_last4`` and
``phone_hash`` = hex HMAC-SHA256(phone_hash_key, E.164 number).
"""

from __future__ import annotations

import hashlib
import hmac

import phonenumbers

from shared.errors import ValidationFailed


def normalize_phone(raw: str, default_region: str) -> str:
    """E.164 form of ``raw`` read in ``default_region`` (ISO 3166 alpha-2, e.g. "CN")."""
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationFailed("Enter a phone number.", code="invalid_phone")
    if len(raw) > 40:
        raise ValidationFailed("That phone number is too long.", code="invalid_phone")
    try:
        parsed = phonenumbers.parse(raw, default_region.upper())
    except phonenumbers.NumberParseException:
        raise ValidationFailed(f"Not a phone number: {raw!r}", code="invalid_phone") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationFailed(
            f"Not a valid phone number for region {default_region}: {raw!r}",
            code="invalid_phone",
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def phone_last4(e164: str) -> str:
    return e164[-4:]


def phone_hash(key: bytes, e164: str) -> str:
    return hmac.new(key, e164.encode("ascii"), hashlib.sha256).hexdigest()


def mask_phone(e164: str) -> str:
    """National digits with the middle hidden: +8613812345678 -> 138****5678."""
    try:
        parsed = phonenumbers.parse(e164, None)
        national = str(parsed.national_number)
    except phonenumbers.NumberParseException:
        national = "".join(ch for ch in e164 if ch.isdigit())
    if len(national) <= 7:
        return "*" * (len(national) - 4) + national[-4:]
    return national[:3] + "*" * (len(national) - 7) + national[-4:]


def mask_last4(last4: str, hidden: int = 4) -> str:
    """What a terminal can show when it only knows the last four digits."""
    return "*" * hidden + last4
