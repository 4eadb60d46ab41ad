"""The slow phone hash a till holds instead of an HMAC (issue 11, docs/HEAD_OFFICE.md
"A stolen till"): the documented argon2id parameters, pinned output (the server stores
it; every release must compute the same), and a per-guess cost far above an HMAC's."""

from __future__ import annotations

import hashlib
import hmac
import time
from pathlib import Path

from shared.domain.phone import PHONE_SLOW_HASH_PARAMS, SlowHashParams, phone_slow_hash

KEY = bytes(range(32))
DOCS = Path(__file__).resolve().parents[2] / "docs" / "HEAD_OFFICE.md"


def test_the_parameters_are_the_documented_ones() -> None:
    assert (
        SlowHashParams(time_cost=2, memory_cost_kib=19_456, parallelism=1, hash_len=32)
        == PHONE_SLOW_HASH_PARAMS
    )
    text = DOCS.read_text(encoding="utf-8")
    assert "argon2id, 19,456 KiB (19 MiB), 2 passes, 1 lane" in text


def test_the_output_is_pinned_and_keyed() -> None:
    assert phone_slow_hash(KEY, "+8613812345678") == (
        "ffc156c733f40d4a911c9ba66741fdafa3cb22e65606703f54e2148d3636c1e7"
    )
    assert phone_slow_hash(bytes(32), "+8613812345678") == (
        "799fbbb5aabde021f9f0ced04ae406402d08686f260fe09dad630747979dd1aa"
    )
    assert phone_slow_hash(KEY, "+8613812345679") != phone_slow_hash(KEY, "+8613812345678")
    # not the HMAC a till held before (that one gave the number in ~10^4 guesses)
    fast = hmac.new(KEY, b"+8613812345678", hashlib.sha256).hexdigest()
    assert phone_slow_hash(KEY, "+8613812345678") != fast


def test_one_guess_costs_far_more_than_an_hmac() -> None:
    """Measured in the same run (so machine load scales both): a floor on the ratio, not
    a timed check of product speed. The bench (bench/phone_extraction_bench.py) prints
    the absolute figures."""
    rounds = 2_000
    started = time.perf_counter()
    for index in range(rounds):
        hmac.new(KEY, f"+86138{index:08d}".encode(), hashlib.sha256).hexdigest()
    per_hmac = (time.perf_counter() - started) / rounds
    slow = []
    for index in range(3):
        started = time.perf_counter()
        phone_slow_hash(KEY, f"+86138{index:08d}")
        slow.append(time.perf_counter() - started)
    assert min(slow) >= 500 * per_hmac, (min(slow), per_hmac)
