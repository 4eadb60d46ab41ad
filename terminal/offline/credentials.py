"""Terminal secrets (API token, phone hash key) in the OS keyring, never in a file.

The backend is the one ``keyring`` selects, if it is a real OS keyring: a backend that
keeps secrets nowhere (``keyring.backends.fail``/``null``), in a file (any of
``keyrings.alt``, e.g. ``PlaintextKeyring``) or that rates itself unsuitable (priority
below 1) is refused with ``keyring_unavailable``; of a chain of backends only the real
ones are used. ``ProcessKeyring`` (memory) is never selected by itself: only
``keyring.set_keyring(ProcessKeyring())`` (tests, the demo, screenshots) installs it.
"""

from __future__ import annotations

import binascii
import contextlib
import secrets
import threading
from collections.abc import Callable
from typing import TypeVar

import keyring
from keyring.backend import KeyringBackend
from keyring.backends.chainer import ChainerBackend
from keyring.compat import properties
from keyring.errors import KeyringError, PasswordDeleteError

from shared.errors import DomainError, ValidationFailed

TOKEN = "token"
PHONE_HASH_KEY = "phone_hash_key"
_PROBE = "usable_probe"
# Backends that keep secrets nowhere or in a file (keyrings.alt: plain or "encrypted" files).
_NOT_A_KEYRING = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")


class NotPaired(DomainError):
    code = "terminal_not_paired"
    status = 409


class KeyringUnavailable(DomainError):
    code = "keyring_unavailable"
    status = 503


_T = TypeVar("_T")


def _keyring(call: Callable[[], _T]) -> _T:
    """Run a keyring call; no usable OS keyring is a clear error, never a plain file."""
    try:
        return call()
    except PasswordDeleteError:
        raise
    except KeyringError as exc:
        raise KeyringUnavailable(
            "This computer has no usable keyring for the terminal's secrets "
            f"({type(exc).__name__}: {exc}). Install or unlock one (e.g. GNOME Keyring or "
            "KWallet on Linux; Windows and macOS have one built in); secrets are never "
            "written to a file instead.",
        ) from exc


def _refusal(backend: KeyringBackend) -> str | None:
    """Why ``backend`` may not hold the terminal's secrets, or None."""
    if isinstance(backend, ProcessKeyring):
        return None  # installed on purpose (it is never selected by itself)
    kind = type(backend)
    name = f"{kind.__module__}.{kind.__qualname__}"
    if kind.__module__.startswith(_NOT_A_KEYRING):
        return f"{name} keeps secrets in a file or nowhere"
    try:
        priority = float(backend.priority)
    except Exception:
        return f"{name} is not usable here"
    if priority < 1:
        return f"{name} rates itself unsuitable (priority {priority:g})"
    return None


def secure_backend() -> KeyringBackend:
    """The selected keyring backend if it is a real keyring, else ``keyring_unavailable``."""
    selected = keyring.get_keyring()
    if isinstance(selected, ChainerBackend):
        chained: list[KeyringBackend] = list(selected.backends)
        usable = [b for b in chained if _refusal(b) is None]
        if usable:
            return usable[0]  # the chain's own order: highest priority first
        reason = "; ".join(filter(None, map(_refusal, chained))) or "no backend"
    else:
        refusal = _refusal(selected)
        if refusal is None:
            return selected
        reason = refusal
    raise KeyringUnavailable(
        f"This computer has no usable keyring for the terminal's secrets ({reason}). "
        "Install or unlock one (e.g. GNOME Keyring or KWallet on Linux; Windows and macOS "
        "have one built in); secrets are never written to a file instead.",
    )


class CredentialStore:
    def __init__(self, service: str) -> None:
        self.service = service

    def _get(self, name: str) -> str | None:
        return _keyring(lambda: secure_backend().get_password(self.service, name))

    def _set(self, name: str, value: str) -> None:
        _keyring(lambda: secure_backend().set_password(self.service, name, value))

    def check_usable(self) -> None:
        """Store, read back and delete a random value, or ``keyring_unavailable``: run
        before anything that cannot be undone (pairing spends its one-time code)."""
        probe = secrets.token_hex(8)
        self._set(_PROBE, probe)
        back = self._get(_PROBE)
        _keyring(lambda: secure_backend().delete_password(self.service, _PROBE))
        if back != probe:
            raise KeyringUnavailable(
                "The keyring did not give back what was stored in it; secrets are never "
                "written to a file instead."
            )

    def token(self) -> str | None:
        return self._get(TOKEN)

    def set_token(self, token: str) -> None:
        self._set(TOKEN, token)

    def has_phone_hash_key(self) -> bool:
        return self._get(PHONE_HASH_KEY) is not None

    def phone_hash_key(self) -> bytes:
        """The HMAC key for phone hashes, or ``terminal_not_paired`` if there is none."""
        stored = self._get(PHONE_HASH_KEY)
        if stored is None:
            raise NotPaired("Phone look-ups need the store's phone key: pair this terminal first.")
        return bytes.fromhex(stored)

    def set_phone_hash_key(self, hex_key: str) -> None:
        try:
            key = binascii.unhexlify(hex_key)
        except (binascii.Error, ValueError):
            raise ValidationFailed("The phone hash key must be hex.", code="invalid_key") from None
        if len(key) < 16:
            raise ValidationFailed("The phone hash key is too short.", code="invalid_key")
        self._set(PHONE_HASH_KEY, hex_key.lower())

    def clear(self) -> None:
        for name in (TOKEN, PHONE_HASH_KEY):
            with contextlib.suppress(PasswordDeleteError):
                _keyring(lambda: secure_backend().delete_password(self.service, name))  # noqa: B023


class ProcessKeyring(KeyringBackend):
    """A keyring that lives in this process's memory and vanishes with it.

    For the demo on a machine without an OS keyring, screenshots, benchmarks and tests,
    which install it with ``keyring.set_keyring(ProcessKeyring())``. It is never selected
    by itself: its priority raises, which ``keyring`` reads as "not viable" (every
    subclass of ``KeyringBackend`` is a candidate as soon as it is imported).
    """

    @properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("ProcessKeyring is installed explicitly, never selected")

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.store: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def get_password(self, service: str, username: str) -> str | None:
        with self._lock:
            return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        with self._lock:
            self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        with self._lock:
            if self.store.pop((service, username), None) is None:
                raise PasswordDeleteError(username)
