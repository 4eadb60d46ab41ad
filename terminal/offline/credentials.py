"""Terminal secrets (API token, phone hash key) in the OS keyring, never in a file.

The keyring backend is whatever ``keyring`` selects (tests install an in-memory one).
"""

from __future__ import annotations

import binascii

import keyring
from keyring.errors import PasswordDeleteError

from shared.errors import DomainError, ValidationFailed

TOKEN = "token"
PHONE_HASH_KEY = "phone_hash_key"


class NotPaired(DomainError):
    code = "terminal_not_paired"
    status = 409


class CredentialStore:
    def __init__(self, service: str) -> None:
        self.service = service

    def token(self) -> str | None:
        return keyring.get_password(self.service, TOKEN)

    def set_token(self, token: str) -> None:
        keyring.set_password(self.service, TOKEN, token)

    def has_phone_hash_key(self) -> bool:
        return keyring.get_password(self.service, PHONE_HASH_KEY) is not None

    def phone_hash_key(self) -> bytes:
        """The HMAC key for phone hashes, or ``terminal_not_paired`` if there is none."""
        stored = keyring.get_password(self.service, PHONE_HASH_KEY)
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
        keyring.set_password(self.service, PHONE_HASH_KEY, hex_key.lower())

    def clear(self) -> None:
        for name in (TOKEN, PHONE_HASH_KEY):
            try:
                keyring.delete_password(self.service, name)
            except PasswordDeleteError:
                pass
