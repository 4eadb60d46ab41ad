"""A manager's points adjustment: why it was made.

The till offers a short list of reasons; the event's ``reason`` text (PROTOCOL.md,
``points.adjusted``) starts with the reason's code, then the manager's own words, so that
head office can count adjustments by reason and still read the story. The size of one
adjustment is the program's rule (``LoyaltyProgram.check_adjustment``).
"""

from __future__ import annotations

from shared.errors import ValidationFailed

# code -> English label (the till translates its own labels)
ADJUSTMENT_REASONS: dict[str, str] = {
    "missed_scan": "Card not scanned",
    "wrong_amount": "Wrong sale amount",
    "goodwill": "Goodwill",
    "complaint": "Complaint settled",
    "other": "Other (explain)",
}
MAX_REASON_TEXT = 500
_SEPARATOR = ": "


def adjustment_reason(code: str, note: str = "") -> str:
    """The ``reason`` text of a ``points.adjusted`` event: ``code`` or ``code: note``.

    ``other`` needs a note; a note never makes the text longer than the protocol allows.
    """
    if code not in ADJUSTMENT_REASONS:
        raise ValidationFailed("Choose a reason from the list.", code="invalid_reason")
    text = note.strip() if isinstance(note, str) else ""
    if code == "other" and not text:
        raise ValidationFailed("Explain the reason for this adjustment.", code="invalid_reason")
    reason = f"{code}{_SEPARATOR}{text}" if text else code
    if len(reason) > MAX_REASON_TEXT:
        raise ValidationFailed(
            f"A reason has at most {MAX_REASON_TEXT} characters.", code="invalid_reason"
        )
    return reason


def reason_code(reason: str) -> str | None:
    """The list code an adjustment's reason starts with, or None (free text of old tills)."""
    head = reason.split(_SEPARATOR, 1)[0]
    return head if head in ADJUSTMENT_REASONS else None
