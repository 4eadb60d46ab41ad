"""One-time pairing codes: how they are made and how they are stored.

A code is 10 characters of a 32-letter alphabet (50 bits). It is stored as argon2id of
the code with the deployment's salt (about 40 ms per hash, ~19 MiB): a stolen database
or backup does not give the pending codes away (2^49 such hashes on average per code),
while the server still finds a terminal by its code's hash with one index look-up.
"""

from __future__ import annotations

import hashlib
import secrets

from argon2.low_level import Type, hash_secret_raw
from sqlalchemy.orm import Session

from sync_server.repositories import catalog

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize(raw: str) -> str:
    return "".join(ch for ch in raw.upper() if ch.isalnum())


def salt(session: Session) -> bytes:
    return catalog.server_key(session, "pairing_salt")


def hash_code(code: str, salt: bytes) -> str:
    """The stored form of ``code`` (hex)."""
    digest = hash_secret_raw(
        normalize(code).encode(),
        salt,
        time_cost=2,
        memory_cost=19456,
        parallelism=1,
        hash_len=32,
        type=Type.ID,
    )
    return digest.hex()


def code_hash(session: Session, code: str) -> str:
    return hash_code(code, salt(session))


def legacy_hash(code: str) -> str:
    """How the migration to argon2 (s11b) re-keyed codes still pending then (their plain
    SHA-256, marked by a leading ``L``): they keep working until they expire."""
    return "L" + hashlib.sha256(normalize(code).encode()).hexdigest()[:63]
