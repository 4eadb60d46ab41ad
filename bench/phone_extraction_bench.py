"""What a stolen till costs an attacker to turn one member's data back into the number.

    .venv/bin/python bench/phone_extraction_bench.py [--region CN] [--last4 5678]
        [--samples 20]

A till holds, per member, the last 4 digits and ``phone_slow_hash`` (argon2id keyed by
the deployment's phone_hash_key, which its keyring also holds). The attacker tries every
mobile number of the region that ends in those 4 digits. This prints the cost of one
guess (the slow hash, measured here) beside the raw baseline of the same run (the HMAC
the till held before, with the first 3 digits shown masked), the size of the search
space (counted from the region's mobile number pattern), and their product: the CPU
time to extract one member's number on one core of this machine. Also the cost of
searching a staff PIN hash (argon2, as head office stores them) of 4 and 6 digits.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import os
import re
import statistics
import sys
import time
from pathlib import Path

import phonenumbers
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from phonenumbers import PhoneMetadata

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shared.domain.phone import PHONE_SLOW_HASH_PARAMS, phone_slow_hash  # noqa: E402

KEY = bytes(range(32))


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{model}, {os.cpu_count()} cores, load average {load}"


def search_space(region: str, last4: str) -> tuple[int, list[int]]:
    """How many valid mobile numbers of ``region`` end in ``last4`` (national numbers of
    every mobile length: the leading digits are enumerated, the pattern decides)."""
    metadata = PhoneMetadata.metadata_for_region(region.upper())
    if metadata is None or metadata.mobile is None:
        raise SystemExit(f"no mobile numbering data for region {region!r}")
    pattern = re.compile(metadata.mobile.national_number_pattern)
    lengths = [n for n in metadata.mobile.possible_length if n > 4]
    total = 0
    for length in lengths:
        free = length - 4
        for first in "0123456789":  # leading digits no mobile number starts with are skipped
            probe = [f"{first}{i:0{free - 1}d}{last4}" for i in range(0, 10 ** (free - 1), 997)]
            if not any(pattern.fullmatch(p) for p in probe):
                continue
            total += sum(
                1
                for i in range(10 ** (free - 1))
                if pattern.fullmatch(f"{first}{i:0{free - 1}d}{last4}")
            )
    return total, lengths


def per_call(fn: object, samples: int) -> float:
    timings = []
    for index in range(samples):
        started = time.perf_counter()
        fn(index)  # type: ignore[operator]
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 3 * 86400:
        return f"{seconds / 3600:.1f} h"
    if seconds < 730 * 86400:
        return f"{seconds / 86400:.0f} days"
    return f"{seconds / (365 * 86400):.0f} years"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--region", default="CN")
    parser.add_argument("--last4", default="5678")
    parser.add_argument("--samples", type=int, default=20)
    args = parser.parse_args()
    example = phonenumbers.example_number_for_type(
        args.region.upper(), phonenumbers.PhoneNumberType.MOBILE
    )
    code = f"+{example.country_code}" if example else "+"
    slow = per_call(lambda i: phone_slow_hash(KEY, f"{code}1380013{i:04d}"), args.samples)
    batch = 20_000
    fast = (
        per_call(
            lambda _i: [
                hmac.new(KEY, f"{code}{j:011d}".encode(), hashlib.sha256).hexdigest()
                for j in range(batch)
            ],
            5,
        )
        / batch
    )
    pins = PasswordHasher()  # what `sync-server staff add` hashes PINs with
    stored = pins.hash("864209")

    def wrong_pin(index: int) -> None:
        with contextlib.suppress(VerificationError):
            pins.verify(stored, f"{index:06d}")

    pin = per_call(wrong_pin, 3)
    space, lengths = search_space(args.region, args.last4)
    cores = os.cpu_count() or 1
    p = PHONE_SLOW_HASH_PARAMS
    print(f"machine: {machine()}")
    print(
        f"slow hash: argon2id m={p.memory_cost_kib} KiB t={p.time_cost} p={p.parallelism}; "
        f"region {args.region.upper()} mobile lengths {lengths}, last 4 digits {args.last4}"
    )
    print(f"{'':38}{'per guess':>12}{'guesses':>16}{'1 core':>11}{f'{cores} cores':>11}")
    rows = [
        ("before: HMAC, first 3 + last 4 shown", fast, 10**4),
        ("HMAC, last 4 only", fast, space),
        ("now: slow hash, last 4 only", slow, space),
        ("now: every member (whole space)", slow, space * 10**4),
        ("staff PIN, 4 digits (cashier)", pin, 10**4),
        ("staff PIN, 6 digits (manager)", pin, 10**6),
    ]
    for label, cost, guesses in rows:
        total = cost * guesses
        print(
            f"{label:38}{cost * 1e3:>10.4f}ms{guesses:>16,}"
            f"{duration(total):>11}{duration(total / cores):>11}"
        )
    print(f"one slow guess = {slow / fast:,.0f} HMACs; a till's full-phone lookup costs one")
    return 0


if __name__ == "__main__":
    sys.exit(main())
