"""Server-side refusals, as DomainErrors with stable codes and HTTP statuses."""

from __future__ import annotations

from shared.errors import DomainError


class Unauthorized(DomainError):
    code = "unauthorized"
    status = 401


class TerminalMismatch(DomainError):
    code = "terminal_mismatch"
    status = 403


class PayloadTooLarge(DomainError):
    code = "payload_too_large"
    status = 413


class TooManyAttempts(DomainError):
    code = "too_many_attempts"
    status = 429


class InvalidPairingCode(DomainError):
    code = "invalid_pairing_code"
    status = 400


class InvalidCursor(DomainError):
    code = "invalid_cursor"
    status = 400


class CursorExpired(DomainError):
    code = "cursor_expired"
    status = 409


class Conflict(DomainError):
    code = "conflict"
    status = 409


class BadRequest(DomainError):
    code = "bad_request"
    status = 400
