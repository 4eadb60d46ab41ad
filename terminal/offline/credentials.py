"""Terminal secrets (API token, phone hash key) in the OS keyring, never in a file.

The keyring backend is whatever ``keyring`` selects (tests install an in-memory one).
"""

from __future__ import annotations

import binascii
import threading
from collections.abc import Callable
from typing import TypeVar

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError

from shared.errors import DomainError, ValidationFailed

TOKEN = "token"
PHONE_HASH_KEY = "phone_hash_key"


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


class CredentialStore:
    def __init__(self, service: str) -> None:
        self.service = service

    def token(self) -> str | None:
        return _keyring(lambda: keyring.get_password(self.service, TOKEN))

    def set_token(self, token: str) -> None:
        _keyring(lambda: keyring.set_password(self.service, TOKEN, token))

    def has_phone_hash_key(self) -> bool:
        return _keyring(lambda: keyring.get_password(self.service, PHONE_HASH_KEY)) is not None

    def phone_hash_key(self) -> bytes:
        """The HMAC key for phone hashes, or ``terminal_not_paired`` if there is none."""
        stored = _keyring(lambda: keyring.get_password(self.service, PHONE_HASH_KEY))
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
        _keyring(lambda: keyring.set_password(self.service, PHONE_HASH_KEY, hex_key.lower()))

    def clear(self) -> None:
        for name in (TOKEN, PHONE_HASH_KEY):
            try:
                _keyring(lambda: keyring.delete_password(self.service, name))  # noqa: B023
            except PasswordDeleteError:
                pass


class ProcessKeyring(KeyringBackend):
    """A keyring that lives in this process's memory and vanishes with it.

    For the demo on a machine without an OS keyring, screenshots, benchmarks and tests.
    The product never selects it by itself: a terminal without an OS keyring refuses to
    store secrets rather than writing them to a file.
    """

    priority = 1

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
