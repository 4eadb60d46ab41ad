"""UUIDv7 event ids (RFC 9562): 48-bit Unix milliseconds, then random bits.

Python 3.11 has no ``uuid.uuid7``. Ids minted by one generator are strictly increasing
even within one millisecond: the 12 ``rand_a`` bits act as a counter seeded at random
each millisecond, and the timestamp is nudged forward if the counter overflows or the
clock steps back.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

_VERSION = 0x7
_VARIANT = 0b10


class Uuid7Generator:
    """Monotonic UUIDv7 source; one per process is enough, but tests may make their own."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = -1
        self._counter = 0

    def __call__(self) -> uuid.UUID:
        with self._lock:
            now_ms = time.time_ns() // 1_000_000
            if now_ms > self._last_ms:
                self._last_ms = now_ms
                self._counter = int.from_bytes(os.urandom(2), "big") & 0x7FF
            else:
                self._counter += 1
                if self._counter > 0xFFF:
                    self._last_ms += 1
                    self._counter = 0
            ms, counter = self._last_ms, self._counter
        tail = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
        value = (ms & ((1 << 48) - 1)) << 80
        value |= _VERSION << 76
        value |= counter << 64
        value |= _VARIANT << 62
        value |= tail
        return uuid.UUID(int=value)


_default = Uuid7Generator()


def uuid7() -> uuid.UUID:
    """A new time-ordered UUIDv7."""
    return _default()


def uuid7_timestamp_ms(value: uuid.UUID) -> int:
    """The Unix millisecond timestamp a UUIDv7 carries."""
    return value.int >> 80
