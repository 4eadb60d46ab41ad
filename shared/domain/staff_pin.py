"""Staff PINs: how long they are, by role and program.

A till holds its store's staff PIN hashes (argon2) for offline sign-in, so a stolen till
allows an offline search over the PIN space: 10^4 guesses for a 4-digit PIN, 10^6 for
a 6-digit one. Managers, who approve voids and point adjustments, need at least the
program's ``manager_pin_length`` digits; everyone at least 4, at most 8.
"""

from __future__ import annotations

from shared.domain.program import LoyaltyProgram
from shared.errors import ValidationFailed

MIN_PIN_LENGTH = 4
MAX_PIN_LENGTH = 8


def check_staff_pin(pin: object, role: str, program: LoyaltyProgram) -> str:
    """The PIN if it suits this role under this program; else ``invalid_pin``."""
    if not isinstance(pin, str) or not pin.isascii() or not pin.isdigit():
        raise ValidationFailed("A PIN is digits only.", code="invalid_pin")
    shortest = (
        max(program.manager_pin_length, MIN_PIN_LENGTH) if role == "manager" else MIN_PIN_LENGTH
    )
    if len(pin) < shortest or len(pin) > MAX_PIN_LENGTH:
        who = "A manager's PIN" if role == "manager" else "A PIN"
        raise ValidationFailed(
            f"{who} is {shortest} to {MAX_PIN_LENGTH} digits.",
            code="invalid_pin",
            min_length=shortest,
            max_length=MAX_PIN_LENGTH,
        )
    return pin
