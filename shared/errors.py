"""Domain errors with stable machine codes.

Every refusal in the product is a :class:`DomainError`. The ``code`` is stable (the
codes of PROTOCOL.md plus the terminal's own); the HTTP layer maps it to a problem
document and the UI maps it to a translated message. ``params`` carries the numbers a
message needs (for example the cap that was hit), so the UI can explain it.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A business rule refused an operation. Nothing was changed."""

    code: str = "domain_error"
    status: int = 400

    def __init__(self, message: str, *, code: str | None = None, **params: Any) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.message = message
        self.params: dict[str, Any] = params

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "params": dict(self.params)}


class ValidationFailed(DomainError):
    """Input that can never be valid (bad amount, malformed code, bad phone...)."""

    code = "invalid_input"
    status = 422


class NotFound(DomainError):
    code = "not_found"
    status = 404


class RuleViolation(DomainError):
    """Valid input that the loyalty program refuses right now (caps, balance...)."""

    code = "rule_violation"
    status = 409


class AccessDenied(DomainError):
    code = "access_denied"
    status = 403
