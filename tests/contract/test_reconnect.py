"""The background loop against a real `sync-server serve` process that goes away and comes
back: the queue drains within seconds of the server's return, not after a long backoff."""

from __future__ import annotations

import random
import time

import pytest

from terminal.offline.sync_client import TransientSyncError
from terminal.offline.sync_engine import Backoff, next_delay, unreachable
from terminal.offline.timing import return_delay
from tests.contract.conftest import HeadOffice
from tests.contract.support import a_member

pytestmark = pytest.mark.slow

OUTAGE_SECONDS = 20.0  # long enough for an exponential backoff to reach tens of seconds
DRAIN_LIMIT_SECONDS = 10.0


def _wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_queue_drains_within_seconds_after_the_server_returns(
    make_till, head_office: HeadOffice
) -> None:
    till = make_till("Till 1")
    code = a_member(till)
    member_id = till.services.lookup.by_code(code).member_id
    server = head_office.server
    server.stop()
    for n in range(40):
        till.services.sales.earn(till.cashier, member_id, amount_cents=2000 + n, sale_ref=f"D-{n}")
    loop = till.sync.loop()  # the product's own intervals and backoff
    loop.start()
    try:
        assert _wait_for(lambda: not till.sync.status().online, 10)
        time.sleep(OUTAGE_SECONDS)  # the loop keeps failing all this time
        assert till.sync.status().pending == 40
        server.start()
        back = time.monotonic()
        assert _wait_for(lambda: till.sync.status().pending == 0, 30)
        drained = time.monotonic() - back
    finally:
        loop.stop()
    print(f"drain after the server returned: {drained:.2f} s (outage {OUTAGE_SECONDS:.0f} s)")
    assert drained < DRAIN_LIMIT_SECONDS
    assert till.sync.status().online


def test_only_errors_the_server_returns_back_off() -> None:
    backoff = Backoff(base=1.0, cap=300.0)
    away = TransientSyncError("cannot be reached")
    busy = TransientSyncError("overloaded (HTTP 503)", status=503)
    assert unreachable(away)
    assert not unreachable(busy)
    rng = random.Random(3)
    for _ in range(20):  # a short outage: probes every 1-3 s, jittered, never backed off
        probes = [next_delay(away, backoff, interval=5.0, probe_interval=2.0, rng=rng)]
        assert 1.0 <= probes[0] <= 3.0
    long_away = [
        next_delay(away, backoff, interval=5.0, probe_interval=2.0, away_for=600, rng=rng)
        for _ in range(200)
    ]  # ten minutes away: every 5-15 s, never the backoff's minutes, never in step
    assert 5.0 <= min(long_away) < max(long_away) <= 15.0
    assert len({round(d, 3) for d in long_away}) > 150
    ceilings = [next_delay(busy, Backoff(base=1.0, cap=300.0), interval=5, probe_interval=2)]
    assert 0 <= ceilings[0] <= 1.0
    for _ in range(10):
        next_delay(busy, backoff, interval=5.0, probe_interval=2.0)
    assert next_delay(None, backoff, interval=5.0, probe_interval=2.0) == 5.0  # reset
    assert 0 <= next_delay(busy, backoff, interval=5.0, probe_interval=2.0) <= 1.0


def test_after_a_long_outage_a_chains_tills_come_back_spread_out() -> None:
    rng = random.Random(5)
    short = [return_delay(20.0, rng) for _ in range(500)]
    assert max(short) <= 1.0  # a short outage: back at once
    back = sorted(return_delay(600.0, rng) for _ in range(2000))  # 2,000 tills, 10 minutes
    assert back[-1] <= 30.0
    # Spread over the half minute: no second holds more than a few per cent of them.
    per_second = [sum(1 for b in back if s <= b < s + 1) for s in range(30)]
    assert max(per_second) < 0.06 * len(back)
