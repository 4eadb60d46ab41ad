"""Member codes (prefix + counter + Luhn digit) and member-card QR payloads.

Layout: a fixed-length prefix of PREFIX_LENGTH digits (one per terminal, or head
office's own), then the terminal's counter written with at least MIN_COUNTER_DIGITS
digits, then one Luhn check digit; at most MAX_CODE_LENGTH digits. Because every
prefix has the same length, the prefix is the first PREFIX_LENGTH digits of any code,
so two terminals can never mint the same code.
"""

from __future__ import annotations

from shared.errors import ValidationFailed

PREFIX_LENGTH = 6
MIN_COUNTER_DIGITS = 5
MAX_CODE_LENGTH = 16
MIN_CODE_LENGTH = PREFIX_LENGTH + MIN_COUNTER_DIGITS + 1
MAX_COUNTER = 10 ** (MAX_CODE_LENGTH - PREFIX_LENGTH - 1) - 1
QR_SCHEME = "MBR:"


def luhn_check_digit(body: str) -> str:
    """The digit that makes ``body + digit`` pass the Luhn check."""
    total = 0
    for index, char in enumerate(reversed(body)):
        digit = ord(char) - 48
        if index % 2 == 0:  # doubled: these sit at odd positions once the check digit is appended
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def luhn_valid(code: str) -> bool:
    return (
        len(code) >= 2
        and code.isascii()
        and code.isdigit()
        and (luhn_check_digit(code[:-1]) == code[-1])
    )


def check_prefix(prefix: str) -> str:
    if not (len(prefix) == PREFIX_LENGTH and prefix.isascii() and prefix.isdigit()):
        raise ValidationFailed(
            f"A member code prefix is exactly {PREFIX_LENGTH} digits: {prefix!r}",
            code="invalid_prefix",
        )
    return prefix


def mint_member_code(prefix: str, counter: int) -> str:
    check_prefix(prefix)
    if isinstance(counter, bool) or not isinstance(counter, int) or not 1 <= counter <= MAX_COUNTER:
        raise ValidationFailed(
            f"The member code counter must be between 1 and {MAX_COUNTER}: {counter!r}",
            code="member_code_exhausted",
        )
    body = f"{prefix}{counter:0{MIN_COUNTER_DIGITS}d}"
    return body + luhn_check_digit(body)


def transposition_safe(digits: str) -> bool:
    """True when no neighbours are 0 and 9: Luhn misses exactly the 09 <-> 90 swap."""
    return "09" not in digits and "90" not in digits


def check_safe_prefix(prefix: str) -> str:
    """A prefix for minting: also free of 09/90, so its codes can be made safe."""
    check_prefix(prefix)
    if not transposition_safe(prefix):
        raise ValidationFailed(
            f"A member code prefix may not contain 09 or 90: {prefix!r}", code="invalid_prefix"
        )
    return prefix


def next_member_code(prefix: str, counter: int) -> tuple[str, int]:
    """The first code at or after ``counter`` in which every adjacent swap is caught.

    Returns (code, next counter to use). Skipping codes with neighbouring 0 and 9 closes
    Luhn's one blind spot, so every single-digit error and every adjacent transposition
    of a code we mint fails the check digit.
    """
    check_safe_prefix(prefix)
    while True:
        code = mint_member_code(prefix, counter)
        unsafe_at = _first_unsafe_pair(code[:-1])
        if unsafe_at is None:
            if transposition_safe(code):  # the check digit itself may sit next to a 0 or 9
                return code, counter + 1
            counter += 1
            continue
        # Every counter that shares the digits up to the end of the 0/9 pair is unsafe too:
        # jump past all of them at once (a prefix ending in 0 would otherwise try every
        # counter from 90000000 to 99999999 one by one).
        counter_digits = len(code) - 1 - PREFIX_LENGTH
        step = 10 ** (counter_digits - (unsafe_at + 1 - PREFIX_LENGTH) - 1)
        counter = (counter // step + 1) * step


def _first_unsafe_pair(digits: str) -> int | None:
    """Index of the first neighbouring 0 and 9 in ``digits``, or None."""
    for index in range(len(digits) - 1):
        if {digits[index], digits[index + 1]} == {"0", "9"}:
            return index
    return None


def validate_member_code(raw: str) -> str:
    """Return the normalised code or raise ``invalid_member_code``."""
    code = raw.strip() if isinstance(raw, str) else ""
    if not code or not code.isascii() or not code.isdigit():
        raise ValidationFailed(
            "Not a valid member code: a member code has digits only.",
            code="invalid_member_code",
        )
    if not MIN_CODE_LENGTH <= len(code) <= MAX_CODE_LENGTH:
        raise ValidationFailed(
            f"Not a valid member code: it must have {MIN_CODE_LENGTH} to {MAX_CODE_LENGTH} digits.",
            code="invalid_member_code",
        )
    if not luhn_valid(code):
        raise ValidationFailed(
            "Not a valid member code: the check digit does not match (mistyped or misread).",
            code="invalid_member_code",
        )
    return code


def member_code_prefix(code: str) -> str:
    return validate_member_code(code)[:PREFIX_LENGTH]


def qr_payload(member_code: str) -> str:
    return QR_SCHEME + validate_member_code(member_code)


def parse_scan(raw: str) -> str:
    """Member code from what a scanner or cashier produced: ``MBR:<code>`` or a bare code.

    Anything else (another QR scheme, a URL, letters, a wrong check digit) is a clear
    ``invalid_member_code`` error, never a lookup of a different member.
    """
    if not isinstance(raw, str):
        raise ValidationFailed("Not a valid member code.", code="invalid_member_code")
    text = raw.strip().replace("\x00", "")
    if text[: len(QR_SCHEME)].upper() == QR_SCHEME:
        return validate_member_code(text[len(QR_SCHEME) :])
    if ":" in text or "/" in text:
        raise ValidationFailed(
            "This QR code is not a member card (it should start with MBR:).",
            code="invalid_qr_payload",
        )
    return validate_member_code(text)


def looks_like_card(text: str) -> bool:
    """Whether a scanner burst is a member card: the card's QR payload (``MBR:`` and
    anything after it, so a damaged code still gets its own error) or a bare member
    code with a valid check digit (a 1-D barcode). Digits that are not a code (a phone
    number, a PIN, an amount typed quickly) are typing, not a card."""
    if not isinstance(text, str):
        return False
    body = text.strip()
    if body[: len(QR_SCHEME)].upper() == QR_SCHEME:
        return True
    return bare_member_code(body)


def bare_member_code(text: str) -> bool:
    """A member code as a 1-D barcode carries it: digits only, right length and check digit."""
    return MIN_CODE_LENGTH <= len(text) <= MAX_CODE_LENGTH and text.isascii() and luhn_valid(text)
