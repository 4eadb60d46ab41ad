"""Phone numbers: E.164 normalisation in the store's region, masking, keyed hashes.

Full numbers never reach a terminal's replica. A terminal keeps ``phone_last4`` and
``phone_slow_hash`` (:func:`phone_slow_hash`): a deliberately slow keyed hash, so that a
stolen till (replica + keyring key) costs an attacker ~10^5-10^6 slow guesses per member
rather than ~10^4 fast ones. ``phone_hash`` (fast HMAC) stays on the server, where the
full number is held anyway (duplicate detection in reconciliation).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

import phonenumbers
from argon2.low_level import Type, hash_secret_raw

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


@dataclass(frozen=True, slots=True)
class SlowHashParams:
    """argon2id cost of one full-phone lookup (docs/HEAD_OFFICE.md, "A stolen till")."""

    time_cost: int
    memory_cost_kib: int
    parallelism: int
    hash_len: int


# OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane). Terminals and the server must
# agree on it: changing it means a new ``phone_slow_hash`` for every member (a new
# version of the salt tag below, a server backfill, and a re-pull on every till).
PHONE_SLOW_HASH_PARAMS = SlowHashParams(
    time_cost=2, memory_cost_kib=19_456, parallelism=1, hash_len=32
)
_SLOW_HASH_TAG = b"pos-member-phone-lookup/v1"


def phone_slow_hash(key: bytes, e164: str) -> str:
    """Hex argon2id of the E.164 number, keyed by the deployment's ``phone_hash_key``.

    The one function both sides call: the server once per member (stored and pulled),
    a terminal once per full-phone lookup or enrolment. The key enters twice: as an HMAC
    of the number (the argon2 input) and in the salt, so nothing is computable without it.
    """
    params = PHONE_SLOW_HASH_PARAMS
    digest = hash_secret_raw(
        secret=hmac.new(key, e164.encode("ascii"), hashlib.sha256).digest(),
        salt=hashlib.sha256(_SLOW_HASH_TAG + key).digest()[:16],
        time_cost=params.time_cost,
        memory_cost=params.memory_cost_kib,
        parallelism=params.parallelism,
        hash_len=params.hash_len,
        type=Type.ID,
    )
    return digest.hex()


def mask_phone(e164: str) -> str:
    """National digits with the middle hidden: +8613812345678 -> 138****5678.

    Server side only (console, exports): terminals never hold the first digits."""
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
